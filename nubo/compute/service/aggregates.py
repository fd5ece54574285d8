"""Host aggregates (os-aggregates): named groups of compute hosts with metadata. The
`availability_zone` key puts the hosts in that zone; other keys are what the scheduler's
AggregateInstanceExtraSpecsFilter matches flavors against. Each aggregate is mirrored as a
placement aggregate (its uuid) on the hosts' resource providers, as Nova does."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute import errors
from nubo.compute.models import ComputeHost, Instance
from nubo.compute.models_aggregates import Aggregate, AggregateHost, AggregateMetadata
from nubo.core.db import Database, utcnow
from nubo.core.validation import as_int
from nubo.placement.service import PlacementService

LOG = logging.getLogger("nubo.compute.service.aggregates")
AZ = "availability_zone"


@dataclass
class AggregateView:
    id: int
    uuid: str
    name: str
    created_at: datetime
    updated_at: datetime | None
    hosts: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def availability_zone(self) -> str | None:
        return self.metadata.get(AZ)


async def host_aggregate_info(s: AsyncSession) -> tuple[dict[str, str],
                                                        dict[str, dict[str, set[str]]]]:
    """For the scheduler: each host's zone from its aggregates (hosts in none are absent),
    and each host's aggregate metadata as {key: {values}}."""
    rows = (await s.execute(select(AggregateHost.host, AggregateMetadata.key,
                                   AggregateMetadata.value).join(
        AggregateMetadata, AggregateMetadata.aggregate_id == AggregateHost.aggregate_id))).all()
    zones: dict[str, str] = {}
    meta: dict[str, dict[str, set[str]]] = {}
    for host, key, value in rows:
        meta.setdefault(host, {}).setdefault(key, set()).add(value)
        if key == AZ:
            zones[host] = value
    return zones, meta


def parse_id(raw: str) -> int:
    """Nova's 2.1 ids are integers: anything else is a 400."""
    value = as_int(raw)     # an id past 64 bits names no row and cannot be looked up
    if value is None:
        raise errors.InvalidInput(reason="id must be an integer.")
    return value


