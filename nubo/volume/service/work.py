"""The backend work behind the API's 202s: run a driver operation off the event loop, then
record its outcome on the row (available, or error with the fault kept).

In this first step the work runs in the controller's process against the driver directly;
the host split (a volume agent on the bus, as compute's) comes with attachments. Every driver
operation is idempotent, so `resume` simply runs again what a restart cut off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from sqlalchemy import select

from nubo.core.db import Database, utcnow
from nubo.volume.agent.backend.base import BackendError, BackendFull, VolumeDriver
from nubo.volume.models import Snapshot, Volume
from nubo.volume.service.messages import Action, Detail, MessageService, Resource
from nubo.volume.states import SnapshotStatus, VolumeStatus

LOG = logging.getLogger("nubo.volume")


class Worker:
    def __init__(self, db: Database, driver: VolumeDriver) -> None:
        self.db = db
        self.driver = driver
        self._tasks: set[asyncio.Task[None]] = set()
        #: user messages for what fails after a 202 (the messages API)
        self.messages = MessageService(db)
        self._full: set[str] = set()

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the work under way (tests; and a clean stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _call(self, op: Callable[[], None]) -> str | None:
        """Run a blocking driver call in a thread; the failure's message, or None."""
        try:
            await asyncio.to_thread(op)
        except BackendError as exc:
            if isinstance(exc, BackendFull):
                self._full.add(exc.message)
            return exc.message
        except Exception as exc:  # noqa: BLE001 - a driver bug is recorded, not lost
            LOG.exception("volume driver %s failed", self.driver.name)
            return f"{type(exc).__name__}: {exc}"
        return None

    # ------------------------------------------------------------------ volumes

    async def create_volume(self, volume_id: str, size: int, snapshot_id: str | None,
                            source_volid: str | None) -> None:
        d = self.driver
        if snapshot_id:
            fault = await self._call(lambda: d.create_from_snapshot(volume_id, snapshot_id,
                                                                    size))
        elif source_volid:
            fault = await self._call(lambda: d.clone_volume(volume_id, source_volid, size))
        else:
            fault = await self._call(lambda: d.create_volume(volume_id, size))
        if fault is not None:
            LOG.warning("volume %s: create failed: %s", volume_id, fault)
            full = fault in self._full
            self._full.discard(fault)
            await self.tell(Resource.VOLUME, volume_id, Action.SCHEDULE_ALLOCATE_VOLUME
                            if full else Action.CREATE_VOLUME_FROM_BACKEND,
                            Detail.NO_BACKEND_AVAILABLE if full else Detail.DRIVER_FAILED_CREATE)
        await self._set_volume(volume_id, VolumeStatus.ERROR if fault else
                               VolumeStatus.AVAILABLE, fault)

    async def extend_volume(self, volume_id: str, new_size: int) -> None:
        fault = await self._call(lambda: self.driver.extend_volume(volume_id, new_size))
        async with self.db.write() as s:
            row = await s.get(Volume, volume_id)
            if row is None:
                return
            if fault is None:
                row.size, row.status, row.fault = new_size, VolumeStatus.AVAILABLE, None
            else:
                row.status, row.fault = VolumeStatus.ERROR_EXTENDING, fault
            row.updated_at = utcnow()
        if fault is not None:
            await self.tell(Resource.VOLUME, volume_id, Action.EXTEND_VOLUME,
                            Detail.DRIVER_FAILED_EXTEND)

    async def delete_volume(self, volume_id: str, snapshot_ids: list[str]) -> None:
        for sid in snapshot_ids:
            fault = await self._call(partial(self.driver.delete_snapshot, sid))
            if fault is not None:
                await self._set_volume(volume_id, VolumeStatus.ERROR_DELETING, fault)
                await self._set_snapshot(sid, SnapshotStatus.ERROR_DELETING, fault)
                return
            async with self.db.write() as s:
                snap = await s.get(Snapshot, sid)
                if snap is not None:
                    await s.delete(snap)
        fault = await self._call(lambda: self.driver.delete_volume(volume_id))
        if fault is not None:
            await self._set_volume(volume_id, VolumeStatus.ERROR_DELETING, fault)
            return
        async with self.db.write() as s:
            row = await s.get(Volume, volume_id)
            if row is not None:
                await s.delete(row)

    # ------------------------------------------------------------------ snapshots

    async def create_snapshot(self, snapshot_id: str, volume_id: str) -> None:
        fault = await self._call(lambda: self.driver.create_snapshot(snapshot_id, volume_id))
        await self._set_snapshot(snapshot_id, SnapshotStatus.ERROR if fault else
                                 SnapshotStatus.AVAILABLE, fault)
        if fault is not None:
            await self.tell(Resource.VOLUME_SNAPSHOT, snapshot_id, Action.SNAPSHOT_CREATE,
                            Detail.SNAPSHOT_CREATE_ERROR)

    async def delete_snapshot(self, snapshot_id: str) -> None:
        fault = await self._call(lambda: self.driver.delete_snapshot(snapshot_id))
        if fault is not None:
            await self._set_snapshot(snapshot_id, SnapshotStatus.ERROR_DELETING, fault)
            return
        async with self.db.write() as s:
            row = await s.get(Snapshot, snapshot_id)
            if row is not None:
                await s.delete(row)

    # ------------------------------------------------------------------ recovery

    async def resume(self) -> int:
        """Run again what a restart cut off (creates and deletes are idempotent); an extend
        cut off is marked error_extending (its target size was not kept). How many."""
        async with self.db.read() as s:
            vols = list((await s.execute(select(Volume).where(Volume.status.in_(
                [VolumeStatus.CREATING, VolumeStatus.DELETING,
                 VolumeStatus.EXTENDING])))).scalars())
            snaps = list((await s.execute(select(Snapshot).where(Snapshot.status.in_(
                [SnapshotStatus.CREATING, SnapshotStatus.DELETING])))).scalars())
        for v in vols:
            if v.status == VolumeStatus.CREATING:
                self.spawn(self.create_volume(v.id, v.size, v.snapshot_id, v.source_volid),
                           f"volume-create-{v.id}")
            elif v.status == VolumeStatus.DELETING:
                async with self.db.read() as s:
                    sids = list((await s.execute(select(Snapshot.id).where(
                        Snapshot.volume_id == v.id))).scalars())
                self.spawn(self.delete_volume(v.id, sids), f"volume-delete-{v.id}")
            else:
                await self._set_volume(v.id, VolumeStatus.ERROR_EXTENDING,
                                       "the extend was interrupted by a restart")
        for sn in snaps:
            if sn.status == SnapshotStatus.CREATING:
                self.spawn(self.create_snapshot(sn.id, sn.volume_id), f"snapshot-{sn.id}")
            else:
                self.spawn(self.delete_snapshot(sn.id), f"snapshot-delete-{sn.id}")
        return len(vols) + len(snaps)

    async def tell(self, resource: Resource, resource_id: str, action: Action,
                   detail: Detail) -> None:
        """A user message for the project owning the volume or snapshot (messages API)."""
        async with self.db.read() as s:
            row: Snapshot | Volume | None = await s.get(
                Snapshot, resource_id) if resource == Resource.VOLUME_SNAPSHOT else \
                await s.get(Volume, resource_id)
        if row is not None:
            await self.messages.record(row.project_id, resource, resource_id, action, detail)

    async def _set_volume(self, volume_id: str, status: str, fault: str | None) -> None:
        async with self.db.write() as s:
            row = await s.get(Volume, volume_id)
            if row is not None:
                row.status, row.fault, row.updated_at = status, fault, utcnow()

    async def _set_snapshot(self, snapshot_id: str, status: str, fault: str | None) -> None:
        async with self.db.write() as s:
            row = await s.get(Snapshot, snapshot_id)
            if row is not None:
                row.status, row.fault, row.updated_at = status, fault, utcnow()
