"""Nova's services (os-services): nova-compute on every compute host, from ComputeHost,
and this controller's nova-scheduler and nova-conductor. A compute service is up while its
host answers the heartbeat (within Nova's service_down_time) and is not forced down;
disabling it is what the scheduler's ComputeFilter reads."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from nubo.compute import errors
from nubo.compute.conductor.manager import HOST_DOWN_AFTER
from nubo.compute.models import ComputeHost
from nubo.compute.models_aggregates import ServiceRecord
from nubo.core.db import Database, utcnow

COMPUTE = "nova-compute"
CONTROLLER_BINARIES = ("nova-scheduler", "nova-conductor")
INTERNAL_ZONE = "internal"


@dataclass
class Service:
    id: int
    binary: str
    host: str
    zone: str
    disabled: bool
    disabled_reason: str | None
    forced_down: bool
    up: bool
    updated_at: datetime | None


@dataclass(frozen=True)
class ComputeHealth:
    """What a server's host_status (2.16) reads of its host's nova-compute service."""
    disabled: bool
    forced_down: bool
    up: bool


def controller_host() -> str:
    return socket.gethostname().split(".")[0] or "nubo"


class ServiceRegistry:
    def __init__(self, db: Database, host_zones: Callable[[], Awaitable[dict[str, str]]],
                 changed: Callable[[], None], down_after: timedelta = HOST_DOWN_AFTER) -> None:
        """`down_after`: Nova's service_down_time."""
        self.db = db
        self.down_after = down_after
        self.controller = controller_host()
        self._host_zones = host_zones   # async () -> {host: zone from its aggregates}
        self._changed = changed         # the scheduler's host cache must be re-read

    async def _records(self, hosts: list[str]) -> dict[tuple[str, str], ServiceRecord]:
        """The service rows (with their integer ids), created for hosts seen first now."""
        wanted = [(h, COMPUTE) for h in hosts] + [(self.controller, b)
                                                  for b in CONTROLLER_BINARIES]
        async with self.db.read() as s:
            rows = {(r.host, r.binary): r
                    for r in (await s.execute(select(ServiceRecord))).scalars()}
        missing = [k for k in wanted if k not in rows]
        if missing:
            async with self.db.write() as s:
                have = {(r.host, r.binary) for r in (await s.execute(
                    select(ServiceRecord))).scalars()}
                for host, binary in missing:
                    if (host, binary) not in have:
                        s.add(ServiceRecord(host=host, binary=binary, created_at=utcnow()))
            async with self.db.read() as s:
                rows = {(r.host, r.binary): r
                        for r in (await s.execute(select(ServiceRecord))).scalars()}
        return rows

    async def hosts(self) -> list[ComputeHost]:
        async with self.db.read() as s:
            return list((await s.execute(select(ComputeHost).order_by(
                ComputeHost.name))).scalars())

    async def find(self, host: str | None = None, binary: str | None = None) -> list[Service]:
        computes = await self.hosts()
        records = await self._records([h.name for h in computes])
        zones = await self._host_zones()
        now = utcnow()
        found: list[Service] = []
        by_name = {h.name: h for h in computes}     # names are unique (primary key)
        for rec in sorted(records.values(), key=lambda r: r.id):
            if rec.binary == COMPUTE:
                ch = by_name.get(rec.host)
                if ch is None:      # a host that no longer reports (deleted)
                    continue
                found.append(Service(
                    rec.id, COMPUTE, ch.name, zones.get(ch.name, ch.availability_zone),
                    ch.disabled, ch.disabled_reason, ch.forced_down,
                    not ch.forced_down and now - ch.last_seen <= self.down_after,
                    ch.last_seen))
            elif rec.host == self.controller:
                # this process runs them: up as long as it answers this request
                found.append(Service(rec.id, rec.binary, rec.host, INTERNAL_ZONE,
                                     rec.disabled, rec.disabled_reason, rec.forced_down,
                                     not rec.forced_down, now))
        return [s for s in found if (not host or s.host == host)
                and (not binary or s.binary == binary)]

    async def compute_health(self, hosts: Collection[str]) -> dict[str, ComputeHealth]:
        """host -> its nova-compute service's state as `find` tells it, for those of `hosts`
        that exist: every admin's server GET asks, so one read of these hosts' columns only
        (`find` reads every host, service and zone)."""
        if not hosts:
            return {}
        async with self.db.read() as s:
            rows = (await s.execute(select(
                ComputeHost.name, ComputeHost.disabled, ComputeHost.forced_down,
                ComputeHost.last_seen).where(ComputeHost.name.in_(list(hosts))))).all()
        now = utcnow()
        return {r.name: ComputeHealth(r.disabled, r.forced_down,
                                      not r.forced_down and now - r.last_seen <= self.down_after)
                for r in rows}

    async def compute_service(self, host: str) -> Service | None:
        return next(iter(await self.find(host=host, binary=COMPUTE)), None)

    async def update(self, host: str, binary: str, **values: Any) -> None:
        """Set disabled/disabled_reason/forced_down of one service; 404 if there is none."""
        if binary != COMPUTE:
            await self._records([])
        async with self.db.write() as s:
            if binary == COMPUTE:
                q: Any = update(ComputeHost).where(ComputeHost.name == host)
            else:
                q = update(ServiceRecord).where(
                    ServiceRecord.host == host, ServiceRecord.binary == binary,
                    ServiceRecord.host == self.controller).values(updated_at=utcnow())
            res = await s.execute(q.values(**values))
            if not res.rowcount:  # type: ignore[attr-defined]
                raise errors.HostBinaryNotFound(binary=binary, host=host)
        self._changed()

    async def zones_hosts(self) -> dict[str, dict[str, dict[str, Any]]]:
        """For os-availability-zone/detail: {zone: {host: {binary: state}}}."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for svc in await self.find():
            out.setdefault(svc.zone, {}).setdefault(svc.host, {})[svc.binary] = {
                "available": svc.up, "active": not svc.disabled,
                "updated_at": svc.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%f")
                if svc.updated_at else None}
        return out
