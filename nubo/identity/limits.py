"""Unified limits (Keystone's keystone/limit): registered limits (a service's default for a
resource, per region) and limits (a project's or a domain's own value), validated by the
configured enforcement model; and, for the other services in this process, the limits in
force for a project (what oslo.limit asks Keystone for).

Models (Keystone's keystone/limit/models):
- flat: limits do not depend on each other.
- strict_two_level: a domain's limit is the ceiling of its projects' limits: a project
  limit may not exceed its parent's (domain) limit, a domain limit may not fall below a
  limit of any project in it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.service import IdentityService, new_id

MODELS = {
    "flat": "Limit enforcement and validation does not take project hierarchy into "
            "consideration.",
    "strict_two_level": "This model requires project hierarchy never exceeds a depth of two",
}


def _invalid(attribute: str, target: str) -> errors.ValidationError:
    """Keystone's ValidationError for a reference to something that does not exist."""
    return errors.ValidationError(attribute=attribute, target=target)


_REGISTERED = ("service_id", "region_id", "resource_name", "default_limit", "description")


def _set(obj: Any, data: dict[str, Any], keys: tuple[str, ...]) -> None:
    for k in keys:
        if k in data:
            setattr(obj, k, data[k])


def _duplicate(kind: str) -> errors.Conflict:
    return errors.Conflict(type=kind, details="Duplicate entry")


