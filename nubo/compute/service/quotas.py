"""Compute quotas as Nova counts them now: limits are stored (defaults, the `default` quota
class, per-project and per-user overrides); usage is never stored but counted from the
resources themselves when checked. Areas that own a countable resource register a counter:
`quotas.register_counter("instances", fn)` with `async fn(project_id, user_id) -> int`
(`user_id` None: the whole project). Resources counted by one query together register
`quotas.register_counters(("instances", "cores", "ram"), fn)` with `fn` returning a dict.

A check reads the limits in one query and counts only what has a limit (an unlimited
resource can never be exceeded), every resource of a counter group in one query.

With `unified` (the `unified_limits` quota driver) the limits come from identity's unified
limits instead (quotas_unified.py) and the limits stored here are neither read nor written:
quota set and class updates change nothing, as in Nova."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from nubo.compute import errors
from nubo.compute import models_quotas as m
from nubo.compute.service.quotas_unified import UnifiedQuotaLimits
from nubo.core.db import Database

Counter = Callable[[str, str | None], Awaitable[int]]
GroupCounter = Callable[[str, str | None], Awaitable[dict[str, int]]]
UNLIMITED = -1
MAX_INT = 0x7FFFFFFF

#: Nova's defaults ([quota] options); resources without an option are unlimited
DEFAULTS: dict[str, int] = {
    "instances": 10, "cores": 20, "ram": 50 * 1024, "metadata_items": 128,
    "injected_files": 5, "injected_file_content_bytes": 10 * 1024,
    "injected_file_path_bytes": 255, "key_pairs": 100, "server_groups": 10,
    "server_group_members": 10, "fixed_ips": UNLIMITED, "floating_ips": UNLIMITED,
    "security_groups": UNLIMITED, "security_group_rules": UNLIMITED,
}
RESOURCES = tuple(sorted(DEFAULTS))
#: counted per project and per user; the others (key_pairs, server_group_members) per user
COUNTED = ("instances", "cores", "ram", "server_groups")
PER_USER = ("key_pairs", "server_group_members")
#: shown as 0 in use, as Nova does, in quota details and limits
NOT_SHOWN_IN_USE = ("key_pairs", "server_group_members")


#: the project's limits in force and the user's own overrides (`_limits_and_user`)
Limits = tuple[dict[str, int], dict[str, int]]


class QuotaExceeded(Exception):
    """Raised by `check_deltas`: which resources are over, their limits and usage."""

    def __init__(self, overs: list[str], quotas: dict[str, int], usages: dict[str, int],
                 deltas: dict[str, int]) -> None:
        super().__init__(f"Quota exceeded for resources: {overs}")
        self.overs, self.quotas, self.usages, self.deltas = overs, quotas, usages, deltas

    def error(self) -> errors.TooManyInstances:
        """The 403 in Nova's TooManyInstances wording: "Quota exceeded for instances:
        Requested 1, but already used 10 of 10 instances"."""
        return errors.TooManyInstances(
            overs=", ".join(self.overs), req=", ".join(str(self.deltas[r]) for r in self.overs),
            used=", ".join(str(self.usages[r]) for r in self.overs),
            allowed=", ".join(str(self.quotas[r]) for r in self.overs))


@dataclass
class Usage:
    limit: int
    in_use: int = 0
    reserved: int = 0


