"""Routers (Neutron's `router`, `ext-gw-mode` and `extraroute` extensions): a gateway on an
external network, interfaces on tenant subnets, static routes.

A router's ports are ordinary ports made through N1's `ports.create_port` inside the
caller's transaction; any failure rolls the whole request back, so a refused interface add
leaves no port behind.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import utcnow
from nubo.network import errors
from nubo.network import models as m
from nubo.network.models_l3 import FloatingIP, Router, RouterPort
from nubo.network.service import attrs, ports, quotas

GATEWAY = "network:router_gateway"
INTERFACE = "network:router_interface"
MAX_ROUTES = 30


def bad_router(msg: str) -> errors.BadRequest:
    return errors.BadRequest(resource="router", msg=msg)


def router_not_found(id_: str) -> errors.RouterNotFound:
    return errors.RouterNotFound(id=id_)


async def get_router(session: AsyncSession, ctx: RequestContext, id_: str) -> Router:
    r = await session.get(Router, id_)
    if r is None or not (ctx.is_admin or r.project_id == ctx.project_id):
        raise router_not_found(id_)
    return r


async def list_routers(session: AsyncSession, ctx: RequestContext) -> list[Router]:
    q = select(Router).order_by(Router.created_at, Router.id)
    if not ctx.is_admin:
        q = q.where(Router.project_id == (ctx.project_id or ""))
    return list((await session.execute(q)).scalars())


async def attached(session: AsyncSession, router_id: str) -> list[tuple[RouterPort, m.Port]]:
    rows = await session.execute(select(RouterPort, m.Port).join(
        m.Port, m.Port.id == RouterPort.port_id).where(RouterPort.router_id == router_id)
        .order_by(m.Port.created_at, m.Port.id))
    return [(rp, p) for rp, p in rows]


async def _subnet(session: AsyncSession, subnet_id: str) -> m.Subnet:
    s = await session.get(m.Subnet, subnet_id)
    if s is None:
        raise errors.not_found("Subnet", subnet_id)
    return s


# ------------------------------------------------------------------------------- gateway

def _check_admin_gateway_attrs(ctx: RequestContext, info: dict[str, Any]) -> None:
    for key in ("enable_snat", "external_fixed_ips"):
        if key in info and not ctx.is_admin:
            raise errors.PolicyNotAuthorized(
                action=f"rule:create_router:external_gateway_info:{key}")


async def _gateway_network(session: AsyncSession, info: dict[str, Any]) -> m.Network:
    net = await session.get(m.Network, info["network_id"])
    if net is None:
        raise errors.not_found("Network", info["network_id"])
    if not net.external:
        raise bad_router(f"Network {net.id} is not an external network")
    return net


async def set_gateway(session: AsyncSession, ctx: RequestContext, router: Router,
                      info: dict[str, Any] | None) -> None:
    """Put the router's gateway on `info["network_id"]` (None or {} clears it)."""
    current = await session.get(m.Port, router.gw_port_id) if router.gw_port_id else None
    if not info:
        if current is not None:
            await _drop_gateway(session, router, current)
        return
    _check_admin_gateway_attrs(ctx, info)
    net = await _gateway_network(session, info)
    if "enable_snat" in info:
        router.enable_snat = bool(info["enable_snat"])
    fixed = info.get("external_fixed_ips")
    if current is not None and current.network_id == net.id and fixed is None:
        return
    if current is not None:
        await _drop_gateway(session, router, current)
    await _check_gateway_ips(session, net.id, fixed or [])
    port = await ports.create_port(session, ctx, {
        "network_id": net.id, "project_id": router.project_id, "name": "",
        "admin_state_up": True, "device_id": router.id, "device_owner": GATEWAY,
        "fixed_ips": fixed or None})
    port.project_id = ""    # as Neutron: the gateway port belongs to no project
    port.status = "ACTIVE"
    session.add(RouterPort(router_id=router.id, port_id=port.id, port_type=GATEWAY))
    router.gw_port_id = port.id
    await session.flush()


async def _check_gateway_ips(session: AsyncSession, network_id: str,
                             fixed: list[dict[str, Any]]) -> None:
    subnets = (await session.execute(select(m.Subnet).where(
        m.Subnet.network_id == network_id))).scalars().all()
    for f in fixed:
        if any(s.gateway_ip and f.get("ip_address") == s.gateway_ip for s in subnets):
            raise bad_router(f"External IP {f['ip_address']} is the same as the gateway IP")


async def _drop_gateway(session: AsyncSession, router: Router, port: m.Port) -> None:
    used = (await session.execute(select(func.count()).select_from(FloatingIP).where(
        FloatingIP.router_id == router.id, FloatingIP.fixed_port_id.is_not(None)))).scalar_one()
    if used:
        raise errors.RouterExternalGatewayInUseByFloatingIp(router_id=router.id,
                                                            net_id=port.network_id)
    router.gw_port_id = None
    await session.flush()
    await ports.delete_port(session, port.id)


# ---------------------------------------------------------------------------- lifecycle

async def create_router(session: AsyncSession, ctx: RequestContext,
                        body: dict[str, Any]) -> Router:
    project = body.get("project_id") or body.get("tenant_id") or ctx.project_id or ""
    if project != ctx.project_id and not ctx.is_admin:
        raise errors.ForeignProject()
    await quotas.check(session, project, "router", 1)
    now = utcnow()
    router = Router(id=str(uuid.uuid4()), project_id=project, name=body.get("name") or "",
                    description=body.get("description") or "", status="ACTIVE",
                    admin_state_up=body.get("admin_state_up", True), enable_snat=True,
                    routes=[], created_at=now, updated_at=now, revision_number=0)
    session.add(router)
    await session.flush()
    await set_gateway(session, ctx, router, body.get("external_gateway_info"))
    return router


