"""Generic volume groups (Cinder's groups API, 3.11-3.38): group types with group specs,
groups of volumes of the listed volume types, group snapshots (a snapshot of each volume of
the group, taken together), and groups made from a group snapshot or another group.

A group holds nothing on the backend here: creating or deleting one is a database step; its
volumes and snapshots go through the volume and snapshot services (their worker does the
backend's part), and a group snapshot's status follows its snapshots'.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database, utcnow
from nubo.volume.errors import (
    GroupLimitExceeded,
    GroupNotFound,
    GroupSnapshotNotFound,
    GroupTypeExists,
    GroupTypeNotFound,
    GroupTypeSpecNotFound,
    InvalidGroup,
    InvalidInput,
    InvalidVolume,
)
from nubo.volume.models import GroupSnapshot, GroupType, Snapshot, Volume, VolumeGroup
from nubo.volume.service.listing import Page, paginate
from nubo.volume.service.quotas import QuotaService
from nubo.volume.service.snapshots import NewSnapshot, SnapshotService
from nubo.volume.service.types import TypeService
from nubo.volume.service.volumes import ZONE, NewVolume, VolumeService
from nubo.volume.service.work import Worker
from nubo.volume.states import SnapshotStatus, VolumeStatus

#: how long a group snapshot waits for its snapshots to settle (seconds) and how often it looks
SETTLE_TIMEOUT, SETTLE_POLL = 600.0, 0.2


@dataclass(frozen=True)
class NewGroup:
    project_id: str
    user_id: str
    name: str | None
    description: str | None
    group_type: str = ""
    volume_types: tuple[str, ...] = ()
    availability_zone: str | None = None
    group_snapshot_id: str | None = None
    source_group_id: str | None = None


class GroupService:
    def __init__(self, db: Database, types: TypeService, quotas: QuotaService,
                 volumes: VolumeService, snapshots: SnapshotService, worker: Worker) -> None:
        self.db, self.types, self.quotas = db, types, quotas
        self.volumes, self.snapshots, self.worker = volumes, snapshots, worker

    # ------------------------------------------------------------------ group types

    async def create_type(self, name: str, description: str | None, is_public: bool,
                          specs: dict[str, str]) -> GroupType:
        async with self.db.write() as s:
            if (await s.execute(select(GroupType.id).where(GroupType.name == name))).first():
                raise GroupTypeExists(id=name)
            row = GroupType(id=str(uuid.uuid4()), name=name, description=description,
                            is_public=is_public, group_specs=dict(specs), created_at=utcnow())
            s.add(row)
            return row

    async def list_types(self, is_public: bool | None, page: Page) -> list[GroupType]:
        async with self.db.read() as s:
            q = select(GroupType)
            if is_public is not None:
                q = q.where(GroupType.is_public == is_public)
            return paginate(list((await s.execute(q)).scalars()), page)

    async def get_type(self, ref: str, admin: bool = True) -> GroupType:
        async with self.db.read() as s:
            return await self._type(s, ref, admin)

    async def update_type(self, type_id: str, name: str | None, description: str | None,
                          is_public: bool | None) -> GroupType:
        async with self.db.write() as s:
            row = await self._type(s, type_id)
            if name is not None and name != row.name:
                if (await s.execute(select(GroupType.id).where(
                        GroupType.name == name))).first():
                    raise GroupTypeExists(id=name)
                row.name = name
            if description is not None:
                row.description = description
            if is_public is not None:
                row.is_public = is_public
            return row

    async def delete_type(self, type_id: str) -> None:
        async with self.db.write() as s:
            row = await self._type(s, type_id)
            used = (await s.execute(select(func.count(VolumeGroup.id)).where(
                VolumeGroup.group_type_id == row.id))).scalar_one()
            if used:
                raise InvalidGroup(reason=f"Group Type {row.id} deletion is not allowed with "
                                          "groups present with the type.")
            await s.delete(row)

    async def set_specs(self, type_id: str, specs: dict[str, str]) -> None:
        async with self.db.write() as s:
            row = await self._type(s, type_id)
            row.group_specs = {**row.group_specs, **specs}

    async def delete_spec(self, type_id: str, key: str) -> None:
        async with self.db.write() as s:
            row = await self._type(s, type_id)
            if key not in row.group_specs:
                raise GroupTypeSpecNotFound(group_type_id=type_id, key=key)
            row.group_specs = {k: v for k, v in row.group_specs.items() if k != key}

    async def _type(self, s: AsyncSession, ref: str, admin: bool = True) -> GroupType:
        row = await s.get(GroupType, ref)
        if row is None:
            row = (await s.execute(select(GroupType).where(
                GroupType.name == ref))).scalars().first()
        if row is None or (not admin and not row.is_public):
            raise GroupTypeNotFound(group_type_id=ref)
        return row

    # ------------------------------------------------------------------ groups

    async def create(self, new: NewGroup) -> VolumeGroup:
        zone = new.availability_zone or ZONE
        if zone != ZONE:
            raise InvalidInput(reason=f"Availability zone '{zone}' is invalid.")
        async with self.db.write() as s:
            gtype = await self._type(s, new.group_type)
            type_ids = []
            for ref in new.volume_types:
                type_ids.append((await self.types.lookup(s, ref, new.project_id)).id)
            if not type_ids:
                raise InvalidInput(reason="volume_types must be provided to create group.")
            limits = await self.quotas.limits(new.project_id, s)
            count = (await s.execute(select(func.count(VolumeGroup.id)).where(
                VolumeGroup.project_id == new.project_id))).scalar_one()
            if limits["groups"] != -1 and count + 1 > limits["groups"]:
                raise GroupLimitExceeded(allowed=limits["groups"])
            row = VolumeGroup(id=str(uuid.uuid4()), project_id=new.project_id,
                              user_id=new.user_id, name=new.name,
                              description=new.description, status="available",
                              availability_zone=zone, group_type_id=gtype.id,
                              volume_type_ids=type_ids, created_at=utcnow())
            s.add(row)
            return row

    async def create_from_source(self, new: NewGroup) -> VolumeGroup:
        """A group whose volumes are made from a group snapshot's snapshots or cloned from
        another group's volumes (with their types and sizes)."""
        if (new.group_snapshot_id is None) == (new.source_group_id is None):
            raise InvalidInput(reason="Either 'group_snapshot_id' or 'source_group_id' must "
                                      "be provided to create group from source.")
        sources: list[tuple[str, str | None, str | None, int]] = []
        async with self.db.read() as s:
            if new.group_snapshot_id is not None:
                gs = await self._group_snapshot(s, new.group_snapshot_id, new.project_id)
                if gs.status != "available":
                    raise InvalidGroup(reason="Group snapshot status must be available.")
                origin = await self._group(s, gs.group_id, new.project_id)
                for snap in (await s.execute(select(Snapshot).where(
                        Snapshot.group_snapshot_id == gs.id))).scalars():
                    vol = await s.get(Volume, snap.volume_id)
                    sources.append((vol.type_id if vol else origin.volume_type_ids[0],
                                    snap.id, None, snap.size))
            else:
                assert new.source_group_id is not None
                origin = await self._group(s, new.source_group_id, new.project_id)
                if origin.status != "available":
                    raise InvalidGroup(reason="Source group status must be available.")
                for vol in (await s.execute(select(Volume).where(
                        Volume.group_id == origin.id))).scalars():
                    if vol.status not in (VolumeStatus.AVAILABLE, VolumeStatus.IN_USE):
                        raise InvalidGroup(reason=f"Volume {vol.id} of the source group is "
                                                  f"{vol.status}.")
                    sources.append((vol.type_id, None, vol.id, vol.size))
        row = await self.create(NewGroup(
            new.project_id, new.user_id, new.name, new.description,
            origin.group_type_id, tuple(origin.volume_type_ids),
            origin.availability_zone))
        async with self.db.write() as s:
            made = await self._group(s, row.id, None)
            made.group_snapshot_id, made.source_group_id = \
                new.group_snapshot_id, new.source_group_id
            row = made
        for type_id, snapshot_id, source_volid, size in sources:
            await self.volumes.create(NewVolume(
                project_id=new.project_id, user_id=new.user_id, size=size,
                volume_type=type_id, snapshot_id=snapshot_id, source_volid=source_volid,
                group_id=row.id))
        return row

    async def list_(self, project_id: str | None, page: Page) -> list[VolumeGroup]:
        async with self.db.read() as s:
            q = select(VolumeGroup)
            if project_id is not None:
                q = q.where(VolumeGroup.project_id == project_id)
            return paginate(list((await s.execute(q)).scalars()), page)

    async def get(self, group_id: str, project_id: str | None) -> VolumeGroup:
        async with self.db.read() as s:
            return await self._group(s, group_id, project_id)

    async def volume_ids(self, group_id: str) -> list[str]:
        async with self.db.read() as s:
            return list((await s.execute(select(Volume.id).where(
                Volume.group_id == group_id))).scalars())

    async def update(self, group_id: str, project_id: str | None, *, name: str | None,
                     description: str | None, add: list[str], remove: list[str]) -> None:
        async with self.db.write() as s:
            group = await self._group(s, group_id, project_id)
            if group.status != "available" and (add or remove):
                raise InvalidGroup(reason=f"Group {group_id} status must be available to "
                                          "add or remove volumes.")
            for vid in add:
                vol = await s.get(Volume, vid)
                if vol is None or vol.project_id != group.project_id:
                    raise InvalidInput(reason=f"Cannot add volume {vid} to group {group_id}: "
                                              "it cannot be found.")
                if vol.group_id not in (None, group_id):
                    raise InvalidInput(reason=f"Volume {vid} is already in a group.")
                if vol.type_id not in group.volume_type_ids:
                    raise InvalidInput(reason=f"Cannot add volume {vid} to group {group_id}: "
                                              "its volume type is not the group's.")
                if vol.status not in (VolumeStatus.AVAILABLE, VolumeStatus.IN_USE):
                    raise InvalidVolume(reason=f"Cannot add volume {vid} to group "
                                               f"{group_id}: its status is {vol.status}.")
                vol.group_id = group_id
            for vid in remove:
                vol = await s.get(Volume, vid)
                if vol is None or vol.group_id != group_id:
                    raise InvalidInput(reason=f"Cannot remove volume {vid} from group "
                                              f"{group_id}: it is not in the group.")
                vol.group_id = None
            if name is not None:
                group.name = name
            if description is not None:
                group.description = description
            group.updated_at = utcnow()

    async def delete(self, group_id: str, project_id: str | None,
                     delete_volumes: bool) -> None:
        """The group goes; with `delete_volumes` its volumes are deleted (each as a volume
        delete, the worker removing them from the backend), otherwise it must have none."""
        async with self.db.read() as s:
            group = await self._group(s, group_id, project_id)
            vols = list((await s.execute(select(Volume).where(
                Volume.group_id == group_id))).scalars())
            has_snapshots = (await s.execute(select(GroupSnapshot.id).where(
                GroupSnapshot.group_id == group_id))).first()
        if has_snapshots:
            raise InvalidGroup(reason=f"Group {group_id} still has group snapshots.")
        if vols and not delete_volumes:
            raise InvalidGroup(reason=f"Group {group_id} still contains volumes. The "
                                      "delete-volumes flag is required to delete it.")
        for vol in vols:
            await self.volumes.delete(vol.id, None, cascade=True)
        async with self.db.write() as s:
            row = await s.get(VolumeGroup, group.id)
            if row is not None:
                await s.delete(row)

    async def reset_status(self, group_id: str, status: str) -> None:
        async with self.db.write() as s:
            group = await self._group(s, group_id, None)
            group.status, group.updated_at = status, utcnow()

    async def _group(self, s: AsyncSession, group_id: str, project_id: str | None
                     ) -> VolumeGroup:
        row = await s.get(VolumeGroup, group_id)
        if row is None or (project_id is not None and row.project_id != project_id):
            raise GroupNotFound(group_id=group_id)
        return row

    # ------------------------------------------------------------------ group snapshots

    async def create_snapshot(self, group_id: str, project_id: str, user_id: str,
                              name: str | None, description: str | None) -> GroupSnapshot:
        async with self.db.write() as s:
            group = await self._group(s, group_id, project_id)
            if group.status != "available":
                raise InvalidGroup(reason=f"Group {group_id} status must be available.")
            vols = list((await s.execute(select(Volume.id).where(
                Volume.group_id == group_id))).scalars())
            row = GroupSnapshot(id=str(uuid.uuid4()), project_id=group.project_id,
                                user_id=user_id, group_id=group_id,
                                group_type_id=group.group_type_id, name=name,
                                description=description, status="creating",
                                created_at=utcnow())
            s.add(row)
        made: list[str] = []
        try:
            for vid in vols:
                snap = await self.snapshots.create(NewSnapshot(
                    project_id=project_id, user_id=user_id, volume_id=vid, force=True,
                    name=f"group-snapshot-{row.id}", group_snapshot_id=row.id))
                made.append(snap.id)
        except Exception:
            await self._set_snapshot_status(row.id, "error")
            raise
        self.worker.spawn(self._settle(row.id, made, deleting=False),
                          f"group-snapshot-{row.id}")
        return row

    async def list_snapshots(self, project_id: str | None, page: Page) -> list[GroupSnapshot]:
        async with self.db.read() as s:
            q = select(GroupSnapshot)
            if project_id is not None:
                q = q.where(GroupSnapshot.project_id == project_id)
            return paginate(list((await s.execute(q)).scalars()), page)

    async def get_snapshot(self, gs_id: str, project_id: str | None) -> GroupSnapshot:
        async with self.db.read() as s:
            return await self._group_snapshot(s, gs_id, project_id)

    async def delete_snapshot(self, gs_id: str, project_id: str | None) -> None:
        async with self.db.write() as s:
            gs = await self._group_snapshot(s, gs_id, project_id)
            if gs.status not in ("available", "error"):
                raise InvalidGroup(reason="Group snapshot status must be available or "
                                          f"error, but it is {gs.status}.")
            gs.status, gs.updated_at = "deleting", utcnow()
            snaps = list((await s.execute(select(Snapshot.id).where(
                Snapshot.group_snapshot_id == gs_id))).scalars())
        for sid in snaps:
            await self.snapshots.delete(sid, None, force=True)
        self.worker.spawn(self._settle(gs_id, snaps, deleting=True), f"group-snapshot-{gs_id}")

    async def reset_snapshot_status(self, gs_id: str, status: str) -> None:
        async with self.db.write() as s:
            gs = await self._group_snapshot(s, gs_id, None)
            gs.status, gs.updated_at = status, utcnow()

    async def _settle(self, gs_id: str, snap_ids: list[str], deleting: bool) -> None:
        """The group snapshot follows its snapshots: available when all are, error when one
        fails; gone when all are deleted (error_deleting when one could not be)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        while loop.time() < deadline:
            async with self.db.read() as s:
                found = {sn.status for sn in (await s.execute(select(Snapshot).where(
                    Snapshot.id.in_(snap_ids)))).scalars()} if snap_ids else set()
            if deleting and not found:
                async with self.db.write() as s:
                    row = await s.get(GroupSnapshot, gs_id)
                    if row is not None:
                        await s.delete(row)
                return
            if deleting and SnapshotStatus.ERROR_DELETING in found:
                await self._set_snapshot_status(gs_id, "error_deleting")
                return
            if not deleting and SnapshotStatus.ERROR in found:
                await self._set_snapshot_status(gs_id, "error")
                return
            if not deleting and found <= {SnapshotStatus.AVAILABLE}:
                await self._set_snapshot_status(gs_id, "available", only_from="creating")
                return
            await asyncio.sleep(SETTLE_POLL)
        await self._set_snapshot_status(gs_id, "error")

    async def _set_snapshot_status(self, gs_id: str, status: str,
                                   only_from: str | None = None) -> None:
        async with self.db.write() as s:
            row = await s.get(GroupSnapshot, gs_id)
            if row is not None and (only_from is None or row.status == only_from):
                row.status, row.updated_at = status, utcnow()

    async def _group_snapshot(self, s: AsyncSession, gs_id: str, project_id: str | None
                              ) -> GroupSnapshot:
        row = await s.get(GroupSnapshot, gs_id)
        if row is None or (project_id is not None and row.project_id != project_id):
            raise GroupSnapshotNotFound(group_snapshot_id=gs_id)
        return row