class QuotaService:
    def __init__(self, db: Database, unified: UnifiedQuotaLimits | None = None) -> None:
        self.db = db
        self.unified = unified
        self._counters: dict[str, Counter] = {}
        self._groups: dict[str, GroupCounter] = {}

    def register_counter(self, resource: str, counter: Counter) -> None:
        if resource not in DEFAULTS:
            raise ValueError(f"unknown quota resource {resource}")
        self._counters[resource] = counter
        self._groups.pop(resource, None)        # the latest registration counts

    def register_counters(self, resources: tuple[str, ...], counter: GroupCounter) -> None:
        """One counter for several resources (one query instead of one per resource)."""
        for resource in resources:
            if resource not in DEFAULTS:
                raise ValueError(f"unknown quota resource {resource}")
            self._groups[resource] = counter
            self._counters.pop(resource, None)

    async def count(self, resource: str, project_id: str, user_id: str | None) -> int:
        return (await self.counts([resource], project_id, user_id))[resource]

    async def counts(self, resources: list[str], project_id: str,
                     user_id: str | None) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in resources:
            if r in out:
                continue
            group = self._groups.get(r)
            if group is not None:
                out.update({k: v for k, v in (await group(project_id, user_id)).items()
                            if self._groups.get(k) is group})
            else:
                counter = self._counters.get(r)
                out[r] = 0 if counter is None else await counter(project_id, user_id)
        return {r: out[r] for r in resources}

    # ------------------------------------------------------------------ limits

    async def class_limits(self, class_name: str = "default") -> dict[str, int]:
        if self.unified is not None:    # Nova: the registered limits, whatever the class
            return await self.unified.limits(None, RESOURCES)
        async with self.db.read() as s:
            rows = (await s.execute(select(m.QuotaClass).where(
                m.QuotaClass.class_name == class_name))).scalars()
            found = {r.resource: r.hard_limit for r in rows}
        if class_name != "default":
            defaults = await self.class_limits("default")
            return {r: found.get(r, defaults[r]) for r in RESOURCES}
        return {r: found.get(r, DEFAULTS[r]) for r in RESOURCES}

    async def _limits_and_user(self, project_id: str, user_id: str | None
                               ) -> tuple[dict[str, int], dict[str, int]]:
        """The project's limits in force and the user's own overrides, in one session."""
        if self.unified is not None:
            return await self.unified.limits(project_id, RESOURCES), {}
        async with self.db.read() as s:
            classes = (await s.execute(select(m.QuotaClass.resource, m.QuotaClass.hard_limit)
                                       .where(m.QuotaClass.class_name == "default"))).all()
            rows = (await s.execute(select(
                m.QuotaLimit.user_id, m.QuotaLimit.resource, m.QuotaLimit.hard_limit).where(
                m.QuotaLimit.project_id == project_id,
                m.QuotaLimit.user_id.in_(["", user_id] if user_id else [""])))).all()
        project = {**DEFAULTS, **{r: limit for r, limit in classes}}
        project.update({r: limit for u, r, limit in rows if u == ""})
        return project, {r: limit for u, r, limit in rows if u != ""}

    async def _overrides(self, project_id: str, user_id: str = "") -> dict[str, int]:
        async with self.db.read() as s:
            rows = (await s.execute(select(m.QuotaLimit).where(
                m.QuotaLimit.project_id == project_id,
                m.QuotaLimit.user_id == user_id))).scalars()
            return {r.resource: r.hard_limit for r in rows}

    async def limits(self, project_id: str, user_id: str | None = None) -> dict[str, int]:
        """The limits in force for a project, or for one user in it."""
        if self.unified is not None:
            return await self.unified.limits(project_id, RESOURCES)
        values = await self.class_limits()
        values.update(await self._overrides(project_id))
        if user_id:
            values.update(await self._overrides(project_id, user_id))
        return values

    async def usages(self, project_id: str, user_id: str | None = None) -> dict[str, Usage]:
        """Limits with what is in use, as quota details and /limits show them."""
        limits = await self.limits(project_id, user_id)
        out = {r: Usage(limit) for r, limit in limits.items()}
        for r, n in (await self.counts(list(COUNTED), project_id, user_id or None)).items():
            out[r].in_use = n
        return out

    # ------------------------------------------------------------------ checks

    async def check_deltas(self, project_id: str, user_id: str | None,
                           deltas: dict[str, int], limits: Limits | None = None) -> Limits:
        """Raise QuotaExceeded when usage plus `deltas` would pass a limit (a delta of 0
        re-checks after the fact, as Nova's recheck does). Returns the limits it checked
        against; a recheck in the same request may pass them back in (`limits`) to count
        usage only."""
        project, user = limits or await self._limits_and_user(project_id, user_id)
        #: (resource, delta, limit, whose usage: None for the project's) in checking order
        plan: list[tuple[str, int, int, str | None]] = []
        for res, delta in deltas.items():
            if res not in DEFAULTS:
                raise ValueError(f"unknown quota resource {res}")
            if res in PER_USER:
                plan.append((res, delta, user.get(res, project[res]), user_id))
            else:
                plan.append((res, delta, project[res], None))
                if res in user:
                    plan.append((res, delta, user[res], user_id))
        plan = [p for p in plan if p[2] >= 0]       # unlimited: nothing to count
        used: dict[str | None, dict[str, int]] = {}
        for scope in dict.fromkeys(p[3] for p in plan):
            used[scope] = await self.counts([p[0] for p in plan if p[3] == scope],
                                            project_id, scope)
        overs: list[str] = []
        quotas: dict[str, int] = {}
        usages: dict[str, int] = {}
        for res, delta, limit, scope in plan:
            if res in overs:
                continue
            quotas[res], usages[res] = limit, used[scope][res]
            if usages[res] + delta > limit:
                overs.append(res)
        if overs:
            raise QuotaExceeded(sorted(overs), quotas, usages, deltas)
        return project, user

    async def check(self, ctx: Any, project_id: str, user_id: str | None,
                    deltas: dict[str, int], limits: Limits | None = None) -> Limits:
        """For server create: a 403 in Nova's words when `deltas` would pass a limit."""
        try:
            return await self.check_deltas(project_id, user_id, deltas, limits)
        except QuotaExceeded as exc:
            raise exc.error() from None

    # ------------------------------------------------------------------ updates

    async def settable(self, project_id: str, user_id: str | None,
                       resource: str) -> tuple[int, int]:
        """(minimum, maximum) a limit may be set to without `force` (-1: no maximum)."""
        async with self.db.read() as s:
            rows = (await s.execute(select(m.QuotaLimit).where(
                m.QuotaLimit.project_id == project_id, m.QuotaLimit.user_id != "",
                m.QuotaLimit.resource == resource))).scalars().all()
        users_total = sum(r.hard_limit for r in rows if r.hard_limit > 0)
        counted = resource in COUNTED
        if not user_id:
            in_use = await self.count(resource, project_id, None) if counted else 0
            return max(users_total, in_use), UNLIMITED
        in_use = await self.count(resource, project_id, user_id) if counted else 0
        project_limit = (await self.limits(project_id))[resource]
        if project_limit < 0:
            return in_use, UNLIMITED
        mine = next((r.hard_limit for r in rows if r.user_id == user_id), 0)
        return in_use, project_limit - users_total + mine

    async def update(self, project_id: str, user_id: str | None, values: dict[str, int],
                     force: bool) -> None:
        if self.unified is not None:
            return      # Nova: "all info comes from keystone, we don't update the database"
        if not force:
            for res, limit in values.items():
                low, high = await self.settable(project_id, user_id, res)
                if _inf(limit) < _inf(low):
                    raise errors.QuotaLimitBelowUsage(limit=limit, resource=res, minimum=low)
                if _inf(limit) > _inf(high):
                    raise errors.QuotaLimitAboveMaximum(limit=limit, resource=res, maximum=high)
        async with self.db.write() as s:
            for res, limit in values.items():
                key = (project_id, user_id or "", res)
                row = await s.get(m.QuotaLimit, key)
                if row is None:
                    s.add(m.QuotaLimit(project_id=project_id, user_id=user_id or "",
                                       resource=res, hard_limit=limit))
                else:
                    row.hard_limit = limit

    async def reset(self, project_id: str, user_id: str | None) -> None:
        """Back to the defaults: the project's (and its users') overrides, or one user's."""
        if self.unified is not None:
            return
        async with self.db.write() as s:
            stmt = delete(m.QuotaLimit).where(m.QuotaLimit.project_id == project_id)
            if user_id:
                stmt = stmt.where(m.QuotaLimit.user_id == user_id)
            await s.execute(stmt)

    async def update_class(self, class_name: str, values: dict[str, int]) -> None:
        if self.unified is not None:
            return
        async with self.db.write() as s:
            for res, limit in values.items():
                row = await s.get(m.QuotaClass, (class_name, res))
                if row is None:
                    s.add(m.QuotaClass(class_name=class_name, resource=res, hard_limit=limit))
                else:
                    row.hard_limit = limit


def _inf(value: int) -> float:
    return float("inf") if value == UNLIMITED else value
