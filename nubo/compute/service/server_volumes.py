"""What compute reads and releases of a server's volumes, with no conductor: the
`volumes_attached` of the server views, and the release when a server is deleted (its
attachments go; a volume attached with delete_on_termination is deleted too).

The attachment record is the volume service's (nubo/volume/service/attachments.py): one
record both sides read, no copy in a compute table to disagree with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.errors import NuboError
from nubo.volume.models import VolumeAttachment
from nubo.volume.service import BlockStorage

LOG = logging.getLogger("nubo.compute.service.server_volumes")


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


class ServerVolumes:
    def __init__(self, storage: BlockStorage) -> None:
        self.storage = storage

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
