"""Compute quotas as Nova counts them now: limits are stored (defaults, the `default` quota
class, per-project and per-user overrides); usage is never stored but counted from the
resources themselves when checked. Areas that own a countable resource register a counter:
`quotas.register_counter("instances", fn)` with `async fn(project_id, user_id) -> int`
(`user_id` None: the whole project)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from nubo.compute import models_quotas as m
from nubo.core.db import Database
from nubo.core.errors import BadRequest, Forbidden

Counter = Callable[[str, str | None], Awaitable[int]]
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


class QuotaExceeded(Exception):
    """Raised by `check_deltas`: which resources are over, their limits and usage."""

    def __init__(self, overs: list[str], quotas: dict[str, int], usages: dict[str, int],
                 deltas: dict[str, int]) -> None:
        super().__init__(f"Quota exceeded for resources: {overs}")
        self.overs, self.quotas, self.usages, self.deltas = overs, quotas, usages, deltas

    def message(self) -> str:
        """Nova's TooManyInstances wording: "Quota exceeded for instances: Requested 1, but
        already used 10 of 10 instances"."""
        overs = ", ".join(self.overs)
        reqs = ", ".join(str(self.deltas[r]) for r in self.overs)
        used = ", ".join(str(self.usages[r]) for r in self.overs)
        allowed = ", ".join(str(self.quotas[r]) for r in self.overs)
        return (f"Quota exceeded for {overs}: Requested {reqs}, but already used {used} of "
                f"{allowed} {overs}")


@dataclass
class Usage:
    limit: int
    in_use: int = 0
    reserved: int = 0


class QuotaService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._counters: dict[str, Counter] = {}

    def register_counter(self, resource: str, counter: Counter) -> None:
        if resource not in DEFAULTS:
            raise ValueError(f"unknown quota resource {resource}")
        self._counters[resource] = counter

    async def count(self, resource: str, project_id: str, user_id: str | None) -> int:
        counter = self._counters.get(resource)
        return 0 if counter is None else await counter(project_id, user_id)

    # ------------------------------------------------------------------ limits

    async def class_limits(self, class_name: str = "default") -> dict[str, int]:
        async with self.db.read() as s:
            rows = (await s.execute(select(m.QuotaClass).where(
                m.QuotaClass.class_name == class_name))).scalars()
            found = {r.resource: r.hard_limit for r in rows}
        if class_name != "default":
            defaults = await self.class_limits("default")
            return {r: found.get(r, defaults[r]) for r in RESOURCES}
        return {r: found.get(r, DEFAULTS[r]) for r in RESOURCES}

    async def _overrides(self, project_id: str, user_id: str = "") -> dict[str, int]:
        async with self.db.read() as s:
            rows = (await s.execute(select(m.QuotaLimit).where(
                m.QuotaLimit.project_id == project_id,
                m.QuotaLimit.user_id == user_id))).scalars()
            return {r.resource: r.hard_limit for r in rows}

    async def limits(self, project_id: str, user_id: str | None = None) -> dict[str, int]:
        """The limits in force for a project, or for one user in it."""
        values = await self.class_limits()
        values.update(await self._overrides(project_id))
        if user_id:
            values.update(await self._overrides(project_id, user_id))
        return values

    async def usages(self, project_id: str, user_id: str | None = None) -> dict[str, Usage]:
        """Limits with what is in use, as quota details and /limits show them."""
        limits = await self.limits(project_id, user_id)
        out = {r: Usage(limit) for r, limit in limits.items()}
        for r in COUNTED:
            out[r].in_use = await self.count(r, project_id, user_id or None)
        return out

    # ------------------------------------------------------------------ checks

    async def check_deltas(self, project_id: str, user_id: str | None,
                           deltas: dict[str, int]) -> None:
        """Raise QuotaExceeded when usage plus `deltas` would pass a limit (a delta of 0
        re-checks after the fact, as Nova's recheck does)."""
        project = await self.limits(project_id)
        user = await self._overrides(project_id, user_id) if user_id else {}
        overs: list[str] = []
        quotas: dict[str, int] = {}
        usages: dict[str, int] = {}
        for res, delta in deltas.items():
            if res not in DEFAULTS:
                raise ValueError(f"unknown quota resource {res}")
            scopes: list[tuple[int, str | None]] = []
            if res in PER_USER:
                scopes.append((user.get(res, project[res]), user_id))
            else:
                scopes.append((project[res], None))
                if res in user:
                    scopes.append((user[res], user_id))
            for limit, scope_user in scopes:
                used = await self.count(res, project_id, scope_user)
                quotas[res], usages[res] = limit, used
                if limit >= 0 and used + delta > limit:
                    overs.append(res)
                    break
        if overs:
            raise QuotaExceeded(sorted(overs), quotas, usages, deltas)

    async def check(self, ctx: Any, project_id: str, user_id: str | None,
                    deltas: dict[str, int]) -> None:
        """For server create: a 403 in Nova's words when `deltas` would pass a limit."""
        try:
            await self.check_deltas(project_id, user_id, deltas)
        except QuotaExceeded as exc:
            raise Forbidden(exc.message()) from None

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
        if not force:
            for res, limit in values.items():
                low, high = await self.settable(project_id, user_id, res)
                if _inf(limit) < _inf(low):
                    raise BadRequest(f"Quota limit {limit} for {res} must be greater than or "
                                     f"equal to already used and reserved {low}.")
                if _inf(limit) > _inf(high):
                    raise BadRequest(f"Quota limit {limit} for {res} must be less than or "
                                     f"equal to {high}.")
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
        async with self.db.write() as s:
            stmt = delete(m.QuotaLimit).where(m.QuotaLimit.project_id == project_id)
            if user_id:
                stmt = stmt.where(m.QuotaLimit.user_id == user_id)
            await s.execute(stmt)

    async def update_class(self, class_name: str, values: dict[str, int]) -> None:
        async with self.db.write() as s:
            for res, limit in values.items():
                row = await s.get(m.QuotaClass, (class_name, res))
                if row is None:
                    s.add(m.QuotaClass(class_name=class_name, resource=res, hard_limit=limit))
                else:
                    row.hard_limit = limit


def _inf(value: int) -> float:
    return float("inf") if value == UNLIMITED else value
