"""What compute reads, prepares and releases of a server's volumes, with no conductor: the
`volumes_attached` of the server views; before a spawn, the volumes of its
block_device_mapping_v2 made (from an image, a snapshot, blank) and attached through the
attachments API as Nova does (reserve, connect the host, complete), and what the host gets
of them (`devices`); the release when a server is deleted (its attachments go; a volume
attached with delete_on_termination is deleted too).

The attachment record is the volume service's (nubo/volume/service/attachments.py): one
record both sides read, no copy in a compute table to disagree with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.errors import NotFound, NuboError
from nubo.volume.models import VolumeAttachment
from nubo.volume.service import BlockStorage
from nubo.volume.service.volumes import NewVolume

LOG = logging.getLogger("nubo.compute.service.server_volumes")
#: seconds a volume of a server's mapping has to be made (Nova: 60 tries, 3 s apart)
CREATE_TIMEOUT = 180.0


@dataclass(frozen=True)
class AttachedVolume:
    """One volume of a server as Nova's views show it."""

    volume_id: str
    delete_on_termination: bool


async def volumes_in(s: AsyncSession, server_ids: list[str]
                     ) -> dict[str, list[AttachedVolume]]:
    """Server id -> its volumes (every attachment but one being reserved), oldest first."""
    out: dict[str, list[AttachedVolume]] = {sid: [] for sid in server_ids}
    if not server_ids:
        return out
    rows = (await s.execute(select(VolumeAttachment).where(
        VolumeAttachment.instance_uuid.in_(server_ids)).order_by(
        VolumeAttachment.created_at, VolumeAttachment.id))).scalars()
    for row in rows:
        if row.instance_uuid is not None and row.attach_status in ("attached", "detaching"):
            out[row.instance_uuid].append(AttachedVolume(row.volume_id,
                                                         row.delete_on_termination))
    return out


class BootVolumeFailed(Exception):
    """A volume of the server's mapping could not be made or attached; the build stops
    (Nova's BuildAbortException "Failure prepping block device")."""


def connector_of(host: str) -> dict[str, object]:
    """The connector properties of a compute host (os-brick's, as far as `local` needs)."""
    return {"host": host, "platform": "x86_64", "os_type": "linux", "multipath": False}


#: remember the mapping with the ids of the volumes made for it (in the request spec)
Remember = Callable[[list[dict[str, Any]]], Awaitable[None]]


class ServerVolumes:
    def __init__(self, storage: BlockStorage, create_timeout: float = CREATE_TIMEOUT
                 ) -> None:
        self.storage = storage
        self.create_timeout = create_timeout

    async def prepare(self, instance_id: str, project_id: str, user_id: str, host: str,
                      bdms: list[dict[str, Any]], remember: Remember) -> None:
        """Make the mapping's volumes that are not made yet (each id remembered before
        it is waited for: a resumed build finds it) and attach every one to `host` at its
        device. Idempotent: an attachment already made for this host is kept, one made
        for another host (an earlier attempt) is made again. BootVolumeFailed otherwise."""
        plan = [dict(b) for b in bdms]
        for entry in plan:
            if not entry.get("volume_id"):
                entry["volume_id"] = await self._create(project_id, user_id, entry)
                await remember(plan)
            await self._wait_available(instance_id, str(entry["volume_id"]))
            await self._attach(instance_id, host, entry)

    async def _create(self, project_id: str, user_id: str, entry: dict[str, Any]) -> str:
        source = entry["source"]
        try:
            rec = await self.storage.volumes.create(NewVolume(
                project_id=project_id, user_id=user_id, size=entry.get("size"), name="",
                volume_type=entry.get("volume_type") or None,
                image_id=entry["uuid"] if source == "image" else None,
                snapshot_id=entry["uuid"] if source == "snapshot" else None))
        except NuboError as exc:
            raise BootVolumeFailed(str(exc)) from exc
        return rec.volume.id

    async def _wait_available(self, instance_id: str, volume_id: str) -> None:
        """Until the volume is made (Nova's block_device_allocate_retries)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.create_timeout
        status = "?"
        while loop.time() < deadline:
            try:
                rec = await self.storage.volumes.get(volume_id, None)
            except NuboError as exc:
                raise BootVolumeFailed(str(exc)) from exc
            status = rec.volume.status
            if status in ("available", "in-use", "reserved", "attaching"):
                return
            if status.startswith("error"):
                raise BootVolumeFailed(f"Volume {volume_id} is in {status}: "
                                       f"{rec.volume.fault or 'its creation failed'}")
            await asyncio.sleep(0.2)
        raise BootVolumeFailed(
            f"Volume {volume_id} did not finish being created even after we waited "
            f"{int(self.create_timeout)} seconds. And its status is {status}.")

    async def _attach(self, instance_id: str, host: str, entry: dict[str, Any]) -> None:
        volume_id, device = str(entry["volume_id"]), f"/dev/{entry['device']}"
        atts = self.storage.attachments
        for rec in await atts.list_(None, volume_id=volume_id, instance_id=instance_id):
            a = rec.attachment
            if a.attach_status == "attached" and a.attached_host == host:
                return
            await atts.remove(a.id)
        try:
            made = await atts.reserve(volume_id, None, instance_id, mountpoint=device,
                                      tag=entry.get("tag"),
                                      delete_on_termination=bool(
                                          entry.get("delete_on_termination")))
            await atts.connect(made.attachment.id, None, connector_of(host))
            await atts.complete(made.attachment.id, None)
        except NuboError as exc:
            raise BootVolumeFailed(f"Volume {volume_id} could not be attached. Reason: "
                                   f"{exc}") from exc

    async def discard(self, bdms: list[dict[str, Any]]) -> None:
        """After a server's delete: the volumes made for it with delete_on_termination that
        no attachment holds (a build that failed or was deleted before they were attached)
        are deleted too; one that cannot be deleted now stays and is logged."""
        for entry in bdms:
            vid = entry.get("volume_id")
            if not vid or entry.get("source") == "volume" or \
                    not entry.get("delete_on_termination"):
                continue
            if await self.storage.attachments.list_(None, volume_id=str(vid)):
                continue
            try:
                await self.storage.volumes.delete(str(vid), None)
            except NotFound:
                pass
            except NuboError as exc:
                LOG.warning("volume %s made for a deleted server kept: %s", vid, exc)

    async def devices(self, instance_id: str) -> list[dict[str, Any]]:
        """The server's attached volumes as its host gets them in the spawn: device,
        connection_info, boot_index (0 for the root disk vda)."""
        out: list[dict[str, Any]] = []
        for rec in await self.storage.attachments.list_(None, instance_id=instance_id):
            a = rec.attachment
            if a.attach_status != "attached" or not a.connection_info or not a.mountpoint:
                continue
            dev = a.mountpoint.removeprefix("/dev/")
            out.append({"device": dev, "connection_info": dict(a.connection_info),
                        "boot_index": 0 if dev == "vda" else None})
        return out

    async def release(self, instance_id: str) -> None:
        """The server is gone from its host: its attachments go (the volumes are available
        again), and the volumes attached with delete_on_termination are deleted. A volume
        that cannot be deleted now stays, available, and is logged (never blocks the
        server's delete)."""
        for rec in await self.storage.attachments.list_(None, instance_id=instance_id):
            await self.storage.attachments.remove(rec.attachment.id)
            if rec.attachment.delete_on_termination:
                try:
                    await self.storage.volumes.delete(rec.volume.id, None)
                except NuboError as exc:
                    LOG.warning("volume %s of deleted server %s kept: %s", rec.volume.id,
                                instance_id, exc)
