"""Networks: the transactions of /v2.0/networks (network/service/networks.py does the work)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.errors import PolicyNotAuthorized
from nubo.network import models as m
from nubo.network.service import attrs, networks
from nubo.network.service.ops import Enforce
from nubo.network.service.visibility import get_network


class Shown(NamedTuple):
    """A network with what its view shows."""
    net: m.Network
    segment: m.NetworkSegment | None
    subnets: list[str]
    tags: list[str]
    scopes: dict[int, str | None]


async def detailed(s: AsyncSession, nets: Sequence[m.Network]) -> list[Shown]:
    segs, subnets, tags, scopes = await networks.details(s, nets)
    return [Shown(n, segs.get(n.id), subnets[n.id], tags[n.id], scopes[n.id]) for n in nets]


async def create(db: Database, ctx: RequestContext, items: Sequence[dict[str, Any]],
                 vni: tuple[int, int]) -> list[Shown]:
    async with db.write() as s:
        made = [await networks.create_network(s, ctx, a, vni) for a in items]
        return await detailed(s, made)


async def list_(db: Database, ctx: RequestContext) -> list[Shown]:
    async with db.read() as s:
        return await detailed(s, await networks.list_networks(s, ctx))


async def show(db: Database, ctx: RequestContext, network_id: str) -> Shown:
    async with db.read() as s:
        return (await detailed(s, [await get_network(s, ctx, network_id)]))[0]


async def update(db: Database, ctx: RequestContext, network_id: str, a: dict[str, Any],
                 if_match: str | None, enforce: Callable[[dict[str, Any]], None]) -> Shown:
    """`enforce(target)` checks the caller may make change `a` to the network `target`
    describes (its project_id, shared and router:external)."""
    async with db.write() as s:
        n = await get_network(s, ctx, network_id)
        enforce({"project_id": n.project_id, "shared": n.shared, "router:external": n.external})
        attrs.check_revision(if_match, n)
        await networks.update_network(s, n, a)
        return (await detailed(s, [n]))[0]


async def delete(db: Database, ctx: RequestContext, network_id: str, if_match: str | None,
                 enforce: Enforce) -> None:
    async with db.write() as s:
        n = await get_network(s, ctx, network_id)
        enforce("delete_network", {"project_id": n.project_id})
        attrs.check_revision(if_match, n)
        await networks.delete(s, n)


async def access(session: AsyncSession, ctx: RequestContext, rid: str, write: bool) -> None:
    """Who may see and tag a network (attrs.TAGGABLE)."""
    n = await get_network(session, ctx, rid)
    if write and not (ctx.is_admin or n.project_id == ctx.project_id):
        raise PolicyNotAuthorized("update_network")
