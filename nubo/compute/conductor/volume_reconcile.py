"""The attachment reconciler: compares the attachment records with the disks the hosts
really have, and heals either side. Run when the controller starts (every host's answer
counted) and every period where its lease is held.

The rule, per attachment (only those untouched for `settle`, so an attach or detach in
flight in some replica is left to it; a server with an operation running is skipped this
round; the others under the instance's lock):

  record       host has the disk (serial = volume id at the device)   host has not
  reserved  -> attached (complete)                                     removed: available
  attaching -> attached (complete)                                     removed: available
  attached  -> (nothing: they agree)                                   plugged again from
                                                                       the record's
                                                                       connection_info
  detaching -> host asked to unplug again, then removed: available     removed: available

A server that is deleted loses its attachments (the volumes are available); one on no host
(shelved offloaded) keeps its attached volumes, and what was being attached or detached is
released. A guest that lost a volume disk (a spawn elsewhere: resize, migration, unshelve,
evacuate build a domain without them for now) gets it plugged again here. A host that does
not answer (down, or an earlier build that has no `list_volume_devices`) is skipped: its
records wait for the next round, never guessed.
So a kill -9 during attach or detach converges: a volume is never left in
reserved/attaching/detaching, and no record names a disk that is not there.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from nubo.compute.models import Instance
from nubo.compute.service.server_volumes import connector_of
from nubo.compute.service.volume_attachments import VolumeAttachmentService
from nubo.core.db import utcnow
from nubo.core.metrics import reconciled
from nubo.volume.models import VolumeAttachment
from nubo.volume.states import AttachStatus

LOG = logging.getLogger("nubo.compute.volume_reconcile")
_ALL = (AttachStatus.RESERVED, AttachStatus.ATTACHING, AttachStatus.ATTACHED,
        AttachStatus.DETACHING)


class VolumeReconciler:
    def __init__(self, attachments: VolumeAttachmentService) -> None:
        self.va = attachments

    async def reconcile(self, settle: timedelta | None = None) -> dict[str, int]:
        """One round; counts of what was healed, per outcome."""
        counts = {"completed": 0, "released": 0, "replugged": 0, "detached": 0}
        rows = await self.va.storage.attachments.in_states(_ALL)
        cutoff = utcnow() - settle if settle is not None else None
        by_instance: dict[str, list[VolumeAttachment]] = {}
        for row in rows:
            if row.instance_uuid is None:
                continue        # Cinder-only reservations (os-reserve) are the caller's
            if cutoff is not None and (row.updated_at or row.created_at) > cutoff:
                continue
            by_instance.setdefault(row.instance_uuid, []).append(row)
        for sid, atts in by_instance.items():
            key = f"instance:{sid}"
            if await self.va.c.locks.busy(key):
                continue        # an operation on the server runs: it settles its own
            async with self.va.c.locks.hold(key):
                await self._instance(sid, [a.id for a in atts], counts)
        reconciled("volume_attachments", counts)
        return counts

    async def _instance(self, sid: str, att_ids: list[str], counts: dict[str, int]) -> None:
        async with self.va.db.read() as s:
            inst = await s.get(Instance, sid)
        if inst is None or inst.deleted:
            for att_id in att_ids:
                await self.va.storage.attachments.remove(att_id)
                counts["released"] += 1
            return
        if not inst.host:           # shelved offloaded: its volumes stay attached
            await self._no_host(att_ids, counts)
            return
        host = inst.host
        try:
            disks = await self.va.bus.call(host, "list_volume_devices", instance_id=sid)
        except Exception as exc:  # noqa: BLE001 - a host that cannot say: next round
            LOG.info("attachments of %s not reconciled: %s does not answer: %s", sid, host,
                     exc)
            return
        if disks is None:           # the host does not have the server (any more)
            disks = {}
        for att_id in att_ids:
            async with self.va.db.read() as s:
                att = await s.get(VolumeAttachment, att_id)
            if att is None:
                continue
            dev = (att.mountpoint or "").removeprefix("/dev/")
            present = disks.get(dev) == att.volume_id
            await self._heal(host, sid, att, present, counts)

    async def _no_host(self, att_ids: list[str], counts: dict[str, int]) -> None:
        """A server on no host (shelved offloaded) keeps its attached volumes (Nova's
        rule); what was being attached or detached is settled: released."""
        for att_id in att_ids:
            async with self.va.db.read() as s:
                att = await s.get(VolumeAttachment, att_id)
            if att is not None and att.attach_status != AttachStatus.ATTACHED:
                await self.va.storage.attachments.remove(att_id)
                counts["released"] += 1

    async def _heal(self, host: str, sid: str, att: VolumeAttachment, present: bool,
                    counts: dict[str, int]) -> None:
        svc = self.va.storage.attachments
        status = att.attach_status
        try:
            if status in (AttachStatus.RESERVED, AttachStatus.ATTACHING):
                if present:
                    if att.connection_info is None:
                        await svc.connect(att.id, None, connector_of(host))
                    await svc.complete(att.id, None)
                    counts["completed"] += 1
                else:
                    await svc.remove(att.id)
                    counts["released"] += 1
            elif status == AttachStatus.ATTACHED and not present:
                info = att.connection_info or (
                    await svc.connect(att.id, None, connector_of(host))
                ).attachment.connection_info
                await self.va.bus.call(host, "attach_volume", instance_id=sid,
                                       connection_info=info,
                                       device=(att.mountpoint or "").removeprefix("/dev/"))
                counts["replugged"] += 1
            elif status == AttachStatus.DETACHING:
                if present:
                    await self.va.bus.call(host, "detach_volume", instance_id=sid,
                                           device=(att.mountpoint or "").removeprefix(
                                               "/dev/"))
                await svc.remove(att.id)
                counts["detached"] += 1
        except Exception as exc:  # noqa: BLE001 - next round tries again
            LOG.warning("attachment %s of %s not healed this round: %s", att.id, sid, exc)