class AggregateService:
    def __init__(self, db: Database, placement: PlacementService,
                 changed: Callable[[], None]) -> None:
        self.db = db
        self._placement = placement   # mirrors host aggregates as provider aggregates
        self._changed = changed       # hosts' zones/metadata changed: drop scheduler caches

    # ------------------------------------------------------------------ reading

    async def _load(self, s: AsyncSession, ids: list[int] | None = None) -> list[AggregateView]:
        q = select(Aggregate).order_by(Aggregate.id)
        if ids is not None:
            q = q.where(Aggregate.id.in_(ids))
        aggs = {a.id: AggregateView(a.id, a.uuid, a.name, a.created_at, a.updated_at)
                for a in (await s.execute(q)).scalars()}
        if not aggs:
            return []
        for agg_id, host in (await s.execute(select(
                AggregateHost.aggregate_id, AggregateHost.host).where(
                AggregateHost.aggregate_id.in_(list(aggs))).order_by(AggregateHost.host))):
            aggs[agg_id].hosts.append(host)
        for agg_id, key, value in (await s.execute(select(
                AggregateMetadata.aggregate_id, AggregateMetadata.key,
                AggregateMetadata.value).where(AggregateMetadata.aggregate_id.in_(list(aggs))))):
            aggs[agg_id].metadata[key] = value
        return list(aggs.values())

    async def all(self) -> list[AggregateView]:
        async with self.db.read() as s:
            return await self._load(s)

    async def get(self, agg_id: int) -> AggregateView:
        async with self.db.read() as s:
            found = await self._load(s, [agg_id])
        if not found:
            raise errors.AggregateNotFound(aggregate_id=agg_id)
        return found[0]

    async def host_zones(self) -> dict[str, str]:
        async with self.db.read() as s:
            return (await host_aggregate_info(s))[0]

    # ------------------------------------------------------------------ writing

    async def _name_free(self, s: AsyncSession, name: str, but: int | None = None) -> None:
        q = select(Aggregate.id).where(Aggregate.name == name)
        if but is not None:
            q = q.where(Aggregate.id != but)
        if (await s.execute(q)).first() is not None:
            raise errors.AggregateNameExists(aggregate_name=name)

    async def create(self, name: str, zone: str | None) -> AggregateView:
        async with self.db.write() as s:
            await self._name_free(s, name)
            agg = Aggregate(uuid=str(uuid.uuid4()), name=name, created_at=utcnow())
            s.add(agg)
            await s.flush()
            if zone:
                s.add(AggregateMetadata(aggregate_id=agg.id, key=AZ, value=zone))
            agg_id = agg.id
        self._changed()
        return await self.get(agg_id)

    async def update(self, agg_id: int, name: str | None, zone: Any) -> AggregateView:
        """`zone` is left alone when it is the `...` sentinel (not in the request)."""
        agg = await self.get(agg_id)
        if zone is not ...:
            await self._check_zone(agg, {AZ: zone}, agg.hosts, "Cannot update aggregate")
        async with self.db.write() as s:
            row = await s.get(Aggregate, agg_id)
            if row is None:
                raise errors.AggregateNotFound(aggregate_id=agg_id)
            if name is not None:
                await self._name_free(s, name, but=agg_id)
                row.name = name
            if zone is not ...:
                await self._write_meta(s, agg_id, {AZ: zone})
            row.updated_at = utcnow()
        self._changed()
        return await self.get(agg_id)

    async def delete(self, agg_id: int) -> None:
        agg = await self.get(agg_id)
        if agg.hosts:
            raise errors.AggregateNotEmpty(aggregate_id=agg_id)
        async with self.db.write() as s:
            await s.execute(delete(Aggregate).where(Aggregate.id == agg_id))
        self._changed()

    async def set_metadata(self, agg_id: int, metadata: dict[str, str | None]) -> AggregateView:
        agg = await self.get(agg_id)
        await self._check_zone(agg, metadata, agg.hosts, "Cannot update metadata of aggregate")
        async with self.db.write() as s:
            await self._write_meta(s, agg_id, metadata)
            row = await s.get(Aggregate, agg_id)
            if row is not None:
                row.updated_at = utcnow()
        self._changed()
        return await self.get(agg_id)

    async def _write_meta(self, s: AsyncSession, agg_id: int,
                          metadata: dict[str, str | None]) -> None:
        """Nova's update_metadata: a None value deletes the key, others are set."""
        for key, value in metadata.items():
            current = await s.get(AggregateMetadata, (agg_id, key))
            if value is None:
                if current is not None:
                    await s.delete(current)
            elif current is None:
                s.add(AggregateMetadata(aggregate_id=agg_id, key=key, value=str(value)))
            else:
                current.value = str(value)

    async def _check_zone(self, agg: AggregateView, metadata: dict[str, Any],
                          hosts: list[str], prefix: str) -> None:
        """Nova's is_safe_to_update_az: no empty zone name, no host in two zones, and no
        zone change under instances."""
        if AZ not in metadata:
            return
        zone = metadata[AZ]
        why = None
        if not zone:
            why = f"Aggregate {agg.name} does not support empty named availability zone"
        elif hosts:
            async with self.db.read() as s:
                rows = (await s.execute(select(AggregateMetadata.value).join(
                    AggregateHost, AggregateHost.aggregate_id == AggregateMetadata.aggregate_id
                ).where(AggregateMetadata.key == AZ, AggregateHost.host.in_(hosts),
                        AggregateMetadata.aggregate_id != agg.id))).scalars().all()
                others = sorted({z for z in rows if z != zone})
                busy = 0
                if not others and agg.availability_zone != zone:
                    busy = int((await s.execute(select(func.count()).select_from(
                        Instance).where(Instance.host.in_(hosts),
                                        Instance.deleted.is_(False)))).scalar_one())
            if others:
                why = f"One or more hosts already in availability zone(s) {others}"
            elif busy:
                why = "One or more hosts contain instances in this zone"
        if why:
            raise errors.InvalidAggregateAction(action=prefix, aggregate_id=agg.id, reason=why)

    async def add_host(self, agg_id: int, host: str) -> AggregateView:
        async with self.db.read() as s:
            if await s.get(ComputeHost, host) is None:
                raise errors.ComputeHostNotFound(host=host)
        agg = await self.get(agg_id)
        if host in agg.hosts:
            raise errors.AggregateHostExists(aggregate_id=agg_id, host=host)
        try:
            await self._check_zone(agg, agg.metadata, [host], "Cannot add host to aggregate")
        except errors.InvalidAggregateAction as exc:
            raise errors.InvalidAggregateActionAdd(aggregate_id=agg_id,
                                                   reason=exc.fields["reason"]) from None
        async with self.db.write() as s:
            s.add(AggregateHost(aggregate_id=agg_id, host=host))
        await self._mirror(host)
        self._changed()
        return await self.get(agg_id)

    async def remove_host(self, agg_id: int, host: str) -> AggregateView:
        async with self.db.write() as s:
            gone = (await s.execute(delete(AggregateHost).where(
                AggregateHost.aggregate_id == agg_id, AggregateHost.host == host)))
            if not gone.rowcount:  # type: ignore[attr-defined]
                raise errors.AggregateHostNotFound(host=host, aggregate_id=agg_id)
        await self._mirror(host)
        self._changed()
        return await self.get(agg_id)

    async def _mirror(self, host: str) -> None:
        """Give the host's resource provider exactly the placement aggregates of the host
        aggregates it is in. Best effort, as in Nova: the API result stands either way."""
        placement = self._placement
        async with self.db.read() as s:
            provider = (await s.execute(select(ComputeHost.provider_uuid).where(
                ComputeHost.name == host))).scalar_one_or_none()
            wanted = list((await s.execute(select(Aggregate.uuid).join(
                AggregateHost, AggregateHost.aggregate_id == Aggregate.id).where(
                AggregateHost.host == host))).scalars())
        if provider is None:
            return
        try:
            p, _ = await placement.provider_aggregates(provider)
            await placement.set_provider_aggregates(provider, p.generation, wanted)
        except Exception as exc:  # noqa: BLE001 - logged; Nova tolerates it the same way
            LOG.warning("could not mirror aggregates of host %s into placement: %s",
                        host, exc)
