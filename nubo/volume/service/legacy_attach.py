"""The volume actions of attachments before the attachment API (Cinder's os-reserve,
os-unreserve, os-begin_detaching, os-roll_detaching, os-attach, os-detach,
os-initialize_connection, os-terminate_connection), on the same attachment records."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from nubo.core.db import utcnow
from nubo.volume import errors
from nubo.volume.agent.backend.base import BackendError
from nubo.volume.models import Volume, VolumeAttachment
from nubo.volume.service.attachments import AttachmentRecord, AttachmentService, with_qos
from nubo.volume.states import AttachStatus, VolumeStatus


class LegacyAttach:
    def __init__(self, attachments: AttachmentService) -> None:
        self.a = attachments

    async def reserve(self, volume_id: str, project_id: str | None) -> None:
        """The volume `attaching`, as Cinder's os-reserve leaves it."""
        await self.a.reserve(volume_id, project_id, None, status=AttachStatus.ATTACHING)

    async def unreserve(self, volume_id: str, project_id: str | None) -> None:
        for rec in await self._of(volume_id, project_id):
            if rec.attachment.attach_status in (AttachStatus.RESERVED,
                                                AttachStatus.ATTACHING):
                await self.a.remove(rec.attachment.id)

    async def force_detach(self, volume_id: str, attachment_id: str | None) -> None:
        """An admin's os-force_detach: the named attachment (or every one) is gone, in
        whatever state it was, and its export undone."""
        recs = await self._of(volume_id, None)
        if attachment_id is not None:
            recs = [r for r in recs if r.attachment.id == attachment_id]
            if not recs:
                raise errors.VolumeAttachmentNotFound(attachment_id=attachment_id)
        for rec in recs:
            await self.a.remove(rec.attachment.id)
        # whatever state an admin left it in (error, say), it is as its attachments say
        async with self.a.db.write() as s:
            vol = await s.get(Volume, volume_id)
            if vol is not None:
                left = (await s.execute(select(VolumeAttachment.id).where(
                    VolumeAttachment.volume_id == volume_id).limit(1))).first()
                vol.status = VolumeStatus.IN_USE if left else VolumeStatus.AVAILABLE
                vol.updated_at = utcnow()

    async def begin_detaching(self, volume_id: str, project_id: str | None) -> None:
        recs = await self._of(volume_id, project_id)
        attached = [r for r in recs if r.attachment.attach_status == AttachStatus.ATTACHED]
        if not attached:
            status = await self._status(volume_id, project_id)
            raise errors.InvalidVolume(reason=f"Volume {volume_id} status must be in-use to begin "
                                              f"detaching, but the current status is {status}.")
        for rec in attached:
            await self.a.begin_detach(rec.attachment.id, project_id)

    async def roll_detaching(self, volume_id: str, project_id: str | None) -> None:
        for rec in await self._of(volume_id, project_id):
            await self.a.roll_detach(rec.attachment.id)

    async def attach(self, volume_id: str, project_id: str | None, instance_id: str | None,
                     mountpoint: str, host_name: str | None, mode: str) -> None:
        """Mark attached: the reserved attachment (os-reserve's) or a new one."""
        recs = await self._of(volume_id, project_id)
        pending = [r for r in recs if r.attachment.attach_status in
                   (AttachStatus.RESERVED, AttachStatus.ATTACHING)]
        if pending:
            att_id = pending[0].attachment.id
        else:
            att_id = (await self.a.reserve(volume_id, project_id, instance_id,
                                           mode=mode)).attachment.id
        await self.a.mark_attached(att_id, instance_id, mountpoint, host_name)

    async def detach(self, volume_id: str, project_id: str | None,
                     attachment_id: str | None) -> None:
        recs = await self._of(volume_id, project_id)
        if attachment_id is not None:
            recs = [r for r in recs if r.attachment.id == attachment_id]
            if not recs:
                raise errors.VolumeAttachmentNotFound(attachment_id=attachment_id)
        elif len(recs) > 1:
            raise errors.InvalidVolume(
                reason=f"Volume {volume_id} has more than one attachment: name the "
                       "attachment_id to detach.")
        for rec in recs:
            await self.a.remove(rec.attachment.id)

    async def initialize_connection(self, volume_id: str, project_id: str | None,
                                    connector: dict[str, object]) -> dict[str, object]:
        await self._status(volume_id, project_id)
        try:
            info = await asyncio.to_thread(self.a.driver.initialize_connection, volume_id,
                                           connector)
        except BackendError as exc:
            raise errors.InvalidVolume(reason=f"the backend cannot export volume {volume_id}: "
                                              f"{exc.message}") from exc
        async with self.a.db.read() as s:
            vol = await s.get(Volume, volume_id)
            if vol is not None:
                info = await with_qos(s, vol.type_id, info)
        return {**info, "serial": volume_id}

    async def terminate_connection(self, volume_id: str, project_id: str | None,
                                   connector: dict[str, object]) -> None:
        await self._status(volume_id, project_id)
        try:
            await asyncio.to_thread(self.a.driver.terminate_connection, volume_id, connector)
        except BackendError:
            pass

    async def _of(self, volume_id: str, project_id: str | None) -> list[AttachmentRecord]:
        await self._status(volume_id, project_id)
        return await self.a.list_(None, volume_id=volume_id)

    async def _status(self, volume_id: str, project_id: str | None) -> str:
        async with self.a.db.read() as s:
            vol = await s.get(Volume, volume_id)
            if vol is None or (project_id is not None and vol.project_id != project_id):
                raise errors.VolumeNotFound(volume_id=volume_id)
            return vol.status
