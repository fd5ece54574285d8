"""Server groups: affinity, anti-affinity and their soft variants (os-server-groups, 2.1),
and anti-affinity's `max_server_per_host` rule (2.64).

A boot with the scheduler hint `group` joins the group; the scheduler then sees the hosts
the group's other members run on. Boots into one group are scheduled one at a time (a lock
per group in the conductor), so two concurrent anti-affinity boots cannot land together.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from nubo.compute import errors
from nubo.compute.models import Instance
from nubo.compute.models_groups import ServerGroup, ServerGroupMember
from nubo.core.context import RequestContext
from nubo.core.db import Database, utcnow

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")


class GroupService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, ctx: RequestContext, name: str, policies: list[str],
                     rules: dict[str, Any] | None = None) -> ServerGroup:
        if len(policies) != 1 or policies[0] not in POLICIES:
            raise errors.InvalidServerGroupPolicy(policies=policies, allowed=', '.join(POLICIES))
        if rules and policies[0] != "anti-affinity":
            raise errors.RulesOnlyForAntiAffinity()
        async with self.db.write() as s:
            g = ServerGroup(id=str(uuid.uuid4()), name=name, project_id=ctx.project_id or "",
                            user_id=ctx.user_id or "", policy=policies[0],
                            rules=dict(rules) if rules else None, created_at=utcnow())
            s.add(g)
            return g

    async def get(self, ctx: RequestContext, group_id: str) -> ServerGroup:
        async with self.db.read() as s:
            g = await s.get(ServerGroup, group_id)
        if g is None or (not ctx.is_admin and g.project_id != ctx.project_id):
            raise errors.InstanceGroupNotFound(group_uuid=group_id)
        return g

    async def list_groups(self, ctx: RequestContext, all_projects: bool) -> list[ServerGroup]:
        q = select(ServerGroup).order_by(ServerGroup.created_at)
        if not (ctx.is_admin and all_projects):
            q = q.where(ServerGroup.project_id == ctx.project_id)
        async with self.db.read() as s:
            return list((await s.execute(q)).scalars())

    async def delete(self, ctx: RequestContext, group_id: str) -> None:
        g = await self.get(ctx, group_id)
        async with self.db.write() as s:
            for m in (await s.execute(select(ServerGroupMember).where(
                    ServerGroupMember.group_id == g.id))).scalars():
                await s.delete(m)
            row = await s.get(ServerGroup, g.id)
            if row is not None:
                await s.delete(row)

    async def members(self, group_ids: list[str]) -> dict[str, list[str]]:
        """Live members (not deleted instances) of each group."""
        out: dict[str, list[str]] = {g: [] for g in group_ids}
        if not group_ids:
            return out
        async with self.db.read() as s:
            rows = (await s.execute(select(ServerGroupMember.group_id, Instance.id).join(
                Instance, Instance.id == ServerGroupMember.instance_id).where(
                ServerGroupMember.group_id.in_(group_ids), Instance.deleted.is_(False))
            )).all()
        for gid, iid in rows:
            out[gid].append(iid)
        return out

    async def add_members(self, s: Any, group_id: str, instance_ids: list[str]) -> None:
        for iid in instance_ids:
            s.add(ServerGroupMember(group_id=group_id, instance_id=iid))

    async def count(self, project_id: str, user_id: str | None) -> int:
        q = select(func.count(ServerGroup.id)).where(ServerGroup.project_id == project_id)
        if user_id:
            q = q.where(ServerGroup.user_id == user_id)
        async with self.db.read() as s:
            return int((await s.execute(q)).scalar_one())

    async def placement_of(self, group_id: str, exclude: str) -> tuple[str | None, list[str]]:
        """The group's policy and the hosts its other live members are on (one entry per
        member). For anti-affinity, the hosts that have reached the group's
        max_server_per_host (1 without the rule): the ones the scheduler's
        ServerGroupAntiAffinityFilter removes, as Nova's filter counts members per host."""
        async with self.db.read() as s:
            g = await s.get(ServerGroup, group_id)
            if g is None:
                return None, []
            hosts = (await s.execute(select(Instance.host).join(
                ServerGroupMember, ServerGroupMember.instance_id == Instance.id).where(
                ServerGroupMember.group_id == group_id, Instance.id != exclude,
                Instance.deleted.is_(False), Instance.host.is_not(None)))).scalars().all()
        found = [h for h in hosts if h]
        if g.policy == "anti-affinity":
            limit = max_per_host(g)
            return g.policy, sorted({h for h in found if found.count(h) >= limit})
        return g.policy, found


def max_per_host(g: ServerGroup) -> int:
    """Anti-affinity's members allowed on one host (the 2.64 rule; 1 by default)."""
    return int((g.rules or {}).get("max_server_per_host") or 1)


def rules_view(g: ServerGroup) -> dict[str, Any]:
    """The 2.64 `rules` as Nova shows them (the number as an integer)."""
    if g.rules and "max_server_per_host" in g.rules:
        return {"max_server_per_host": int(g.rules["max_server_per_host"])}
    return {}
