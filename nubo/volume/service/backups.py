"""Backups of volumes (Cinder's backup API): create (full or incremental, of an in-use
volume with `force`, of a snapshot), list, show, update, delete, restore (into a new volume
or an existing one), export and import of the record, reset status."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database, utcnow
from nubo.volume.agent.backup.posix import default_container
from nubo.volume.errors import (
    BackupLimitExceeded,
    BackupNotFound,
    BackupServiceNotRun,
    InvalidBackup,
    InvalidInput,
    InvalidSnapshot,
    InvalidVolume,
    SnapshotNotFound,
    VolumeBackupSizeExceedsAvailableQuota,
    VolumeNotFound,
)
from nubo.volume.models import Backup, Snapshot, Volume
from nubo.volume.service.backup_work import BackupWork
from nubo.volume.service.listing import Page, paginate
from nubo.volume.service.quotas import QuotaService
from nubo.volume.service.types import TypeService
from nubo.volume.service.volumes import NewVolume, VolumeRecord
from nubo.volume.states import (
    BACKING_UP,
    RESTORING_BACKUP,
    BackupStatus,
    SnapshotStatus,
    VolumeStatus,
)

ZONE = "nova"


@dataclass(frozen=True)
class NewBackup:
    project_id: str
    user_id: str
    volume_id: str
    name: str | None = None
    description: str | None = None
    container: str | None = None
    incremental: bool = False
    force: bool = False
    snapshot_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    availability_zone: str | None = None


@dataclass(frozen=True)
class BackupFilter:
    project_id: str | None
    name: str | None = None
    status: str | None = None
    volume_id: str | None = None


@dataclass(frozen=True)
class BackupRecord:
    backup: Backup
    has_dependent_backups: bool


@dataclass(frozen=True)
class Restore:
    backup_id: str
    volume_id: str
    volume_name: str | None


class BackupService:
    def __init__(self, db: Database, quotas: QuotaService, types: TypeService,
                 work: BackupWork) -> None:
        self.db, self.quotas, self.types, self.work = db, quotas, types, work

    # ------------------------------------------------------------------ reads

    async def get(self, backup_id: str, project_id: str | None) -> BackupRecord:
        async with self.db.read() as s:
            row = await self._row(s, backup_id, project_id)
            return BackupRecord(row, await _has_children(s, row.id))

    async def list_(self, f: BackupFilter, page: Page) -> list[BackupRecord]:
        async with self.db.read() as s:
            q = select(Backup)
            if f.project_id is not None:
                q = q.where(Backup.project_id == f.project_id)
            for col, value in ((Backup.name, f.name), (Backup.status, f.status),
                               (Backup.volume_id, f.volume_id)):
                if value is not None:
                    q = q.where(col == value)
            rows = paginate(list((await s.execute(q)).scalars()), page)
            parents = set((await s.execute(select(Backup.parent_id).where(
                Backup.parent_id.in_([r.id for r in rows])))).scalars())
        return [BackupRecord(r, r.id in parents) for r in rows]

    async def count(self, f: BackupFilter) -> int:
        return len(await self.list_(f, Page(limit=10**9)))

    # ------------------------------------------------------------------ create

    async def create(self, new: NewBackup) -> Backup:
        zone = new.availability_zone
        if zone is not None and zone != ZONE:
            raise InvalidInput(reason=f"Availability zone '{zone}' is invalid.")
        container = _container(new.container)
        async with self.db.write() as s:
            vol = await s.get(Volume, new.volume_id)
            if vol is None or vol.project_id != new.project_id:
                raise VolumeNotFound(volume_id=new.volume_id)
            snap = await self._check_source(s, vol, new)
            await self._check_quota(s, new.project_id, vol.size)
            parent = await self._parent(s, vol, snap) if new.incremental else None
            bid = str(uuid.uuid4())
            now = utcnow()
            row = Backup(id=bid, project_id=new.project_id, user_id=new.user_id,
                         volume_id=vol.id, snapshot_id=new.snapshot_id,
                         parent_id=parent.id if parent else None, name=new.name,
                         description=new.description, size=vol.size,
                         status=BackupStatus.CREATING,
                         container=container or default_container(bid),
                         availability_zone=zone or ZONE, service=self.work.store.service,
                         object_count=0, metadata_=dict(new.metadata),
                         volume_metadata=dict(vol.metadata_),
                         data_timestamp=snap.created_at if snap else now,
                         created_at=now)
            if snap is not None:
                row.previous_status, snap.status = snap.status, BACKING_UP
            else:
                row.previous_status, vol.status = vol.status, BACKING_UP
                vol.updated_at = now
            s.add(row)
        self.work.spawn_create(bid)
        return row

    async def _check_source(self, s: AsyncSession, vol: Volume,
                            new: NewBackup) -> Snapshot | None:
        if new.snapshot_id:
            snap = await s.get(Snapshot, new.snapshot_id)
            if snap is None or snap.project_id != new.project_id:
                raise SnapshotNotFound(snapshot_id=new.snapshot_id)
            if snap.volume_id != vol.id:
                raise InvalidVolume(reason=f"Volume {vol.id} does not match with "
                                    f"snapshot.volume_id {snap.volume_id}.")
            if snap.status != SnapshotStatus.AVAILABLE:
                raise InvalidSnapshot(reason="Snapshot to be backed up must be available, "
                                      f'but the current status is "{snap.status}".')
            return snap
        if vol.status not in (VolumeStatus.AVAILABLE, VolumeStatus.IN_USE):
            raise InvalidVolume(reason="Volume to be backed up must be available or in-use, "
                                f'but the current status is "{vol.status}".')
        if vol.status == VolumeStatus.IN_USE and not new.force:
            raise InvalidVolume(reason="Backing up an in-use volume must use the force flag.")
        return None

    async def _check_quota(self, s: AsyncSession, project_id: str, size: int) -> None:
        limits = await self.quotas.limits(project_id, s)
        used = await self.quotas.usage(project_id, s)
        if limits["backups"] != -1 and used.backups + 1 > limits["backups"]:
            raise BackupLimitExceeded(allowed=limits["backups"])
        quota = limits["backup_gigabytes"]
        if quota != -1 and used.backup_gigabytes + size > quota:
            raise VolumeBackupSizeExceedsAvailableQuota(
                requested=size, quota=quota, consumed=used.backup_gigabytes)

    async def _parent(self, s: AsyncSession, vol: Volume, snap: Snapshot | None) -> Backup:
        """The latest available backup of the volume (by the time of its data; for a
        snapshot's backup, one older than the snapshot), as Cinder picks it."""
        rows = [b for b in (await s.execute(select(Backup).where(
            Backup.volume_id == vol.id, Backup.project_id == vol.project_id))).scalars()
            if b.status == BackupStatus.AVAILABLE and b.data_timestamp is not None and
            (snap is None or b.data_timestamp < snap.created_at)]
        if not rows:
            raise InvalidBackup(reason="No backups available to do an incremental backup.")
        return max(rows, key=lambda b: _stamp(b.data_timestamp))

    # ------------------------------------------------------------------ update, delete

    async def update(self, backup_id: str, project_id: str | None, *,
                     name: tuple[str | None] | None = None,
                     description: tuple[str | None] | None = None,
                     metadata: dict[str, str] | None = None) -> Backup:
        async with self.db.write() as s:
            row = await self._row(s, backup_id, project_id)
            if name is not None:
                row.name = name[0]
            if description is not None:
                row.description = description[0]
            if metadata is not None:
                row.metadata_ = dict(metadata)
            row.updated_at = utcnow()
            return row

    async def delete(self, backup_id: str, project_id: str | None,
                     force: bool = False) -> None:
        async with self.db.write() as s:
            row = await self._row(s, backup_id, project_id)
            if not force and row.status not in (BackupStatus.AVAILABLE, BackupStatus.ERROR):
                raise InvalidBackup(reason="Backup status must be available or error")
            if force and row.status in (BackupStatus.CREATING, BackupStatus.RESTORING):
                raise InvalidBackup(reason=f"Backup status must not be {row.status} to be "
                                    "force deleted.")
            if await _has_children(s, row.id):
                raise InvalidBackup(reason="Incremental backups exist for this backup.")
            row.status, row.updated_at = BackupStatus.DELETING, utcnow()
        self.work.spawn_delete(backup_id)

    async def reset_status(self, backup_id: str, status: str) -> None:
        async with self.db.write() as s:
            row = await self._row(s, backup_id, None)
            row.status, row.updated_at = status, utcnow()

    # ------------------------------------------------------------------ restore

    async def restore(self, backup_id: str, scope: str | None, project_id: str, user_id: str,
                      volume_id: str | None, name: str | None) -> Restore:
        """Into `volume_id` (available, at least the backup's size) or a new volume of the
        caller's project. `scope`: whose backups the caller reaches (None: an admin's)."""
        async with self.db.write() as s:
            b = await self._row(s, backup_id, scope)
            if b.status != BackupStatus.AVAILABLE:
                raise InvalidBackup(reason="Backup status must be available")
            if volume_id is None:
                vol = await self._new_volume(s, b, project_id, user_id, name)
            else:
                found = await s.get(Volume, volume_id)
                if found is None or (scope is not None and found.project_id != scope):
                    raise VolumeNotFound(volume_id=volume_id)
                vol = found
                if vol.status != VolumeStatus.AVAILABLE:
                    raise InvalidVolume(reason="Volume to be restored to must be available")
                if b.size > vol.size:
                    raise InvalidVolume(reason=f"volume size {vol.size} is too small to "
                                        f"restore backup of size {b.size}.")
                vol.status, vol.updated_at = RESTORING_BACKUP, utcnow()
            b.status, b.restore_volume_id, b.updated_at = (BackupStatus.RESTORING, vol.id,
                                                           utcnow())
        self.work.spawn_restore(backup_id)
        return Restore(backup_id, vol.id, vol.name)

    async def _new_volume(self, s: AsyncSession, b: Backup, project_id: str, user_id: str,
                          name: str | None) -> Volume:
        await self.quotas.check(s, project_id, volumes=1, gigabytes=b.size,
                                volume_size=b.size)
        vtype = await self.types.default(s)
        vol = Volume(id=str(uuid.uuid4()), project_id=project_id, user_id=user_id,
                     name=name or f"restore_backup_{b.id}",
                     description="auto-created_from_restore_from_backup", size=b.size,
                     status=RESTORING_BACKUP, availability_zone=ZONE, type_id=vtype.id,
                     metadata_={}, created_at=utcnow())
        s.add(vol)
        return vol

    async def to_new_volume(self, backup_id: str, scope: str | None,
                            new: NewVolume) -> VolumeRecord:
        """A volume created from a backup (volume create with backup_id, 3.47): made and
        restored into as a restore into a new volume is, of `new`'s size (at least the
        backup's) and type."""
        async with self.db.write() as s:
            b = await self._row(s, backup_id, scope)
            if b.status != BackupStatus.AVAILABLE:
                raise InvalidBackup(reason="Backup status must be available")
            size = new.size if new.size is not None else b.size
            if size < b.size:
                raise InvalidInput(reason=f"Volume size {size}GB cannot be smaller than the "
                                   f"backup size {b.size}GB. It must be >= backup size.")
            if new.availability_zone not in (None, ZONE):
                raise InvalidInput(reason=f"Availability zone '{new.availability_zone}' is "
                                   "invalid.")
            vtype = await (self.types.lookup(s, new.volume_type, new.project_id)
                           if new.volume_type is not None else self.types.default(s))
            await self.quotas.check(s, new.project_id, volumes=1, gigabytes=size,
                                    volume_size=size)
            vol = Volume(id=str(uuid.uuid4()), project_id=new.project_id,
                         user_id=new.user_id, name=new.name, description=new.description,
                         size=size, status=RESTORING_BACKUP, availability_zone=ZONE,
                         type_id=vtype.id, metadata_=dict(new.metadata), created_at=utcnow())
            s.add(vol)
            b.status, b.restore_volume_id, b.updated_at = (BackupStatus.RESTORING, vol.id,
                                                           utcnow())
        self.work.spawn_restore(backup_id)
        return VolumeRecord(vol, vtype)

    # ------------------------------------------------------------------ export, import

    async def export_record(self, backup_id: str) -> tuple[str, str]:
        """(backup_service, backup_url): the url is the backup's record, base64 JSON."""
        async with self.db.read() as s:
            b = await self._row(s, backup_id, None)
        if b.status != BackupStatus.AVAILABLE:
            raise InvalidBackup(reason=f"Backup status must be available and not {b.status}.")
        doc = {k: _plain(getattr(b, k)) for k in (
            "id", "project_id", "user_id", "volume_id", "snapshot_id", "parent_id", "name",
            "description", "size", "container", "availability_zone", "service",
            "object_count", "data_timestamp", "created_at")}
        doc["metadata"] = dict(b.metadata_)
        doc["volume_metadata"] = dict(b.volume_metadata)
        return b.service, base64.b64encode(json.dumps(doc).encode()).decode()

    async def import_record(self, service: str, url: str, project_id: str,
                            user_id: str) -> Backup:
        """A backup record exported here or elsewhere: available when the store has its
        data, error (with the reason) when it does not."""
        if service != self.work.store.service:
            raise BackupServiceNotRun(service_id=service, ours=self.work.store.service)
        doc = _decode(url)
        bid = str(doc["id"])
        try:
            bid = str(uuid.UUID(bid))
        except ValueError:
            raise InvalidInput(reason=f"Invalid backup id {bid} in the record.") from None
        container = _container(doc.get("container")) or default_container(bid)
        present = self.work.store.exists(bid, container)
        async with self.db.write() as s:
            if await s.get(Backup, bid) is not None:
                raise InvalidBackup(reason="Backup already exists in database.")
            row = Backup(
                id=bid, project_id=project_id, user_id=user_id,
                volume_id=str(doc.get("volume_id") or "00000000-0000-0000-0000-000000000000"),
                snapshot_id=doc.get("snapshot_id"), parent_id=doc.get("parent_id"),
                name=doc.get("name"), description=doc.get("description"), size=int(doc["size"]),
                status=BackupStatus.AVAILABLE if present else BackupStatus.ERROR,
                container=container, availability_zone=doc.get("availability_zone") or ZONE,
                service=service, object_count=int(doc.get("object_count") or 0),
                fail_reason=None if present else "The backup's data is not in the backup "
                "store.", metadata_=dict(doc.get("metadata") or {}),
                volume_metadata=dict(doc.get("volume_metadata") or {}),
                data_timestamp=_parse(doc.get("data_timestamp")), created_at=utcnow())
            s.add(row)
        return row

    async def _row(self, s: AsyncSession, backup_id: str, project_id: str | None) -> Backup:
        row = await s.get(Backup, backup_id)
        if row is None or (project_id is not None and row.project_id != project_id):
            raise BackupNotFound(backup_id=backup_id)
        return row


async def _has_children(s: AsyncSession, backup_id: str) -> bool:
    n = (await s.execute(select(func.count(Backup.id)).where(
        Backup.parent_id == backup_id))).scalar_one()
    return bool(n)


def _container(value: object) -> str | None:
    """A container is a relative path in the store: no '..', no absolute path."""
    if value is None or value == "":
        return None
    text = str(value)
    parts = text.split("/")
    if text.startswith("/") or any(p in ("", ".", "..") for p in parts) or len(text) > 255:
        raise InvalidInput(reason=f"Invalid container {text!r}: a relative path without "
                           "'..' is expected.")
    return text


def _stamp(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _decode(url: str) -> dict[str, Any]:
    try:
        doc = json.loads(base64.b64decode(url.encode(), validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput(reason="Can't parse backup record.") from None
    if not isinstance(doc, dict):
        raise InvalidInput(reason="Can't parse backup record.")
    if not doc.get("id"):
        raise InvalidInput(reason="Provided backup record is missing an id")
    if "size" not in doc or not isinstance(doc["size"], int):
        raise InvalidInput(reason="Provided backup record is missing size attribute")
    return doc
