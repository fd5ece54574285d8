"""Attachments: a volume attached to a server, as Cinder's attachment API (3.27-3.44) keeps
it, and the one record compute reads too (no second copy in a block device mapping table).

Steps (each one transaction, each a conditional step on the attachment's status):
  reserve   -> attachment `reserved`, volume `reserved`   (a slot: no other attach meanwhile)
  connect   -> attachment `attaching` with the connector and the backend's connection_info
  complete  -> attachment `attached`, volume `in-use`, attached_at
  begin_detach -> attachment `detaching`, volume `detaching`
  remove    -> the attachment row is gone, the volume `available` (or `in-use` while other
               attachments of a multiattach volume remain)
The volume's status is always derived from its attachments (`_settle`), so the two cannot
disagree. A second attachment of a volume is refused unless its type says
multiattach="<is> True"; a server cannot hold the same volume twice.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database, utcnow
from nubo.volume import errors
from nubo.volume.agent.backend.base import BackendError, VolumeDriver
from nubo.volume.models import QosSpecs, Volume, VolumeAttachment, VolumeType
from nubo.volume.states import AttachStatus, VolumeStatus

#: volume statuses an attachment can be made from (Cinder: available, or in-use/reserved
#: when the volume is multiattach)
_ATTACHABLE = (VolumeStatus.AVAILABLE,)
_MULTI_ATTACHABLE = (VolumeStatus.AVAILABLE, VolumeStatus.IN_USE, VolumeStatus.RESERVED,
                     VolumeStatus.ATTACHING)


def is_multiattach(vtype: VolumeType | None) -> bool:
    """Cinder's rule: the type's extra spec multiattach="<is> True"."""
    if vtype is None:
        return False
    return str(vtype.extra_specs.get("multiattach", "")).strip().lower() == "<is> true"


@dataclass(frozen=True)
class AttachmentRecord:
    attachment: VolumeAttachment
    volume: Volume


class AttachmentService:
    def __init__(self, db: Database, driver: VolumeDriver) -> None:
        self.db, self.driver = db, driver

    # ------------------------------------------------------------------ reads

    async def get(self, attachment_id: str, project_id: str | None) -> AttachmentRecord:
        async with self.db.read() as s:
            return await self._load(s, attachment_id, project_id)

    async def list_(self, project_id: str | None, volume_id: str | None = None,
                    instance_id: str | None = None) -> list[AttachmentRecord]:
        async with self.db.read() as s:
            q = select(VolumeAttachment, Volume).join(
                Volume, Volume.id == VolumeAttachment.volume_id)
            if project_id is not None:
                q = q.where(Volume.project_id == project_id)
            if volume_id is not None:
                q = q.where(VolumeAttachment.volume_id == volume_id)
            if instance_id is not None:
                q = q.where(VolumeAttachment.instance_uuid == instance_id)
            q = q.order_by(VolumeAttachment.created_at, VolumeAttachment.id)
            return [AttachmentRecord(a, v) for a, v in (await s.execute(q)).all()]

    async def of_volumes(self, volume_ids: list[str]) -> dict[str, list[VolumeAttachment]]:
        """Volume id -> its attachments (for the volume views)."""
        out: dict[str, list[VolumeAttachment]] = {v: [] for v in volume_ids}
        if not volume_ids:
            return out
        async with self.db.read() as s:
            rows = (await s.execute(select(VolumeAttachment).where(
                VolumeAttachment.volume_id.in_(volume_ids)).order_by(
                VolumeAttachment.created_at))).scalars()
            for row in rows:
                out[row.volume_id].append(row)
        return out

    async def in_states(self, statuses: tuple[str, ...]) -> list[VolumeAttachment]:
        async with self.db.read() as s:
            return list((await s.execute(select(VolumeAttachment).where(
                VolumeAttachment.attach_status.in_(statuses)))).scalars())

    # ------------------------------------------------------------------ steps

    async def reserve(self, volume_id: str, project_id: str | None,
                      instance_id: str | None, *, mountpoint: str | None = None,
                      tag: str | None = None, delete_on_termination: bool = False,
                      mode: str = "rw", status: str = AttachStatus.RESERVED
                      ) -> AttachmentRecord:
        """A new attachment in `reserved`; the volume `reserved` (or as it was, in-use,
        for a further attachment of a multiattach volume). Ids in any form oslo takes as a
        UUID (braces, urn:uuid:, no dashes) are stored in the canonical one."""
        volume_id = _canonical(volume_id)
        instance_id = _canonical(instance_id) if instance_id is not None else None
        async with self.db.write() as s:
            # the volume's row locked: two reservations of one volume run one after the
            # other, the second sees the first's attachment (PostgreSQL, MariaDB; SQLite
            # has one writer)
            vol = await s.get(Volume, volume_id, with_for_update=True)
            if vol is None or (project_id is not None and vol.project_id != project_id):
                raise errors.VolumeNotFound(volume_id=volume_id)
            vtype = await s.get(VolumeType, vol.type_id)
            others = list((await s.execute(select(VolumeAttachment).where(
                VolumeAttachment.volume_id == volume_id))).scalars())
            if instance_id is not None and any(o.instance_uuid == instance_id
                                               for o in others):
                raise errors.InvalidVolume(
                    reason=f"Volume {volume_id} is already attached to server "
                           f"{instance_id}.")
            allowed = _MULTI_ATTACHABLE if is_multiattach(vtype) else _ATTACHABLE
            if vol.status not in allowed or (others and not is_multiattach(vtype)):
                raise errors.InvalidVolume(
                    reason=f"Volume {volume_id} status must be available or "
                           "downloading to reserve, but the current status is "
                           f"{vol.status}.")
            if (vol.admin_metadata or {}).get("readonly") == "True":
                mode = "ro"         # a read-only volume is attached read-only (Cinder)
            now = utcnow()
            row = VolumeAttachment(
                id=str(uuid.uuid4()), volume_id=volume_id, instance_uuid=instance_id,
                mountpoint=mountpoint, attach_status=status, attach_mode=mode,
                tag=tag, delete_on_termination=delete_on_termination, created_at=now,
                updated_at=now)
            s.add(row)
            await s.flush()
            await self._settle(s, vol)
            return AttachmentRecord(row, vol)

    async def connect(self, attachment_id: str, project_id: str | None,
                      connector: dict[str, object], mountpoint: str | None = None
                      ) -> AttachmentRecord:
        """The connector of the host that will use the volume -> connection_info
        (attachment `attaching`). Repeating it (a retry after a crash) answers again."""
        async with self.db.read() as s:
            rec = await self._load(s, attachment_id, project_id)
        if rec.attachment.attach_status == AttachStatus.DETACHING:
            raise errors.InvalidVolume(reason=f"attachment {attachment_id} is being detached.")
        try:
            info = await asyncio.to_thread(self.driver.initialize_connection,
                                           rec.volume.id, connector)
        except BackendError as exc:
            raise errors.InvalidVolume(reason=f"the backend cannot export volume {rec.volume.id}: "
                                              f"{exc.message}") from exc
        info = {**info, "serial": rec.volume.id}
        data = info.get("data")
        if rec.attachment.attach_mode == "ro" and isinstance(data, dict):
            info["data"] = {**data, "access_mode": "ro"}
        async with self.db.read() as s:
            info = await with_qos(s, rec.volume.type_id, info)
        async with self.db.write() as s:
            att = await s.get(VolumeAttachment, attachment_id)
            vol = await s.get(Volume, rec.volume.id)
            if att is None or vol is None:
                raise errors.VolumeAttachmentNotFound(attachment_id=attachment_id)
            att.connector, att.connection_info = dict(connector), info
            host = connector.get("host")
            att.attached_host = str(host) if host is not None else None
            if mountpoint is not None:
                att.mountpoint = mountpoint
            if att.attach_status == AttachStatus.RESERVED:
                att.attach_status = AttachStatus.ATTACHING
            att.updated_at = utcnow()
            await self._settle(s, vol)
            return AttachmentRecord(att, vol)

    async def complete(self, attachment_id: str, project_id: str | None) -> AttachmentRecord:
        """os-complete: `attached`, the volume `in-use`. Completing twice is success."""
        async with self.db.write() as s:
            rec = await self._load(s, attachment_id, project_id)
            att = rec.attachment
            if att.attach_status == AttachStatus.ATTACHED:
                return rec
            if att.connection_info is None:
                raise errors.InvalidVolume(
                    reason=f"attachment {attachment_id} has no connector yet: "
                           "update it with one before completing it.")
            if att.attach_status == AttachStatus.DETACHING:
                raise errors.InvalidVolume(reason=f"attachment {attachment_id} is being detached.")
            att.attach_status, att.attached_at = AttachStatus.ATTACHED, utcnow()
            att.updated_at = att.attached_at
            await self._settle(s, rec.volume)
            return rec

    async def begin_detach(self, attachment_id: str, project_id: str | None
                           ) -> AttachmentRecord:
        async with self.db.write() as s:
            rec = await self._load(s, attachment_id, project_id)
            rec.attachment.attach_status = AttachStatus.DETACHING
            rec.attachment.updated_at = utcnow()
            await self._settle(s, rec.volume)
            return rec

    async def roll_detach(self, attachment_id: str) -> None:
        """A detach that could not be done: back to attached (os-roll_detaching)."""
        async with self.db.write() as s:
            att = await s.get(VolumeAttachment, attachment_id)
            if att is None or att.attach_status != AttachStatus.DETACHING:
                return
            att.attach_status = (AttachStatus.ATTACHED if att.attached_at is not None
                                 else AttachStatus.ATTACHING)
            vol = await s.get(Volume, att.volume_id)
            if vol is not None:
                await self._settle(s, vol)

    async def remove(self, attachment_id: str, project_id: str | None = None) -> str | None:
        """The attachment is gone (its export undone, if_exists); the volume's status is
        settled from what remains. Returns the volume's id (None: nothing to remove)."""
        async with self.db.read() as s:
            att = await s.get(VolumeAttachment, attachment_id)
            if att is None:
                return None
            vol = await s.get(Volume, att.volume_id)
            if vol is not None and project_id is not None and vol.project_id != project_id:
                raise errors.VolumeAttachmentNotFound(attachment_id=attachment_id)
            connector = att.connector
            kind = (att.connection_info or {}).get("driver_volume_type")
            others = list((await s.execute(select(VolumeAttachment).where(
                VolumeAttachment.volume_id == att.volume_id,
                VolumeAttachment.id != attachment_id))).scalars())
        # a multiattach volume's other hosts share its one export (one iSCSI target): it
        # goes with the last attachment that uses it
        shared = kind not in (None, "local") and any(
            (o.connection_info or {}).get("driver_volume_type") == kind for o in others)
        if vol is not None and connector is not None and not shared:
            try:
                await asyncio.to_thread(self.driver.terminate_connection, vol.id, connector)
            except BackendError:
                pass            # the export is the driver's; nothing left to use it
        async with self.db.write() as s:
            att = await s.get(VolumeAttachment, attachment_id)
            if att is None:
                return None
            await s.delete(att)
            await s.flush()
            vol = await s.get(Volume, att.volume_id)
            if vol is not None:
                await self._settle(s, vol)
            return att.volume_id

    async def mark_attached(self, attachment_id: str, instance_id: str | None,
                            mountpoint: str, host_name: str | None) -> None:
        """os-attach: the caller plugged it itself; the attachment is `attached`."""
        async with self.db.write() as s:
            att = await s.get(VolumeAttachment, attachment_id)
            if att is None:
                raise errors.VolumeAttachmentNotFound(attachment_id=attachment_id)
            att.instance_uuid = _canonical(instance_id) if instance_id else \
                att.instance_uuid
            att.mountpoint, att.attached_host = mountpoint, host_name
            att.attach_status = AttachStatus.ATTACHED
            att.attached_at = att.updated_at = utcnow()
            vol = await s.get(Volume, att.volume_id)
            if vol is not None:
                await self._settle(s, vol)

    async def set_delete_on_termination(self, attachment_id: str, value: bool) -> None:
        async with self.db.write() as s:
            att = await s.get(VolumeAttachment, attachment_id)
            if att is None:
                raise errors.VolumeAttachmentNotFound(attachment_id=attachment_id)
            att.delete_on_termination, att.updated_at = value, utcnow()

    # ------------------------------------------------------------------ helpers

    async def _load(self, s: AsyncSession, attachment_id: str, project_id: str | None
                    ) -> AttachmentRecord:
        att = await s.get(VolumeAttachment, attachment_id)
        vol = await s.get(Volume, att.volume_id) if att is not None else None
        if att is None or vol is None or (project_id is not None
                                          and vol.project_id != project_id):
            raise errors.VolumeAttachmentNotFound(attachment_id=attachment_id)
        return AttachmentRecord(att, vol)

    async def _settle(self, s: AsyncSession, vol: Volume) -> None:
        """The volume's status from its attachments (never stored apart from them), read
        with the volume's row locked so that concurrent steps settle one after the other."""
        await s.execute(select(Volume.id).where(Volume.id == vol.id).with_for_update())
        found = {a.attach_status for a in (await s.execute(select(VolumeAttachment).where(
            VolumeAttachment.volume_id == vol.id))).scalars()}
        if vol.status not in (VolumeStatus.AVAILABLE, VolumeStatus.IN_USE,
                              VolumeStatus.RESERVED, VolumeStatus.ATTACHING,
                              VolumeStatus.DETACHING):
            return          # extending, deleting, error...: not the attachments' to change
        for status, volume_status in ((AttachStatus.ATTACHED, VolumeStatus.IN_USE),
                                      (AttachStatus.DETACHING, VolumeStatus.DETACHING),
                                      (AttachStatus.ATTACHING, VolumeStatus.ATTACHING),
                                      (AttachStatus.RESERVED, VolumeStatus.RESERVED)):
            if status in found:
                new = volume_status
                break
        else:
            new = VolumeStatus.AVAILABLE
        if vol.status != new:
            vol.status, vol.updated_at = new, utcnow()


async def with_qos(s: AsyncSession, type_id: str, info: dict[str, object]
                   ) -> dict[str, object]:
    """Cinder's connection_info carries the front-end QoS specs of the volume's type
    (`data.qos_specs`, what Nova's libvirt driver turns into the disk's iotune)."""
    vtype = await s.get(VolumeType, type_id)
    qos = await s.get(QosSpecs, vtype.qos_specs_id) if vtype and vtype.qos_specs_id else None
    if qos is None or qos.consumer not in ("front-end", "both"):
        return info
    data = info.get("data")
    return {**info, "data": {**(data if isinstance(data, dict) else {}),
                             "qos_specs": dict(qos.specs)}}


def _canonical(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value        # not a UUID: found nowhere, a 404 as any unknown id
