"""Volumes: create (empty, from a snapshot, from a volume), list, show, update, metadata,
extend, reset status, delete (cascade, force), as Cinder's volume API does them."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import Database, utcnow
from nubo.volume import errors
from nubo.volume.models import (
    Snapshot,
    Volume,
    VolumeAttachment,
    VolumeGroup,
    VolumeType,
    VolumeTypeEncryption,
)
from nubo.volume.service.images import GIB, ImageCatalog, ImageFacts, context_of
from nubo.volume.service.listing import Page, paginate
from nubo.volume.service.quotas import QuotaService
from nubo.volume.service.types import TypeService
from nubo.volume.service.work import Worker
from nubo.volume.states import DELETABLE, SnapshotStatus, VolumeStatus

#: how long a delete of a volume that is detaching waits for the detach to finish (seconds)
DETACH_WAIT = 60.0

#: Cinder's default storage_availability_zone
ZONE = "nova"

IN_USE_OR_SNAPSHOTS = ("Volume status must be available or error or error_restoring or "
                       "error_extending or error_managing and must not be migrating, "
                       "attached, belong to a group, have snapshots, awaiting a transfer, or "
                       "be disassociated from snapshots after volume transfer.")


@dataclass(frozen=True)
class VolumeRecord:
    """A volume with its type, as the views show it."""

    volume: Volume
    volume_type: VolumeType
    #: its attachments (service/attachments.py), oldest first
    attachments: tuple[VolumeAttachment, ...] = ()


@dataclass(frozen=True)
class NewVolume:
    project_id: str
    user_id: str
    size: int | None
    name: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    volume_type: str | None = None
    availability_zone: str | None = None
    snapshot_id: str | None = None
    source_volid: str | None = None
    image_id: str | None = None
    #: the caller is an admin (sees every image when creating from one)
    admin: bool = False
    #: the generic volume group it joins (service/groups.py checked it)
    group_id: str | None = None


@dataclass(frozen=True)
class ImageUpload:
    """os-volume_upload_image's answer: the queued image the volume's bytes go to."""

    volume: VolumeRecord
    image_id: str
    image_name: str
    disk_format: str
    container_format: str
    visibility: str
    protected: bool


@dataclass(frozen=True)
class VolumeFilter:
    project_id: str | None            # None: every project (an admin's all_tenants)
    name: str | None = None
    status: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    bootable: bool | None = None
    availability_zone: str | None = None


class VolumeService:
    def __init__(self, db: Database, types: TypeService, quotas: QuotaService,
                 worker: Worker, host: str, images: ImageCatalog | None) -> None:
        """`images`: the image service's records (None: volumes from and to images are
        refused)."""
        self.db, self.types, self.quotas, self.worker = db, types, quotas, worker
        self.host, self.images = host, images

    # ------------------------------------------------------------------ reads

    async def get(self, volume_id: str, project_id: str | None) -> VolumeRecord:
        async with self.db.read() as s:
            row = await self._row(s, volume_id, project_id)
            return VolumeRecord(row, await self._type(s, row.type_id),
                                tuple((await _attachments(s, [row.id]))[row.id]))

    async def list_(self, f: VolumeFilter, page: Page) -> list[VolumeRecord]:
        async with self.db.read() as s:
            q = select(Volume)
            if f.project_id is not None:
                q = q.where(Volume.project_id == f.project_id)
            if f.name is not None:
                q = q.where(Volume.name == f.name)
            if f.status is not None:
                q = q.where(Volume.status == f.status)
            if f.availability_zone is not None:
                q = q.where(Volume.availability_zone == f.availability_zone)
            if f.bootable is not None:
                q = q.where(Volume.bootable == f.bootable)
            rows = [r for r in (await s.execute(q)).scalars()
                    if all(r.metadata_.get(k) == v for k, v in f.metadata.items())]
            types = {t.id: t for t in (await s.execute(select(VolumeType))).scalars()}
            shown = paginate(rows, page)
            atts = await _attachments(s, [r.id for r in shown])
        return [VolumeRecord(r, types[r.type_id], tuple(atts[r.id])) for r in shown]

    async def count(self, project_id: str | None) -> int:
        async with self.db.read() as s:
            q = select(func.count(Volume.id))
            if project_id is not None:
                q = q.where(Volume.project_id == project_id)
            return int((await s.execute(q)).scalar_one())

    async def usage_by_project(self) -> dict[str, tuple[int, int, int, int]]:
        """Per project: volumes, their GiB, snapshots, their GiB (the os-hosts view)."""
        out: dict[str, list[int]] = {}
        async with self.db.read() as s:
            for model, at in ((Volume, 0), (Snapshot, 2)):
                for project, n, gb in (await s.execute(select(
                        model.project_id, func.count(model.id),
                        func.coalesce(func.sum(model.size), 0)).group_by(
                        model.project_id))).all():
                    row = out.setdefault(str(project), [0, 0, 0, 0])
                    row[at], row[at + 1] = int(n), int(gb)
        return {p: (r[0], r[1], r[2], r[3]) for p, r in out.items()}

    # ------------------------------------------------------------------ create

    async def create(self, new: NewVolume) -> VolumeRecord:
        zone = new.availability_zone or ZONE
        if zone != ZONE:
            raise errors.InvalidInput(reason=f"Availability zone '{zone}' is invalid.")
        image = await self._image(new)
        async with self.db.write() as s:
            size = await self._size_from_source(s, new, image)
            bootable, image_meta = await self._inherited(s, new, image)
            if new.volume_type is not None:
                vtype = await self.types.lookup(s, new.volume_type, new.project_id)
            elif new.source_volid is not None:
                src = await self._row(s, new.source_volid, new.project_id)
                vtype = await self._type(s, src.type_id)
            else:
                vtype = await self.types.default(s)
            if await s.get(VolumeTypeEncryption, vtype.id) is not None:
                raise errors.EncryptedTypeUnsupported(type_id=vtype.id)
            if new.group_id is not None:
                await _check_group(s, new.group_id, new.project_id, vtype.id)
            await self.quotas.check(s, new.project_id, volumes=1, gigabytes=size,
                                    volume_size=size, type_name=vtype.name)
            row = Volume(id=str(uuid.uuid4()), project_id=new.project_id,
                         user_id=new.user_id, name=new.name, description=new.description,
                         size=size, status=VolumeStatus.CREATING, availability_zone=zone,
                         type_id=vtype.id, snapshot_id=new.snapshot_id,
                         source_volid=new.source_volid, host=self.host,
                         group_id=new.group_id,
                         metadata_=dict(new.metadata), bootable=bootable,
                         image_metadata=image_meta, created_at=utcnow())
            s.add(row)
        self.worker.spawn(self.worker.create_volume(row.id, size, new.snapshot_id,
                                                    new.source_volid),
                          f"volume-create-{row.id}")
        return VolumeRecord(row, vtype)

    async def _image(self, new: NewVolume) -> ImageFacts | None:
        if new.image_id is None:
            return None
        if new.snapshot_id is not None or new.source_volid is not None:
            raise errors.InvalidInput(reason="Only one of snapshot_id, source_volid and "
                                             "imageRef may be given.")
        if self.images is None:
            raise errors.InvalidImageRef()
        return await self.images.facts(context_of(new.project_id, new.user_id, new.admin),
                                       new.image_id)

    async def _inherited(self, s: AsyncSession, new: NewVolume, image: ImageFacts | None
                         ) -> tuple[bool, dict[str, str] | None]:
        """bootable and volume_image_metadata: the image's (bootable once it is written),
        or those of the volume cloned or the snapshot's volume (Cinder copies them)."""
        if image is not None:
            return False, dict(image.volume_metadata)
        origin: str | None = new.source_volid
        if new.snapshot_id is not None:
            snap = await s.get(Snapshot, new.snapshot_id)
            origin = snap.volume_id if snap is not None else None
        src = await s.get(Volume, origin) if origin else None
        if src is None:
            return False, None
        return src.bootable, dict(src.image_metadata) if src.image_metadata else None

    async def _size_from_source(self, s: AsyncSession, new: NewVolume,
                                image: ImageFacts | None) -> int:
        if image is not None:
            size = new.size if new.size is not None else image.min_gb
            image_gb = -(-image.size // GIB)
            if image_gb > size:
                raise errors.ImageTooBig(image_gb=image_gb, size=size)
            if image.min_disk > size:
                raise errors.ImageMinDiskTooBig(size=size, min_disk=image.min_disk)
            return size
        if new.snapshot_id is not None and new.source_volid is not None:
            raise errors.InvalidInput(
                reason="Only one of snapshot_id and source_volid may be given.")
        if new.snapshot_id is not None:
            snap = await s.get(Snapshot, new.snapshot_id)
            if snap is None or snap.project_id != new.project_id:
                raise errors.SnapshotNotFound(snapshot_id=new.snapshot_id)
            if snap.status != SnapshotStatus.AVAILABLE:
                raise errors.InvalidSnapshot(
                    reason="Originating snapshot status must be 'available' to "
                           "create a volume from it.")
            size = new.size if new.size is not None else snap.size
            if size < snap.size:
                raise errors.InvalidInput(
                    reason=f"Volume size '{size}'GB cannot be smaller than the "
                           f"snapshot size {snap.size}GB. They must be >= original "
                           "snapshot size.")
            return size
        if new.source_volid is not None:
            src = await self._row(s, new.source_volid, new.project_id)
            if src.status not in (VolumeStatus.AVAILABLE, VolumeStatus.IN_USE):
                raise errors.InvalidVolume(
                    reason="Unable to create a volume from an originating volume "
                           f"when its status is not 'available' or 'in-use'; it is "
                           f"{src.status}.")
            size = new.size if new.size is not None else src.size
            if size < src.size:
                raise errors.InvalidInput(
                    reason=f"Volume size '{size}'GB cannot be smaller than original "
                           f"volume size {src.size}GB. They must be >= original "
                           "volume size.")
            return size
        if new.size is None:
            raise errors.InvalidInput(
                reason="Volume size must be given when not creating from a snapshot "
                       "or a volume.")
        return new.size

    # ------------------------------------------------------------------ update

    async def update(self, volume_id: str, project_id: str | None, *,
                     name: tuple[str | None] | None = None,
                     description: tuple[str | None] | None = None,
                     metadata: dict[str, str] | None = None) -> VolumeRecord:
        """Change what is given: `name`/`description` as 1-tuples (a None inside clears)."""
        async with self.db.write() as s:
            row = await self._row(s, volume_id, project_id)
            if name is not None:
                row.name = name[0]
            if description is not None:
                row.description = description[0]
            if metadata is not None:
                row.metadata_ = dict(metadata)
            row.updated_at = utcnow()
            return VolumeRecord(row, await self._type(s, row.type_id))

    async def metadata(self, volume_id: str, project_id: str | None) -> dict[str, str]:
        return dict((await self.get(volume_id, project_id)).volume.metadata_)

    async def set_metadata(self, volume_id: str, project_id: str | None,
                           metadata: dict[str, str], replace: bool) -> dict[str, str]:
        async with self.db.write() as s:
            row = await self._row(s, volume_id, project_id)
            row.metadata_ = dict(metadata) if replace else {**row.metadata_, **metadata}
            row.updated_at = utcnow()
            return dict(row.metadata_)

    async def delete_metadata(self, volume_id: str, project_id: str | None, key: str) -> None:
        async with self.db.write() as s:
            row = await self._row(s, volume_id, project_id)
            if key not in row.metadata_:
                raise errors.MetadataNotFound(kind="Volume", owner_id=volume_id, key=key)
            row.metadata_ = {k: v for k, v in row.metadata_.items() if k != key}
            row.updated_at = utcnow()

    # ------------------------------------------------------------------ actions

    async def extend(self, volume_id: str, project_id: str | None, new_size: int,
                     in_use_allowed: bool) -> None:
        async with self.db.write() as s:
            row = await self._row(s, volume_id, project_id)
            allowed = {VolumeStatus.AVAILABLE}
            if in_use_allowed:
                allowed.add(VolumeStatus.IN_USE)
            if row.status not in allowed:
                wanted = "'available' or 'in-use'" if in_use_allowed else "'available'"
                raise errors.InvalidVolume(
                    reason=f"Volume {volume_id} status must be {wanted} to extend, "
                           f"but current status is: {row.status}.")
            if new_size <= row.size:
                raise errors.InvalidInput(
                    reason="New size for extend must be greater than current size. "
                           f"(current: {row.size}, extended: {new_size}).")
            await self.quotas.check(s, row.project_id, gigabytes=new_size - row.size,
                                    volume_size=new_size,
                                    type_name=(await self._type(s, row.type_id)).name)
            back_to = row.status
            row.status, row.updated_at = VolumeStatus.EXTENDING, utcnow()
        self.worker.spawn(self.worker.extend_volume(volume_id, new_size, back_to),
                          f"volume-extend-{volume_id}")

    async def set_image_metadata(self, volume_id: str, project_id: str | None,
                                 metadata: dict[str, str]) -> dict[str, str]:
        async with self.db.write() as s:
            row = await self._row(s, volume_id, project_id)
            row.image_metadata = {**(row.image_metadata or {}), **metadata}
            row.updated_at = utcnow()
            return dict(row.image_metadata)

    async def unset_image_metadata(self, volume_id: str, project_id: str | None,
                                   key: str) -> None:
        async with self.db.write() as s:
            row = await self._row(s, volume_id, project_id)
            if key not in (row.image_metadata or {}):
                raise errors.GlanceMetadataNotFound(volume_id=volume_id)
            row.image_metadata = {k: v for k, v in (row.image_metadata or {}).items()
                                  if k != key}
            row.updated_at = utcnow()

    async def set_bootable(self, volume_id: str, project_id: str | None,
                           bootable: bool) -> None:
        async with self.db.write() as s:
            row = await self._row(s, volume_id, project_id)
            row.bootable, row.updated_at = bootable, utcnow()

    async def set_readonly(self, volume_id: str, project_id: str | None,
                           readonly: bool) -> None:
        """os-update_readonly_flag: Cinder's admin metadata `readonly`; attachments made
        after it are read-only (attach_mode ro)."""
        async with self.db.write() as s:
            row = await self._row(s, volume_id, project_id)
            if row.status != VolumeStatus.AVAILABLE:
                raise errors.InvalidVolume(
                    reason=f"Volume {volume_id} status must be available to update its "
                           f"readonly flag, but current status is: {row.status}.")
            row.admin_metadata = {**(row.admin_metadata or {}), "readonly": str(readonly)}
            row.updated_at = utcnow()

    async def upload_to_image(self, volume_id: str, ctx: RequestContext, *, name: str,
                              disk_format: str, container_format: str, visibility: str,
                              protected: bool, force: bool) -> ImageUpload:
        """os-volume_upload_image: a queued image owned by the volume's project, then in
        the background the volume's bytes are written and uploaded over the image API
        (volume `uploading`, back to its status after). A failure deletes the image."""
        if self.images is None:
            raise errors.InvalidVolume(reason="there is no image service to upload to.")
        project = None if ctx.is_admin else ctx.project_id
        async with self.db.write() as s:
            row = await self._row(s, volume_id, project)
            allowed = {VolumeStatus.AVAILABLE} | ({VolumeStatus.IN_USE} if force else set())
            if row.status not in allowed:
                raise errors.InvalidVolume(
                    reason=f"Volume {volume_id} status must be available or in-use (with "
                           f"force), but current status is: {row.status}.")
            back_to, owner = row.status, row.project_id
            row.status, row.updated_at = VolumeStatus.UPLOADING, utcnow()
            rec = VolumeRecord(row, await self._type(s, row.type_id))
            inherited = dict(row.image_metadata or {})
            size = row.size
        owner_ctx = context_of(owner, ctx.user_id, ctx.is_admin)
        try:
            image_id = await self.images.create_for_upload(
                owner_ctx, name, disk_format, container_format, visibility, protected,
                inherited, size)
        except BaseException:
            await self.reset_status(volume_id, back_to)
            raise

        async def work() -> None:
            if await self.worker.upload_to_image(volume_id, image_id, disk_format,
                                                 back_to) is not None and self.images:
                await self.images.discard(owner_ctx, image_id)
        self.worker.spawn(work(), f"volume-upload-{volume_id}")
        return ImageUpload(rec, image_id, name, disk_format, container_format, visibility,
                           protected)

    async def retype(self, volume_id: str, project_id: str | None, new_type: str) -> None:
        """os-retype on this cloud's one backend: the type changes, the bytes stay where
        they are (no migration is ever needed, so the migration policy does not matter)."""
        async with self.db.write() as s:
            row = await self._row(s, volume_id, project_id)
            if row.status not in (VolumeStatus.AVAILABLE, VolumeStatus.IN_USE):
                raise errors.InvalidVolume(
                    reason=f"Volume {volume_id} status must be 'available' or 'in-use' to "
                           f"retype, but current status is: {row.status}.")
            vtype = await self.types.lookup(s, new_type, row.project_id)
            if vtype.id == row.type_id:
                raise errors.InvalidInput(
                    reason="New volume type must be different from the volume's current "
                           "type.")
            row.type_id, row.updated_at = vtype.id, utcnow()

    async def reset_status(self, volume_id: str, status: str) -> None:
        async with self.db.write() as s:
            row = await self._row(s, volume_id, None)
            row.status, row.updated_at = status, utcnow()

    async def delete(self, volume_id: str, project_id: str | None, *, cascade: bool = False,
                     force: bool = False) -> None:
        await self._wait_detached(volume_id)
        async with self.db.write() as s:
            row = await self._row(s, volume_id, project_id)
            if not force and row.status not in DELETABLE:
                raise errors.InvalidVolume(reason=IN_USE_OR_SNAPSHOTS)
            snaps = list((await s.execute(select(Snapshot).where(
                Snapshot.volume_id == volume_id))).scalars())
            if snaps and not cascade:
                raise errors.InvalidVolume(reason=IN_USE_OR_SNAPSHOTS)
            for snap in snaps:
                if snap.status not in (SnapshotStatus.AVAILABLE, SnapshotStatus.ERROR):
                    raise errors.InvalidVolume(
                        reason=f"Snapshot {snap.id} status must be available or "
                               "error and must not be part of a group.")
            for snap in snaps:
                snap.status = SnapshotStatus.DELETING
            row.status, row.updated_at = VolumeStatus.DELETING, utcnow()
        self.worker.spawn(self.worker.delete_volume(volume_id, [sn.id for sn in snaps]),
                          f"volume-delete-{volume_id}")

    async def _wait_detached(self, volume_id: str) -> None:
        """A volume being detached is about to be available: a delete waits for that
        (up to DETACH_WAIT seconds) rather than failing, then applies its own checks."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DETACH_WAIT
        while loop.time() < deadline:
            async with self.db.read() as s:
                row = await s.get(Volume, volume_id)
                if row is None or row.status != VolumeStatus.DETACHING:
                    return
            await asyncio.sleep(0.2)

    # ------------------------------------------------------------------ helpers

    async def _row(self, s: AsyncSession, volume_id: str, project_id: str | None) -> Volume:
        row = await s.get(Volume, volume_id)
        if row is None or (project_id is not None and row.project_id != project_id):
            raise errors.VolumeNotFound(volume_id=volume_id)
        return row

    async def _type(self, s: AsyncSession, type_id: str) -> VolumeType:
        vtype = await s.get(VolumeType, type_id)
        assert vtype is not None, f"volume type {type_id} of a volume is gone"
        return vtype


async def _check_group(s: AsyncSession, group_id: str, project_id: str, type_id: str
                       ) -> None:
    """A new volume may join the group: the project's, available, one of its types."""
    group = await s.get(VolumeGroup, group_id)
    if group is None or group.project_id != project_id:
        raise errors.GroupNotFound(group_id=group_id)
    if group.status != "available":
        raise errors.InvalidGroup(reason=f"Group {group_id} status must be available.")
    if type_id not in group.volume_type_ids:
        raise errors.InvalidInput(reason=f"Invalid volume type {type_id} for group {group_id}.")


async def _attachments(s: AsyncSession, volume_ids: list[str]
                       ) -> dict[str, list[VolumeAttachment]]:
    out: dict[str, list[VolumeAttachment]] = {v: [] for v in volume_ids}
    if volume_ids:
        for row in (await s.execute(select(VolumeAttachment).where(
                VolumeAttachment.volume_id.in_(volume_ids)).order_by(
                VolumeAttachment.created_at, VolumeAttachment.id))).scalars():
            out[row.volume_id].append(row)
    return out
