"""Snapshots of volumes: create (`force` for an in-use volume), list, show, update,
metadata, reset status, delete."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database, utcnow
from nubo.volume import errors
from nubo.volume.models import Snapshot, Volume, VolumeType
from nubo.volume.service.listing import Page, paginate
from nubo.volume.service.quotas import QuotaService
from nubo.volume.service.work import Worker
from nubo.volume.states import SnapshotStatus, VolumeStatus


@dataclass(frozen=True)
class NewSnapshot:
    project_id: str
    user_id: str
    volume_id: str
    force: bool = False
    name: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    group_snapshot_id: str | None = None


@dataclass(frozen=True)
class SnapshotFilter:
    project_id: str | None
    name: str | None = None
    status: str | None = None
    volume_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


class SnapshotService:
    def __init__(self, db: Database, quotas: QuotaService, worker: Worker) -> None:
        self.db, self.quotas, self.worker = db, quotas, worker

    async def create(self, new: NewSnapshot) -> Snapshot:
        async with self.db.write() as s:
            vol = await s.get(Volume, new.volume_id)
            if vol is None or vol.project_id != new.project_id:
                raise errors.VolumeNotFound(volume_id=new.volume_id)
            if not new.force and vol.status != VolumeStatus.AVAILABLE:
                raise errors.InvalidVolume(
                    reason=f"Volume {vol.id} status must be available, but current "
                           f"status is: {vol.status}.")
            if vol.status not in (VolumeStatus.AVAILABLE, VolumeStatus.IN_USE):
                raise errors.InvalidVolume(
                    reason=f"Volume {vol.id} status must be available or in-use, "
                           f"but current status is: {vol.status}.")
            vtype = await s.get(VolumeType, vol.type_id)
            await self.quotas.check(s, new.project_id, snapshots=1, gigabytes=vol.size,
                                    type_name=vtype.name if vtype is not None else None)
            row = Snapshot(id=str(uuid.uuid4()), volume_id=vol.id, project_id=new.project_id,
                           user_id=new.user_id, name=new.name, description=new.description,
                           size=vol.size, status=SnapshotStatus.CREATING,
                           metadata_=dict(new.metadata), created_at=utcnow(),
                           group_snapshot_id=new.group_snapshot_id)
            s.add(row)
        self.worker.spawn(self.worker.create_snapshot(row.id, vol.id), f"snapshot-{row.id}")
        return row

    async def get(self, snapshot_id: str, project_id: str | None) -> Snapshot:
        async with self.db.read() as s:
            return await self._row(s, snapshot_id, project_id)

    async def list_(self, f: SnapshotFilter, page: Page) -> list[Snapshot]:
        async with self.db.read() as s:
            q = select(Snapshot)
            if f.project_id is not None:
                q = q.where(Snapshot.project_id == f.project_id)
            if f.name is not None:
                q = q.where(Snapshot.name == f.name)
            if f.status is not None:
                q = q.where(Snapshot.status == f.status)
            if f.volume_id is not None:
                q = q.where(Snapshot.volume_id == f.volume_id)
            rows = [r for r in (await s.execute(q)).scalars()
                    if all(r.metadata_.get(k) == v for k, v in f.metadata.items())]
        return paginate(rows, page)

    async def update(self, snapshot_id: str, project_id: str | None, *,
                     name: tuple[str | None] | None = None,
                     description: tuple[str | None] | None = None) -> Snapshot:
        async with self.db.write() as s:
            row = await self._row(s, snapshot_id, project_id)
            if name is not None:
                row.name = name[0]
            if description is not None:
                row.description = description[0]
            row.updated_at = utcnow()
            return row

    async def metadata(self, snapshot_id: str, project_id: str | None) -> dict[str, str]:
        return dict((await self.get(snapshot_id, project_id)).metadata_)

    async def set_metadata(self, snapshot_id: str, project_id: str | None,
                           metadata: dict[str, str], replace: bool) -> dict[str, str]:
        async with self.db.write() as s:
            row = await self._row(s, snapshot_id, project_id)
            row.metadata_ = dict(metadata) if replace else {**row.metadata_, **metadata}
            row.updated_at = utcnow()
            return dict(row.metadata_)

    async def delete_metadata(self, snapshot_id: str, project_id: str | None,
                              key: str) -> None:
        async with self.db.write() as s:
            row = await self._row(s, snapshot_id, project_id)
            if key not in row.metadata_:
                raise errors.MetadataNotFound(kind="Snapshot", owner_id=snapshot_id, key=key)
            row.metadata_ = {k: v for k, v in row.metadata_.items() if k != key}

    async def reset_status(self, snapshot_id: str, status: str) -> None:
        async with self.db.write() as s:
            row = await self._row(s, snapshot_id, None)
            row.status, row.progress, row.updated_at = status, None, utcnow()

    async def update_status(self, snapshot_id: str, project_id: str | None, status: str,
                            progress: str | None) -> None:
        """os-update_snapshot_status, what a backend that makes snapshots itself reports
        (Cinder's transitions: creating -> available/error, deleting -> error_deleting)."""
        allowed: dict[str, tuple[str, ...]] = {
            SnapshotStatus.CREATING: (SnapshotStatus.AVAILABLE, SnapshotStatus.ERROR),
            SnapshotStatus.DELETING: (SnapshotStatus.ERROR_DELETING,)}
        async with self.db.write() as s:
            row = await self._row(s, snapshot_id, project_id)
            if status not in allowed.get(row.status, ()):
                raise errors.InvalidSnapshot(
                    reason=f"Snapshot status {row.status} not allowed for "
                           f"update_snapshot_status to {status}.")
            row.status, row.updated_at = status, utcnow()
            if progress is not None:
                row.progress = progress

    async def delete(self, snapshot_id: str, project_id: str | None,
                     force: bool = False) -> None:
        async with self.db.write() as s:
            row = await self._row(s, snapshot_id, project_id)
            if not force and row.status not in (SnapshotStatus.AVAILABLE,
                                                 SnapshotStatus.ERROR):
                raise errors.InvalidSnapshot(
                    reason="Volume Snapshot status must be available or error "
                           "and must not be part of a group.")
            row.status, row.updated_at = SnapshotStatus.DELETING, utcnow()
        self.worker.spawn(self.worker.delete_snapshot(snapshot_id),
                          f"snapshot-delete-{snapshot_id}")

    async def _row(self, s: AsyncSession, snapshot_id: str,
                   project_id: str | None) -> Snapshot:
        row = await s.get(Snapshot, snapshot_id)
        if row is None or (project_id is not None and row.project_id != project_id):
            raise errors.SnapshotNotFound(snapshot_id=snapshot_id)
        return row
