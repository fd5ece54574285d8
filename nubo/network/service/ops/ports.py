"""Ports: the transactions of /v2.0/ports (network/service/ports.py does the work)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.errors import PolicyNotAuthorized
from nubo.network import models as m
from nubo.network.service import attrs, ports, routers
from nubo.network.service.ops import Enforce
from nubo.network.service.visibility import check_network_ownership, check_project, get_network

#: the policy check of one port change: (verb, attributes, port's project, its network)
EnforcePort = Callable[[str, dict[str, Any], str, m.Network], None]


class Shown(NamedTuple):
    port: m.Port
    ips: list[tuple[str, str]]
    groups: list[str]
    tags: list[str]


async def detailed(s: AsyncSession, rows: Sequence[m.Port]) -> list[Shown]:
    ips, groups, tags = await ports.details(s, rows)
    return [Shown(p, ips[p.id], groups[p.id], tags[p.id]) for p in rows]


async def create(db: Database, ctx: RequestContext, items: Sequence[dict[str, Any]],
                 enforce_port: EnforcePort, enforce: Enforce, *,
                 status_from_agent: bool) -> list[Shown]:
    """`status_from_agent`: whether a bound port stays DOWN until its host's dataplane
    reports it up (ports.create_port)."""
    made = []
    async with db.write() as s:
        for a in items:
            project = check_project(ctx, a)
            net = await get_network(s, ctx, a["network_id"])
            check_network_ownership(ctx, net, project, "port")
            enforce_port("create", a, project, net)
            if project != ctx.project_id:
                enforce("admin_only", {})
            await ports.check_device(s, ctx, str(a.get("device_owner") or ""),
                                     str(a.get("device_id") or ""), project)
            made.append(await ports.create_port(s, ctx, a,
                                                status_from_agent=status_from_agent))
        return await detailed(s, made)


async def list_(db: Database, ctx: RequestContext) -> list[Shown]:
    async with db.read() as s:
        return await detailed(s, await ports.list_ports(s, ctx))


async def show(db: Database, ctx: RequestContext, port_id: str) -> Shown:
    async with db.read() as s:
        return (await detailed(s, [await ports.get_port(s, ctx, port_id)]))[0]


async def update(db: Database, ctx: RequestContext, port_id: str, a: dict[str, Any],
                 if_match: str | None, enforce_port: EnforcePort, *,
                 status_from_agent: bool) -> Shown:
    async with db.write() as s:
        p = await ports.get_port(s, ctx, port_id)
        enforce_port("update", a, p.project_id, await ports.network_of(s, p))
        attrs.check_revision(if_match, p)
        if "device_owner" in a or "device_id" in a:
            await ports.check_device(s, ctx, str(a.get("device_owner", p.device_owner) or ""),
                                     str(a.get("device_id", p.device_id) or ""), p.project_id)
        await ports.update_port(s, ctx, p, a, status_from_agent=status_from_agent)
        return (await detailed(s, [p]))[0]


async def delete(db: Database, ctx: RequestContext, port_id: str, if_match: str | None,
                 enforce_port: EnforcePort) -> None:
    async with db.write() as s:
        p = await ports.get_port(s, ctx, port_id)
        enforce_port("delete", {}, p.project_id, await ports.network_of(s, p))
        attrs.check_revision(if_match, p)
        routers.check_port_deletable(p)
        await ports.delete_port(s, p.id)


async def access(session: AsyncSession, ctx: RequestContext, rid: str, write: bool) -> None:
    """Who may see and tag a port (attrs.TAGGABLE)."""
    p = await ports.get_port(session, ctx, rid)
    if write and not (ctx.is_admin or p.project_id == ctx.project_id):
        raise PolicyNotAuthorized("update_port")
