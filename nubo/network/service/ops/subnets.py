"""Subnets: the transactions of /v2.0/subnets (network/service/subnets.py does the work)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.errors import PolicyNotAuthorized
from nubo.network import models as m
from nubo.network.service import attrs, subnets
from nubo.network.service.ops import Enforce
from nubo.network.service.subnets import get_subnet
from nubo.network.service.visibility import check_network_ownership, check_project, get_network


class Shown(NamedTuple):
    sub: m.Subnet
    tags: list[str]


async def detailed(s: AsyncSession, subs: Sequence[m.Subnet]) -> list[Shown]:
    tags = await attrs.tags_of(s, "subnets", [x.id for x in subs])
    return [Shown(x, tags[x.id]) for x in subs]


def _target(net: m.Network) -> dict[str, Any]:
    return {"project_id": net.project_id, "network:project_id": net.project_id}


async def create(db: Database, ctx: RequestContext, items: Sequence[dict[str, Any]],
                 enforce: Enforce) -> list[Shown]:
    made = []
    async with db.write() as s:
        for a in items:
            project = check_project(ctx, a)
            net = await get_network(s, ctx, a["network_id"])
            check_network_ownership(ctx, net, project, "subnet")
            enforce("create_subnet", _target(net))
            if project != ctx.project_id:
                enforce("admin_only", {})
            made.append(await subnets.create_subnet(s, ctx, a))
            attrs.touch(net)
        return await detailed(s, made)


async def list_(db: Database, ctx: RequestContext) -> list[Shown]:
    async with db.read() as s:
        return await detailed(s, await subnets.list_subnets(s, ctx))


async def show(db: Database, ctx: RequestContext, subnet_id: str) -> Shown:
    async with db.read() as s:
        return (await detailed(s, [await get_subnet(s, ctx, subnet_id)]))[0]


async def update(db: Database, ctx: RequestContext, subnet_id: str, a: dict[str, Any],
                 if_match: str | None, enforce: Enforce) -> Shown:
    async with db.write() as s:
        sub = await get_subnet(s, ctx, subnet_id)
        enforce("update_subnet", _target(await subnets.network_of(s, sub)))
        attrs.check_revision(if_match, sub)
        await subnets.update_subnet(s, ctx, sub, a)
        return (await detailed(s, [sub]))[0]


async def delete(db: Database, ctx: RequestContext, subnet_id: str, if_match: str | None,
                 enforce: Enforce) -> None:
    async with db.write() as s:
        sub = await get_subnet(s, ctx, subnet_id)
        enforce("delete_subnet", _target(await subnets.network_of(s, sub)))
        attrs.check_revision(if_match, sub)
        await subnets.delete_subnet(s, sub)


async def access(session: AsyncSession, ctx: RequestContext, rid: str, write: bool) -> None:
    """Who may see and tag a subnet (attrs.TAGGABLE)."""
    sub = await get_subnet(session, ctx, rid)
    if write and not (ctx.is_admin or sub.project_id == ctx.project_id):
        raise PolicyNotAuthorized("update_subnet")
