"""Volume type encryption records (Cinder's /types/{id}/encryption): the provider, cipher,
key size and control location a hypervisor would use for the volumes of that type. This
cloud has no key manager, so a volume of a type with encryption is refused at create rather
than made unencrypted (service/volumes.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database, utcnow
from nubo.volume.errors import (
    EncryptedTypeInUse,
    EncryptionSpecNotFound,
    VolumeTypeEncryptionExists,
    VolumeTypeEncryptionNotFound,
)
from nubo.volume.models import Volume, VolumeTypeEncryption
from nubo.volume.service.types import TypeService

FIELDS = ("provider", "cipher", "key_size", "control_location")


@dataclass(frozen=True)
class EncryptionSpec:
    provider: str | None = None
    cipher: str | None = None
    key_size: int | None = None
    control_location: str | None = None


class EncryptionService:
    def __init__(self, db: Database, types: TypeService) -> None:
        self.db, self.types = db, types

    async def get(self, type_id: str) -> VolumeTypeEncryption | None:
        async with self.db.read() as s:
            await self.types.lookup(s, type_id, None, by_name=False)
            return await s.get(VolumeTypeEncryption, type_id)

    async def item(self, type_id: str, key: str) -> object:
        row = await self.get(type_id)
        if row is None or key not in FIELDS:
            raise EncryptionSpecNotFound(type_id=type_id, key=key)
        return getattr(row, key)

    async def create(self, type_id: str, spec: EncryptionSpec) -> VolumeTypeEncryption:
        async with self.db.write() as s:
            await self.types.lookup(s, type_id, None, by_name=False)
            if await s.get(VolumeTypeEncryption, type_id) is not None:
                raise VolumeTypeEncryptionExists(type_id=type_id)
            await self._unused(s, type_id)
            row = VolumeTypeEncryption(
                type_id=type_id, id=str(uuid.uuid4()), provider=spec.provider or "",
                cipher=spec.cipher, key_size=spec.key_size,
                control_location=spec.control_location or "front-end", created_at=utcnow())
            s.add(row)
            return row

    async def update(self, type_id: str, encryption_id: str, changes: dict[str, object]
                     ) -> None:
        async with self.db.write() as s:
            row = await self._row(s, type_id, encryption_id)
            await self._unused(s, type_id)
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated_at = utcnow()

    async def delete(self, type_id: str, encryption_id: str) -> None:
        async with self.db.write() as s:
            row = await self._row(s, type_id, encryption_id)
            await self._unused(s, type_id)
            await s.delete(row)

    async def _row(self, s: AsyncSession, type_id: str, encryption_id: str
                   ) -> VolumeTypeEncryption:
        await self.types.lookup(s, type_id, None, by_name=False)
        row = await s.get(VolumeTypeEncryption, type_id)
        if row is None or row.id != encryption_id:
            raise VolumeTypeEncryptionNotFound(type_id=type_id)
        return row

    async def _unused(self, s: AsyncSession, type_id: str) -> None:
        """Cinder refuses to change the encryption of a type that volumes use."""
        used = (await s.execute(select(func.count(Volume.id)).where(
            Volume.type_id == type_id))).scalar_one()
        if used:
            raise EncryptedTypeInUse(type_id=type_id)
