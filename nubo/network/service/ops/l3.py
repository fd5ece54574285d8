"""Routers, floating IPs and their port forwardings: the transactions of /v2.0/routers and
/v2.0/floatingips (routers.py, router_interfaces.py, floatingips.py and
port_forwardings.py beside this package do the work)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.network import models as m
from nubo.network.models_l3 import FloatingIP, Router
from nubo.network.models_pf import PortForwarding
from nubo.network.service import attrs, floatingips, router_interfaces, routers
from nubo.network.service import port_forwardings as pfs


class ShownRouter(NamedTuple):
    router: Router
    gw_port: m.Port | None
    gw_ips: list[tuple[str, str]]
    tags: list[str]


class ShownFip(NamedTuple):
    fip: FloatingIP
    port: m.Port | None
    port_ips: list[tuple[str, str]]
    tags: list[str]
    forwardings: list[dict[str, Any]]


# ------------------------------------------------------------------------------- routers

async def detailed_routers(s: AsyncSession, rows: Sequence[Router]) -> list[ShownRouter]:
    gws, ips, tags = await routers.details(s, rows)
    return [ShownRouter(r, gws.get(r.id), ips.get(r.gw_port_id or "", []), tags[r.id])
            for r in rows]


async def list_routers(db: Database, ctx: RequestContext) -> list[ShownRouter]:
    async with db.read() as s:
        return await detailed_routers(s, await routers.list_routers(s, ctx))


async def create_router(db: Database, ctx: RequestContext, a: dict[str, Any]) -> ShownRouter:
    async with db.write() as s:
        r = await routers.create_router(s, ctx, a)
        if a.get("routes"):
            r.routes = await routers.check_routes(s, r, a["routes"])
        if a.get("tags"):
            await attrs.set_tags(s, "routers", r.id, a["tags"])
        return (await detailed_routers(s, [r]))[0]


async def show_router(db: Database, ctx: RequestContext, id_: str) -> ShownRouter:
    async with db.read() as s:
        return (await detailed_routers(s, [await routers.get_router(s, ctx, id_)]))[0]


async def update_router(db: Database, ctx: RequestContext, id_: str, a: dict[str, Any],
                        if_match: str | None) -> ShownRouter:
    async with db.write() as s:
        r = await routers.get_router(s, ctx, id_)
        attrs.check_revision(if_match, r)
        r = await routers.update_router(s, ctx, r, a)
        return (await detailed_routers(s, [r]))[0]


async def delete_router(db: Database, ctx: RequestContext, id_: str,
                        if_match: str | None) -> None:
    async with db.write() as s:
        r = await routers.get_router(s, ctx, id_)
        attrs.check_revision(if_match, r)
        await routers.delete_router(s, ctx, r)


async def router_interface(db: Database, ctx: RequestContext, id_: str, info: Any,
                           add: bool) -> dict[str, Any]:
    """add/remove_router_interface: Neutron's reply document (the router, the port, the
    subnets)."""
    async with db.write() as s:
        r = await routers.get_router(s, ctx, id_)
        if add:
            return await router_interfaces.add(s, ctx, r, info)
        return await router_interfaces.remove(s, ctx, r, info)


async def extraroutes(db: Database, ctx: RequestContext, id_: str, routes: Any,
                      add: bool) -> ShownRouter:
    async with db.write() as s:
        r = await routers.get_router(s, ctx, id_)
        if add:
            await routers.add_routes(s, r, routes)
        else:
            await routers.remove_routes(s, r, routes)
        return (await detailed_routers(s, [r]))[0]


# --------------------------------------------------------------------------- floating IPs

async def detailed_fips(s: AsyncSession, rows: Sequence[FloatingIP]) -> list[ShownFip]:
    fixed, ips, tags, forwards = await pfs.fip_details(s, rows)
    return [ShownFip(f, fixed.get(f.id), ips.get(f.fixed_port_id or "", []), tags[f.id],
                     [pfs.fip_view(p) for p in forwards[f.id]]) for f in rows]


async def list_fips(db: Database, ctx: RequestContext) -> list[ShownFip]:
    async with db.read() as s:
        return await detailed_fips(s, await floatingips.list_fips(s, ctx))


async def create_fip(db: Database, ctx: RequestContext, a: dict[str, Any]) -> ShownFip:
    async with db.write() as s:
        f = await floatingips.create_fip(s, ctx, a)
        if a.get("tags"):
            await attrs.set_tags(s, "floatingips", f.id, a["tags"])
        return (await detailed_fips(s, [f]))[0]


async def show_fip(db: Database, ctx: RequestContext, id_: str) -> ShownFip:
    async with db.read() as s:
        return (await detailed_fips(s, [await floatingips.get_fip(s, ctx, id_)]))[0]


async def update_fip(db: Database, ctx: RequestContext, id_: str, a: dict[str, Any],
                     if_match: str | None) -> ShownFip:
    async with db.write() as s:
        f = await floatingips.get_fip(s, ctx, id_)
        attrs.check_revision(if_match, f)
        f = await floatingips.update_fip(s, ctx, f, a)
        return (await detailed_fips(s, [f]))[0]


async def delete_fip(db: Database, ctx: RequestContext, id_: str, if_match: str | None) -> None:
    async with db.write() as s:
        f = await floatingips.get_fip(s, ctx, id_)
        attrs.check_revision(if_match, f)
        await floatingips.delete_fip(s, f)


# ----------------------------------------------------------------------- port forwardings

async def list_pfs(db: Database, ctx: RequestContext, fip_id: str) -> list[PortForwarding]:
    async with db.read() as s:
        fip = await floatingips.get_fip(s, ctx, fip_id)
        return (await pfs.of_fips(s, [fip.id]))[fip.id]


async def create_pf(db: Database, ctx: RequestContext, fip_id: str, a: dict[str, Any]
                    ) -> PortForwarding:
    async with db.write() as s:
        fip = await floatingips.get_fip(s, ctx, fip_id)
        return await pfs.create(s, ctx, fip, a)


async def show_pf(db: Database, ctx: RequestContext, fip_id: str, pf_id: str
                  ) -> PortForwarding:
    async with db.read() as s:
        fip = await floatingips.get_fip(s, ctx, fip_id)
        return await pfs.get_pf(s, fip, pf_id)


async def update_pf(db: Database, ctx: RequestContext, fip_id: str, pf_id: str,
                    a: dict[str, Any]) -> PortForwarding:
    async with db.write() as s:
        fip = await floatingips.get_fip(s, ctx, fip_id)
        pf = await pfs.get_pf(s, fip, pf_id)
        return await pfs.update(s, ctx, fip, pf, a)


async def delete_pf(db: Database, ctx: RequestContext, fip_id: str, pf_id: str) -> None:
    async with db.write() as s:
        fip = await floatingips.get_fip(s, ctx, fip_id)
        await pfs.delete(s, fip, await pfs.get_pf(s, fip, pf_id))


# ------------------------------------------------------------------------------ tagging

async def access_router(s: AsyncSession, ctx: RequestContext, id_: str, write: bool) -> None:
    await routers.get_router(s, ctx, id_)


async def access_fip(s: AsyncSession, ctx: RequestContext, id_: str, write: bool) -> None:
    await floatingips.get_fip(s, ctx, id_)
