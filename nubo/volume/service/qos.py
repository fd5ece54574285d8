"""QoS specs (Cinder's qos_specs): named limits for the front end (the hypervisor applies
them to the guest's disk), the back end, or both, associated with volume types (a type has at
most one). An associated spec is not deleted unless forced."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database, utcnow
from nubo.volume.errors import (
    InvalidInput,
    QoSSpecsExists,
    QoSSpecsInUse,
    QoSSpecsKeyNotFound,
    QoSSpecsNotFound,
)
from nubo.volume.models import QosSpecs, VolumeType
from nubo.volume.service.types import TypeService

CONSUMERS = ("front-end", "back-end", "both")


class QosService:
    def __init__(self, db: Database, types: TypeService) -> None:
        self.db, self.types = db, types

    async def create(self, name: str, consumer: str, specs: dict[str, str]) -> QosSpecs:
        if consumer not in CONSUMERS:
            raise InvalidInput(reason=f"Invalid consumer {consumer}: it must be one of "
                                      f"{', '.join(CONSUMERS)}.")
        async with self.db.write() as s:
            taken = (await s.execute(select(QosSpecs.id).where(
                QosSpecs.name == name))).first()
            if taken is not None:
                raise QoSSpecsExists(specs_id=name)
            row = QosSpecs(id=str(uuid.uuid4()), name=name, consumer=consumer,
                           specs=dict(specs), created_at=utcnow())
            s.add(row)
            return row

    async def list_(self) -> list[QosSpecs]:
        async with self.db.read() as s:
            return list((await s.execute(select(QosSpecs).order_by(
                QosSpecs.created_at, QosSpecs.id))).scalars())

    async def get(self, qos_id: str) -> QosSpecs:
        async with self.db.read() as s:
            return await self._row(s, qos_id)

    async def set_keys(self, qos_id: str, specs: dict[str, str]) -> None:
        async with self.db.write() as s:
            row = await self._row(s, qos_id)
            row.specs = {**row.specs, **specs}

    async def unset_keys(self, qos_id: str, keys: list[str]) -> None:
        async with self.db.write() as s:
            row = await self._row(s, qos_id)
            missing = [k for k in keys if k not in row.specs]
            if missing:
                raise QoSSpecsKeyNotFound(specs_id=qos_id, specs_key=missing[0])
            row.specs = {k: v for k, v in row.specs.items() if k not in keys}

    async def delete(self, qos_id: str, force: bool) -> None:
        async with self.db.write() as s:
            row = await self._row(s, qos_id)
            types = await self._types(s, qos_id)
            if types and not force:
                raise QoSSpecsInUse(specs_id=qos_id)
            for t in types:
                t.qos_specs_id = None
            await s.delete(row)

    async def associations(self, qos_id: str) -> list[VolumeType]:
        async with self.db.read() as s:
            await self._row(s, qos_id)
            return await self._types(s, qos_id)

    async def associate(self, qos_id: str, type_id: str) -> None:
        async with self.db.write() as s:
            await self._row(s, qos_id)
            vtype = await self._type(s, type_id)
            if vtype.qos_specs_id not in (None, qos_id):
                raise InvalidInput(reason=f"Type {type_id} is already associated with "
                                          f"another qos specs: {vtype.qos_specs_id}")
            vtype.qos_specs_id = qos_id

    async def disassociate(self, qos_id: str, type_id: str | None) -> None:
        """One type (`type_id`) or every type associated with the specs (None)."""
        async with self.db.write() as s:
            await self._row(s, qos_id)
            types = [await self._type(s, type_id)] if type_id is not None else \
                await self._types(s, qos_id)
            for t in types:
                if t.qos_specs_id == qos_id:
                    t.qos_specs_id = None

    async def _row(self, s: AsyncSession, qos_id: str) -> QosSpecs:
        row = await s.get(QosSpecs, qos_id)
        if row is None:
            raise QoSSpecsNotFound(specs_id=qos_id)
        return row

    async def _type(self, s: AsyncSession, type_id: str) -> VolumeType:
        return await self.types.lookup(s, type_id, None, by_name=False)

    async def _types(self, s: AsyncSession, qos_id: str) -> list[VolumeType]:
        return list((await s.execute(select(VolumeType).where(
            VolumeType.qos_specs_id == qos_id).order_by(VolumeType.name))).scalars())