async def update_router(session: AsyncSession, ctx: RequestContext, router: Router,
                        body: dict[str, Any]) -> Router:
    for key in ("name", "description"):
        if key in body:
            setattr(router, key, body[key] or "")
    if "admin_state_up" in body:
        router.admin_state_up = body["admin_state_up"]
    if "external_gateway_info" in body:
        await set_gateway(session, ctx, router, body["external_gateway_info"])
    if "routes" in body:
        router.routes = await check_routes(session, router, body["routes"] or [])
    attrs.touch(router)
    await session.flush()
    return router


async def delete_router(session: AsyncSession, ctx: RequestContext, router: Router) -> None:
    interfaces = [p.id for rp, p in await attached(session, router.id)
                  if rp.port_type == INTERFACE]
    if interfaces:
        raise errors.RouterInUse(router_id=router.id, ports=", ".join(interfaces))
    if router.gw_port_id:
        port = await session.get(m.Port, router.gw_port_id)
        if port is not None:
            await _drop_gateway(session, router, port)
    await attrs.drop_tags(session, "routers", router.id)
    await session.delete(router)
    await session.flush()


# ------------------------------------------------------------------------------- routes

async def _connected(session: AsyncSession, router_id: str) -> tuple[list[str], set[str]]:
    """The CIDRs of the subnets the router's ports are on, and the router's own addresses."""
    cidrs: list[str] = []
    own: set[str] = set()
    port_ids = [p.id for _, p in await attached(session, router_id)]
    for ips in (await ports.ips_of(session, port_ids)).values():
        for subnet_id, ip in ips:
            cidrs.append((await _subnet(session, subnet_id)).cidr)
            own.add(ip)
    return cidrs, own


def _route_list(routes: Any) -> list[dict[str, str]]:
    out = []
    if not isinstance(routes, list):
        raise errors.invalid_input(f"Invalid data format for hostroute: '{routes}'")
    for r in routes:
        if not isinstance(r, dict) or set(r) != {"destination", "nexthop"}:
            raise errors.invalid_input(f"Invalid data format for hostroute: '{r}'")
        try:
            dest = ipaddress.ip_network(str(r["destination"]), strict=False)
            hop = ipaddress.ip_address(str(r["nexthop"]))
        except ValueError:
            raise errors.invalid_input(f"Invalid data format for hostroute: '{r}'") from None
        item = {"destination": str(dest), "nexthop": str(hop)}
        if item in out:
            raise errors.invalid_input(f"Duplicate hostroute '{r}'")
        out.append(item)
    return out


async def check_routes(session: AsyncSession, router: Router,
                       routes: Any) -> list[dict[str, str]]:
    """Neutron's extraroute checks: every nexthop on a connected subnet and none of the
    router's own addresses; at most MAX_ROUTES."""
    wanted = _route_list(routes)
    if len(wanted) > MAX_ROUTES:
        raise errors.RoutesExhausted(router_id=router.id, quota=MAX_ROUTES)
    cidrs, own = await _connected(session, router.id)
    nets = [ipaddress.ip_network(c, strict=False) for c in cidrs]
    for r in wanted:
        hop = ipaddress.ip_address(r["nexthop"])
        reason = None
        if not any(hop.version == n.version and hop in n for n in nets):
            reason = "the nexthop is not connected with router"
        elif r["nexthop"] in own:
            reason = "the nexthop is used by router"
        if reason:
            raise errors.InvalidRoutes(routes=wanted, reason=reason)
    return wanted


def _route_key(routes: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(r["destination"], r["nexthop"]) for r in routes]


async def add_routes(session: AsyncSession, router: Router, routes: Any) -> Router:
    new = _route_list(routes)
    merged = list(router.routes) + [r for r in new if r not in router.routes]
    router.routes = await check_routes(session, router, merged)
    attrs.touch(router)
    return router


async def remove_routes(session: AsyncSession, router: Router, routes: Any) -> Router:
    gone = set(_route_key(_route_list(routes)))
    router.routes = [r for r in router.routes if (r["destination"], r["nexthop"]) not in gone]
    attrs.touch(router)
    return router


def check_port_deletable(port: m.Port) -> None:
    """Neutron's prevent_l3_port_deletion for DELETE /v2.0/ports/{id}: router and floating IP
    ports go with their router interface, gateway or floating IP, not directly."""
    if port.device_owner in (GATEWAY, INTERFACE, "network:floatingip") and port.device_id:
        raise errors.ServicePortInUse(port_id=port.id, device_owner=port.device_owner)


RouterDetails = tuple[dict[str, m.Port], dict[str, list[tuple[str, str]]], dict[str, list[str]]]


async def details(session: AsyncSession, rows: Sequence[Router]) -> RouterDetails:
    """What a router's view shows besides its row: gateway port (by router), the gateway
    ports' fixed IPs, tags."""
    gw_ids = [r.gw_port_id for r in rows if r.gw_port_id]
    ips = await ports.ips_of(session, gw_ids)
    tags = await attrs.tags_of(session, "routers", [r.id for r in rows])
    gws: dict[str, m.Port] = {}
    for r in rows:
        gw = await session.get(m.Port, r.gw_port_id) if r.gw_port_id else None
        if gw is not None:
            gws[r.id] = gw
    return gws, ips, tags