class UnifiedLimits:
    def __init__(self, identity: IdentityService, model: str = "flat") -> None:
        self.identity = identity
        self.db = identity.db
        self.model = model

    def model_info(self) -> dict[str, str]:
        return {"name": self.model, "description": MODELS[self.model]}

    async def _check_refs(self, s: AsyncSession, data: dict[str, Any], target: str) -> None:
        """Keystone's _assert_resource_exist; a project that is a domain becomes domain_id."""
        if data.get("service_id") is not None and await s.get(
                m.Service, data["service_id"]) is None:
            raise _invalid("service_id", target)
        if data.get("region_id") is not None and await s.get(
                m.Region, data["region_id"]) is None:
            raise _invalid("region_id", target)
        if data.get("project_id") is not None:
            if await s.get(m.Project, data["project_id"]) is None:
                if await s.get(m.Domain, data["project_id"]) is None:
                    raise _invalid("project_id", target)
                data["domain_id"] = data.pop("project_id")
        if data.get("domain_id") is not None and await s.get(
                m.Domain, data["domain_id"]) is None:
            raise _invalid("domain_id", target)

    # ------------------------------------------------------------------ registered limits

    async def _registered_dup(self, s: AsyncSession, service_id: str, region_id: str | None,
                              resource_name: str, but: str | None = None) -> bool:
        q = select(m.RegisteredLimit.id).where(
            m.RegisteredLimit.service_id == service_id,
            m.RegisteredLimit.resource_name == resource_name,
            m.RegisteredLimit.region_id.is_(None) if region_id is None
            else m.RegisteredLimit.region_id == region_id)
        return any(i != but for i in (await s.execute(q)).scalars())

    async def create_registered(self, items: list[dict[str, Any]]) -> list[m.RegisteredLimit]:
        out: list[m.RegisteredLimit] = []
        async with self.identity._write() as s:
            for data in items:
                data = dict(data)
                await self._check_refs(s, data, "registered_limit")
                if await self._registered_dup(s, data["service_id"], data.get("region_id"),
                                              data["resource_name"]):
                    raise _duplicate("registered_limit")
                rl = m.RegisteredLimit(id=new_id())
                _set(rl, data, _REGISTERED)
                s.add(rl)
                await s.flush()
                out.append(rl)
        return out

    async def list_registered(self, filters: dict[str, Any]) -> list[m.RegisteredLimit]:
        return await self.identity._list(m.RegisteredLimit, filters)

    async def get_registered(self, rid: str) -> m.RegisteredLimit:
        async with self.db.read() as s:
            return await self._registered(s, rid)

    async def _registered(self, s: AsyncSession, rid: str) -> m.RegisteredLimit:
        rl = await s.get(m.RegisteredLimit, rid)
        if rl is None:
            raise errors.RegisteredLimitNotFound(id=rid)
        return rl

    async def _referenced(self, s: AsyncSession, rid: str) -> None:
        if (await s.execute(select(m.Limit.id).where(
                m.Limit.registered_limit_id == rid))).scalars().first():
            raise errors.RegisteredLimitError(id=rid)

    async def update_registered(self, rid: str, data: dict[str, Any]) -> m.RegisteredLimit:
        async with self.identity._write() as s:
            rl = await self._registered(s, rid)
            await self._referenced(s, rid)
            data = dict(data)
            await self._check_refs(s, data, "registered_limit")
            merged = {"service_id": rl.service_id, "region_id": rl.region_id,
                      "resource_name": rl.resource_name} | {
                k: data[k] for k in ("service_id", "region_id", "resource_name") if k in data}
            if await self._registered_dup(s, merged["service_id"], merged["region_id"],
                                          merged["resource_name"], but=rid):
                raise _duplicate("registered_limit")
            _set(rl, data, _REGISTERED)
            return rl

    async def delete_registered(self, rid: str) -> None:
        async with self.identity._write() as s:
            rl = await self._registered(s, rid)
            await self._referenced(s, rid)
            await s.delete(rl)

    # ------------------------------------------------------------------ limits

    async def _registered_for(self, s: AsyncSession, data: dict[str, Any]
                              ) -> m.RegisteredLimit:
        q = select(m.RegisteredLimit).where(
            m.RegisteredLimit.service_id == data["service_id"],
            m.RegisteredLimit.resource_name == data["resource_name"],
            m.RegisteredLimit.region_id.is_(None) if data.get("region_id") is None
            else m.RegisteredLimit.region_id == data["region_id"])
        rl = (await s.execute(q)).scalars().first()
        if rl is None:
            raise errors.NoLimitReference()
        return rl

    async def create_limits(self, items: list[dict[str, Any]]) -> list[m.Limit]:
        out: list[m.Limit] = []
        async with self.identity._write() as s:
            todo = []
            for data in items:
                data = dict(data)
                await self._check_refs(s, data, "limit")
                todo.append(data)
            if self.model == "strict_two_level":
                await self._check_strict(s, todo)
            for data in todo:
                rl = await self._registered_for(s, data)
                owner = (m.Limit.project_id == data["project_id"] if data.get("project_id")
                         else m.Limit.domain_id == data["domain_id"])
                if (await s.execute(select(m.Limit.id).where(
                        m.Limit.registered_limit_id == rl.id, owner))).scalars().first():
                    raise _duplicate("limit")
                lim = m.Limit(id=new_id(), project_id=data.get("project_id"),
                              domain_id=data.get("domain_id"), registered_limit_id=rl.id,
                              service_id=rl.service_id, region_id=rl.region_id,
                              resource_name=rl.resource_name,
                              resource_limit=data["resource_limit"],
                              description=data.get("description"))
                s.add(lim)
                await s.flush()
                out.append(lim)
        return out

    async def list_limits(self, filters: dict[str, Any],
                          project_ids: set[str] | None = None) -> list[m.Limit]:
        """Limits matching `filters`; with `project_ids`, only those of these projects."""
        found = await self.identity._list(m.Limit, filters)
        if project_ids is None:
            return found
        return [x for x in found if x.project_id in project_ids]

    async def get_limit(self, lid: str) -> m.Limit:
        async with self.db.read() as s:
            return await self._limit(s, lid)

    async def _limit(self, s: AsyncSession, lid: str) -> m.Limit:
        lim = await s.get(m.Limit, lid)
        if lim is None:
            raise errors.LimitNotFound(id=lid)
        return lim

    async def update_limit(self, lid: str, data: dict[str, Any]) -> m.Limit:
        async with self.identity._write() as s:
            lim = await self._limit(s, lid)
            if self.model == "strict_two_level" and "resource_limit" in data:
                await self._check_strict(s, [{
                    "project_id": lim.project_id, "domain_id": lim.domain_id,
                    "service_id": lim.service_id, "region_id": lim.region_id,
                    "resource_name": lim.resource_name,
                    "resource_limit": data["resource_limit"]}])
            _set(lim, data, ("resource_limit", "description"))
            return lim

    async def delete_limit(self, lid: str) -> None:
        async with self.identity._write() as s:
            await s.delete(await self._limit(s, lid))

    # ------------------------------------------------------------------ strict_two_level

    async def _value(self, s: AsyncSession, data: dict[str, Any], *, project_id: str | None
                     = None, domain_id: str | None = None) -> int | None:
        """Keystone's _get_specified_limit_value: the project's or domain's own limit; for a
        domain without one, the registered default."""
        same = (m.Limit.service_id == data["service_id"],
                m.Limit.resource_name == data["resource_name"],
                m.Limit.region_id.is_(None) if data.get("region_id") is None
                else m.Limit.region_id == data["region_id"])
        owner = (m.Limit.project_id == project_id if project_id
                 else m.Limit.domain_id == domain_id)
        found = (await s.execute(select(m.Limit.resource_limit).where(owner, *same))
                 ).scalars().first()
        if found is None and domain_id:
            rl = (await s.execute(select(m.RegisteredLimit).where(
                m.RegisteredLimit.service_id == data["service_id"],
                m.RegisteredLimit.resource_name == data["resource_name"],
                m.RegisteredLimit.region_id.is_(None) if data.get("region_id") is None
                else m.RegisteredLimit.region_id == data["region_id"]))).scalars().first()
            return rl.default_limit if rl else None
        return found

    async def _check_strict(self, s: AsyncSession, items: list[dict[str, Any]]) -> None:
        """Keystone's StrictTwoLevelModel.check_limit: a project limit is not above its
        parent's (a domain's: its own limit or the registered default), a domain limit not
        below any of its projects' limits; a parent's limit in the same request counts."""
        for data in items:
            value = data["resource_limit"]
            try:
                if data.get("project_id"):
                    proj = await s.get(m.Project, data["project_id"])
                    parent = (proj.parent_id or proj.domain_id) if proj else None
                    given = [x for x in items if x.get("domain_id") == parent and all(
                        x.get(k) == data.get(k)
                        for k in ("service_id", "region_id", "resource_name"))]
                    if given:
                        if value > given[0]["resource_limit"]:
                            raise ValueError
                        continue
                    ceiling = await self._value(s, data, domain_id=parent)
                    if ceiling and value > ceiling:
                        raise ValueError
                else:
                    projects = (await s.execute(select(m.Project.id).where(
                        m.Project.domain_id == data["domain_id"]))).scalars().all()
                    for pid in projects:
                        child = await self._value(s, data, project_id=pid)
                        if child and value < child:
                            raise ValueError
            except ValueError:
                level = "project_id" if data.get("project_id") else "domain_id"
                raise errors.InvalidLimit(
                    level=level, target_id=data.get("project_id") or data.get("domain_id"),
                    resource_name=data["resource_name"], resource_limit=value,
                    service_id=data["service_id"], region_id=data.get("region_id")) from None

    # ------------------------------------------------------------------ for other services

    async def project_limits(self, service_type: str, project_id: str | None,
                             region_id: str | None = None) -> dict[str, int]:
        """The limits in force for a project, by resource name, for the service of type
        `service_type` (oslo.limit's view): the project's own limit where set, else the
        registered default. A limit for `region_id` wins over one for no region. Resources
        with neither are absent. `project_id` None: the registered defaults only."""
        async with self.db.read() as s:
            svc_ids = list((await s.execute(select(m.Service.id).where(
                m.Service.type == service_type))).scalars())
            if not svc_ids:
                return {}
            regs = (await s.execute(select(m.RegisteredLimit).where(
                m.RegisteredLimit.service_id.in_(svc_ids)))).scalars().all()
            own = [] if project_id is None else (await s.execute(select(m.Limit).where(
                m.Limit.service_id.in_(svc_ids), m.Limit.project_id == project_id))
                   ).scalars().all()
        out: dict[str, int] = {}
        for rows, attr in ((regs, "default_limit"), (own, "resource_limit")):
            for want in (None, region_id):
                for r in rows:
                    if r.region_id == want:
                        out[r.resource_name] = getattr(r, attr)
        return out
