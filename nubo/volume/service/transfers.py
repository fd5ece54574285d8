"""Volume transfers (Cinder's transfer API, legacy and 3.55/3.57): a project offers an
available volume; another project accepts it with the auth key shown once at creation.

Only a salted HMAC of the key is kept (Cinder's salt and crypt_hash). While offered the
volume is `awaiting-transfer` (it cannot be attached, deleted or offered twice). An accept
checks the receiving project's quotas (volumes, gigabytes, per-volume size; and snapshots
unless `no_snapshots`) in the same transaction that moves the volume; the donor's usage
falls by itself, as usage is counted from the rows.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database, utcnow
from nubo.volume.backup_errors import (
    InvalidAuthKey,
    TransferGigabytesOverQuota,
    TransferNotFound,
    TransferOverQuota,
    VolumeSizeExceedsLimit,
)
from nubo.volume.errors import InvalidSnapshot, InvalidVolume, VolumeNotFound
from nubo.volume.models import Snapshot, Volume, VolumeTransfer
from nubo.volume.service.listing import Page, paginate
from nubo.volume.service.quotas import QuotaService
from nubo.volume.states import AWAITING_TRANSFER, SnapshotStatus, VolumeStatus

SALT_LENGTH = 8
KEY_LENGTH = 16


@dataclass(frozen=True)
class Offer:
    """A transfer just created: the only time its auth key is known."""

    transfer: VolumeTransfer
    auth_key: str


def _crypt(salt: str, key: str) -> str:
    return hmac.new(salt.encode(), key.encode(), hashlib.sha1).hexdigest()


class TransferService:
    def __init__(self, db: Database, quotas: QuotaService) -> None:
        self.db, self.quotas = db, quotas

    async def create(self, volume_id: str, scope: str | None, name: str | None,
                     no_snapshots: bool) -> Offer:
        async with self.db.write() as s:
            vol = await s.get(Volume, volume_id)
            if vol is None or (scope is not None and vol.project_id != scope):
                raise VolumeNotFound(volume_id=volume_id)
            if vol.status != VolumeStatus.AVAILABLE:
                raise InvalidVolume(reason="status must be available")
            if not no_snapshots:
                for snap in (await s.execute(select(Snapshot).where(
                        Snapshot.volume_id == volume_id))).scalars():
                    if snap.status != SnapshotStatus.AVAILABLE:
                        raise InvalidSnapshot(reason=f"snapshot: {snap.id} status must be "
                                              "available")
            salt, key = secrets.token_hex(SALT_LENGTH)[:SALT_LENGTH], \
                secrets.token_hex(KEY_LENGTH)[:KEY_LENGTH]
            row = VolumeTransfer(id=str(uuid.uuid4()), volume_id=volume_id, name=name,
                                 salt=salt, crypt_hash=_crypt(salt, key),
                                 source_project_id=vol.project_id, no_snapshots=no_snapshots,
                                 created_at=utcnow())
            s.add(row)
            vol.status, vol.updated_at = AWAITING_TRANSFER, utcnow()
        return Offer(row, key)

    async def get(self, transfer_id: str, scope: str | None) -> VolumeTransfer:
        async with self.db.read() as s:
            return await self._row(s, transfer_id, scope)

    async def list_(self, scope: str | None, name: str | None, volume_id: str | None,
                    page: Page) -> list[VolumeTransfer]:
        async with self.db.read() as s:
            q = select(VolumeTransfer)
            if scope is not None:
                q = q.where(VolumeTransfer.source_project_id == scope)
            if name is not None:
                q = q.where(VolumeTransfer.name == name)
            if volume_id is not None:
                q = q.where(VolumeTransfer.volume_id == volume_id)
            return paginate(list((await s.execute(q)).scalars()), page)

    async def delete(self, transfer_id: str, scope: str | None) -> None:
        async with self.db.write() as s:
            row = await self._row(s, transfer_id, scope)
            vol = await s.get(Volume, row.volume_id)
            if vol is not None and vol.status == AWAITING_TRANSFER:
                vol.status, vol.updated_at = VolumeStatus.AVAILABLE, utcnow()
            await s.delete(row)

    async def accept(self, transfer_id: str, auth_key: str, project_id: str,
                     user_id: str) -> VolumeTransfer:
        """Any project holding the key may accept (the transfer is looked up as an admin
        would, as Cinder's elevated context does)."""
        async with self.db.write() as s:
            row = await self._row(s, transfer_id, None)
            if not hmac.compare_digest(_crypt(row.salt, auth_key), row.crypt_hash):
                raise InvalidAuthKey(transfer_id=transfer_id)
            vol = await s.get(Volume, row.volume_id)
            if vol is None:
                raise VolumeNotFound(volume_id=row.volume_id)
            snaps = [] if row.no_snapshots else list((await s.execute(select(Snapshot).where(
                Snapshot.volume_id == vol.id, Snapshot.project_id == vol.project_id)
            )).scalars())
            await self._check_quota(s, project_id, vol, snaps)
            now = utcnow()
            vol.project_id, vol.user_id, vol.status, vol.updated_at = (
                project_id, user_id, VolumeStatus.AVAILABLE, now)
            for snap in snaps:
                snap.project_id, snap.user_id, snap.updated_at = project_id, user_id, now
            await s.delete(row)
            return row

    async def _check_quota(self, s: AsyncSession, project_id: str, vol: Volume,
                           snaps: list[Snapshot]) -> None:
        limits = await self.quotas.limits(project_id, s)
        used = await self.quotas.usage(project_id, s)
        per_volume = limits["per_volume_gigabytes"]
        if per_volume != -1 and vol.size > per_volume:
            raise VolumeSizeExceedsLimit(size=vol.size, limit=per_volume)
        if limits["volumes"] != -1 and used.volumes + 1 > limits["volumes"]:
            raise TransferOverQuota(resource="volumes", allowed=limits["volumes"])
        if snaps and limits["snapshots"] != -1 and \
                used.snapshots + len(snaps) > limits["snapshots"]:
            raise TransferOverQuota(resource="snapshots", allowed=limits["snapshots"])
        gigabytes = vol.size + sum(sn.size for sn in snaps)
        if limits["gigabytes"] != -1 and used.gigabytes + gigabytes > limits["gigabytes"]:
            raise TransferGigabytesOverQuota(requested=gigabytes, quota=limits["gigabytes"],
                                             consumed=used.gigabytes)

    async def _row(self, s: AsyncSession, transfer_id: str,
                   scope: str | None) -> VolumeTransfer:
        row = await s.get(VolumeTransfer, transfer_id)
        if row is None or (scope is not None and row.source_project_id != scope):
            raise TransferNotFound(transfer_id=transfer_id)
        return row
