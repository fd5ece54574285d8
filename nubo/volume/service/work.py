"""The backend work behind the API's 202s: run a driver operation off the event loop, then
record its outcome on the row (available, or error with the fault kept).

The work runs in the controller's process against the driver directly (a volume agent on
the bus, as compute's, comes with volume hosts); image bytes already go over the image API
(`ImageTransfer`), as a host's would. Every driver operation is idempotent, so `resume`
simply runs again what a restart cut off (an upload to an image cut off is given up: the
volume goes back to its status and the queued image is left for its owner to delete).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select

from nubo.core.db import Database, utcnow
from nubo.image import formats
from nubo.volume.agent.backend.base import BackendError, BackendFull, VolumeDriver
from nubo.volume.models import Snapshot, Volume, VolumeAttachment
from nubo.volume.service.images import GIB, ImageTransfer
from nubo.volume.service.messages import Action, Detail, MessageService, Resource
from nubo.volume.states import SnapshotStatus, VolumeStatus

LOG = logging.getLogger("nubo.volume")


class Worker:
    def __init__(self, db: Database, driver: VolumeDriver, transfer: ImageTransfer | None,
                 scratch: Path) -> None:
        """`transfer`: image bytes over the image API (None: no image service reachable,
        creates from images fail with that reason); `scratch`: where images pass through."""
        self.db = db
        self.driver = driver
        self.transfer = transfer
        self.scratch = scratch
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
        image = await self._image_source(volume_id) if not (snapshot_id or source_volid) \
            else None
        if snapshot_id:
            fault = await self._call(lambda: d.create_from_snapshot(volume_id, snapshot_id,
                                                                    size))
        elif source_volid:
            fault = await self._call(lambda: d.clone_volume(volume_id, source_volid, size))
        elif image is not None:
            fault = await self._from_image(volume_id, image[0], image[1], size)
        else:
            fault = await self._call(lambda: d.create_volume(volume_id, size))
        if fault is not None:
            LOG.warning("volume %s: create failed: %s", volume_id, fault)
            full = fault in self._full
            self._full.discard(fault)
            if full:
                action, detail = Action.SCHEDULE_ALLOCATE_VOLUME, Detail.NO_BACKEND_AVAILABLE
            elif image is not None:
                action, detail = Action.COPY_IMAGE_TO_VOLUME, Detail.UNKNOWN_ERROR
            else:
                action, detail = Action.CREATE_VOLUME_FROM_BACKEND, Detail.DRIVER_FAILED_CREATE
            await self.tell(Resource.VOLUME, volume_id, action, detail)
        await self._set_volume(volume_id, VolumeStatus.ERROR if fault else
                               VolumeStatus.AVAILABLE, fault,
                               bootable=True if image is not None and not fault else None)

    async def _image_source(self, volume_id: str) -> tuple[str, str] | None:
        """(image id, disk_format) of the image a volume is made from, or None."""
        async with self.db.read() as s:
            row = await s.get(Volume, volume_id)
        meta = (row.image_metadata or {}) if row is not None else {}
        if not meta.get("image_id"):
            return None
        return meta["image_id"], meta.get("disk_format") or "raw"

    async def _from_image(self, volume_id: str, image_id: str, disk_format: str,
                          size: int) -> str | None:
        """Fetch the image over the image API, check it as an upload is checked (its
        content is its disk_format, no backing or data file...), then have the backend
        convert it; the failure's message, or None."""
        if self.transfer is None:
            return "no image service to fetch the image from"
        await asyncio.to_thread(self.scratch.mkdir, parents=True, exist_ok=True)
        part = self.scratch / f"image-{volume_id}.part"
        try:
            try:
                await self.transfer.download(image_id, part)
                found = await asyncio.to_thread(formats.inspect, part, disk_format)
            except OSError as exc:
                return f"Image {image_id} could not be fetched: {exc}"
            except formats.ImageRejected as exc:
                return f"Image {image_id} is unacceptable: {exc}"
            if found.virtual_size and found.virtual_size > size * GIB:
                return (f"Image virtual size is {-(-found.virtual_size // GIB)}GB and "
                        f"doesn't fit in a volume of size {size}GB.")
            fmt = formats.QEMU_IMG_FORMAT.get(disk_format, "raw")
            return await self._call(lambda: self.driver.create_from_image(
                volume_id, part, fmt, size))
        finally:
            await asyncio.to_thread(part.unlink, missing_ok=True)

    async def upload_to_image(self, volume_id: str, image_id: str, disk_format: str,
                              back_to: str) -> str | None:
        """The volume's bytes as the data of the queued image `image_id`; the volume goes
        back to `back_to` (available or in-use) either way. The failure's message, or
        None (the caller discards a half-made image)."""
        await asyncio.to_thread(self.scratch.mkdir, parents=True, exist_ok=True)
        out = self.scratch / f"upload-{volume_id}-{image_id}"
        try:
            fault = await self._call(lambda: self.driver.copy_to_image(volume_id, out,
                                                                       disk_format))
            if fault is None:
                if self.transfer is None:
                    fault = "no image service to upload the image to"
                else:
                    try:
                        await self.transfer.upload(image_id, out)
                    except OSError as exc:
                        fault = f"the upload of image {image_id} failed: {exc}"
        finally:
            await asyncio.to_thread(out.unlink, missing_ok=True)
        if fault is not None:
            LOG.warning("volume %s: upload to image %s failed: %s", volume_id, image_id,
                        fault)
            await self.tell(Resource.VOLUME, volume_id, Action.COPY_VOLUME_TO_IMAGE,
                            Detail.FAILED_TO_UPLOAD_VOLUME)
        await self._set_volume(volume_id, back_to, fault)
        return fault

    async def extend_volume(self, volume_id: str, new_size: int,
                            back_to: str = VolumeStatus.AVAILABLE) -> None:
        fault = await self._call(lambda: self.driver.extend_volume(volume_id, new_size))
        async with self.db.write() as s:
            row = await s.get(Volume, volume_id)
            if row is None:
                return
            if fault is None:
                row.size, row.status, row.fault = new_size, back_to, None
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
        cut off is marked error_extending (its target size was not kept); an upload cut off
        puts the volume back (available, or in-use when attached). How many."""
        async with self.db.read() as s:
            vols = list((await s.execute(select(Volume).where(Volume.status.in_(
                [VolumeStatus.CREATING, VolumeStatus.DELETING, VolumeStatus.EXTENDING,
                 VolumeStatus.UPLOADING])))).scalars())
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
            elif v.status == VolumeStatus.UPLOADING:
                async with self.db.read() as s:
                    attached = (await s.execute(select(VolumeAttachment.id).where(
                        VolumeAttachment.volume_id == v.id).limit(1))).first() is not None
                await self._set_volume(v.id, VolumeStatus.IN_USE if attached else
                                       VolumeStatus.AVAILABLE,
                                       "the upload to an image was interrupted by a restart")
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

    async def _set_volume(self, volume_id: str, status: str, fault: str | None,
                          bootable: bool | None = None) -> None:
        async with self.db.write() as s:
            row = await s.get(Volume, volume_id)
            if row is not None:
                row.status, row.fault, row.updated_at = status, fault, utcnow()
                if bootable is not None:
                    row.bootable = bootable

    async def _set_snapshot(self, snapshot_id: str, status: str, fault: str | None) -> None:
        async with self.db.write() as s:
            row = await s.get(Snapshot, snapshot_id)
            if row is not None:
                row.status, row.fault, row.updated_at = status, fault, utcnow()
