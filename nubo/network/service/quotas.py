"""Neutron's quotas: per-project limits (Neutron's defaults unless set), usage counted from
the tables on every check, inside the caller's write transaction so that the check and the
insert are one atomic step (the write lock on SQLite; a retry on the others)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.network import errors
from nubo.network import models as m

#: Neutron's defaults (neutron/conf/quota.py); -1 is unlimited.
DEFAULTS: dict[str, int] = {
    "network": 100, "subnet": 100, "subnetpool": -1, "port": 500, "router": 10,
    "floatingip": 50, "security_group": 10, "security_group_rule": 100, "rbac_policy": 10,
}

Counter = Callable[[AsyncSession, str], Awaitable[int]]
_COUNTERS: dict[str, Counter] = {}


def register_counter(resource: str, counter: Counter) -> None:
    """Each area tells how many of its resources a project has (N2: router, floatingip,
    security_group, security_group_rule)."""
    _COUNTERS[resource] = counter


def _table_counter(model: type) -> Counter:
    async def count(session: AsyncSession, project_id: str) -> int:
        q = select(func.count()).select_from(model).where(
            model.project_id == project_id)  # type: ignore[attr-defined]
        return int((await session.execute(q)).scalar_one())
    return count


register_counter("network", _table_counter(m.Network))
register_counter("subnet", _table_counter(m.Subnet))
register_counter("port", _table_counter(m.Port))


async def limits(session: AsyncSession, project_id: str) -> dict[str, int]:
    rows = (await session.execute(select(m.Quota).where(
        m.Quota.project_id == project_id))).scalars().all()
    out = dict(DEFAULTS)
    out.update({r.resource: r.limit for r in rows if r.resource in DEFAULTS})
    return out


async def usage(session: AsyncSession, project_id: str) -> dict[str, int]:
    return {r: (await c(session, project_id)) for r, c in _COUNTERS.items()}


async def check(session: AsyncSession, project_id: str, resource: str, delta: int = 1) -> None:
    """A 409 OverQuota when `delta` more of `resource` would pass the project's limit."""
    if delta <= 0:
        return
    limit = (await limits(session, project_id)).get(resource, -1)
    if limit < 0:
        return
    counter = _COUNTERS.get(resource)
    used = await counter(session, project_id) if counter else 0
    if used + delta > limit:
        raise errors.over_quota(resource)


async def set_limits(session: AsyncSession, project_id: str, values: dict[str, int]) -> None:
    for resource, limit in values.items():
        row = await session.get(m.Quota, (project_id, resource))
        if row is None:
            session.add(m.Quota(project_id=project_id, resource=resource, limit=limit))
        else:
            row.limit = limit


async def reset(session: AsyncSession, project_id: str) -> None:
    await session.execute(delete(m.Quota).where(m.Quota.project_id == project_id))


async def projects_with_limits(session: AsyncSession) -> list[str]:
    rows = await session.execute(select(m.Quota.project_id).distinct())
    return sorted(r[0] for r in rows)
