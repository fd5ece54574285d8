"""add_router_interface / remove_router_interface, by subnet (a new port on the subnet's
gateway IP) or by an existing unbound port, with Neutron's checks and messages."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.network import errors
from nubo.network import models as m
from nubo.network.models_l3 import FloatingIP, Router, RouterPort
from nubo.network.service import attrs, ports
from nubo.network.service.routers import GATEWAY, INTERFACE, attached, bad_router


def _info(body: Any, removal: bool) -> tuple[str | None, str | None]:
    if not isinstance(body, dict) or not ("port_id" in body or "subnet_id" in body):
        raise bad_router("Either subnet_id or port_id must be specified")
    for key in ("port_id", "subnet_id"):
        if key in body and not _is_uuid(body[key]):
            raise bad_router(f"'{body[key]}' is not a valid UUID")
    if not removal and "port_id" in body and "subnet_id" in body:
        raise bad_router("Cannot specify both subnet-id and port-id")
    return body.get("port_id"), body.get("subnet_id")


def _is_uuid(v: Any) -> bool:
    import uuid
    try:
        uuid.UUID(str(v))
    except ValueError:
        return False
    return True


async def _router_subnets(session: AsyncSession, router: Router) -> list[m.Subnet]:
    """Subnets the router is on: its interfaces' and every subnet of its gateway network."""
    out: list[m.Subnet] = []
    pairs = await attached(session, router.id)
    ips = await ports.ips_of(session, [p.id for _, p in pairs])
    for rp, p in pairs:
        if rp.port_type == GATEWAY:
            out += (await session.execute(select(m.Subnet).where(
                m.Subnet.network_id == p.network_id))).scalars().all()
        else:
            for sid, _ in ips[p.id]:
                sub = await session.get(m.Subnet, sid)
                if sub is not None:
                    out.append(sub)
    return out


async def _check_new_subnets(session: AsyncSession, router: Router,
                             new: list[m.Subnet]) -> None:
    pairs = await attached(session, router.id)
    ips = await ports.ips_of(session, [p.id for _, p in pairs])
    for _rp, p in pairs:
        for sid, _ in ips[p.id]:
            if sid in {s.id for s in new}:
                raise bad_router(f"Router already has a port on subnet {sid}")
    for old in await _router_subnets(session, router):
        for s in new:
            a = ipaddress.ip_network(old.cidr, strict=False)
            b = ipaddress.ip_network(s.cidr, strict=False)
            if a.version == b.version and a.overlaps(b):
                raise bad_router(f"Cidr {s.cidr} of subnet {s.id} overlaps with cidr "
                                 f"{old.cidr} of subnet {old.id}")


def _result(router: Router, port: m.Port, subnet_ids: list[str]) -> dict[str, Any]:
    return {"id": router.id, "tenant_id": port.project_id, "project_id": port.project_id,
            "port_id": port.id, "network_id": port.network_id,
            "subnet_id": subnet_ids[0] if subnet_ids else None, "subnet_ids": subnet_ids}


async def add(session: AsyncSession, ctx: RequestContext, router: Router,
              body: Any) -> dict[str, Any]:
    port_id, subnet_id = _info(body, removal=False)
    if port_id:
        port, subnet_ids = await _by_port(session, ctx, router, port_id)
    else:
        port, subnet_ids = await _by_subnet(session, ctx, router, subnet_id or "")
    session.add(RouterPort(router_id=router.id, port_id=port.id, port_type=INTERFACE))
    attrs.touch(router)
    await session.flush()
    return _result(router, port, subnet_ids)


async def _by_subnet(session: AsyncSession, ctx: RequestContext, router: Router,
                     subnet_id: str) -> tuple[m.Port, list[str]]:
    subnet = await session.get(m.Subnet, subnet_id)
    net = await session.get(m.Network, subnet.network_id) if subnet is not None else None
    if subnet is None or net is None or not (
            ctx.is_admin or subnet.project_id == ctx.project_id or net.shared):
        raise errors.not_found("Subnet", subnet_id)
    if not subnet.gateway_ip:
        raise bad_router("Subnet for router interface must have a gateway IP")
    if subnet.project_id != ctx.project_id and not ctx.is_admin:
        raise bad_router(f"Cannot add interface to router because subnet {subnet_id} is not "
                         "owned by project making the request")
    await _check_new_subnets(session, router, [subnet])
    port = await ports.create_port(session, ctx, {
        "network_id": subnet.network_id, "project_id": router.project_id, "name": "",
        "admin_state_up": True, "device_id": router.id, "device_owner": INTERFACE,
        "fixed_ips": [{"subnet_id": subnet.id, "ip_address": subnet.gateway_ip}]})
    port.status = "ACTIVE"
    return port, [subnet.id]


async def _by_port(session: AsyncSession, ctx: RequestContext, router: Router,
                   port_id: str) -> tuple[m.Port, list[str]]:
    port = await session.get(m.Port, port_id)
    if port is None or not (ctx.is_admin or port.project_id == ctx.project_id):
        raise errors.not_found("Port", port_id)
    if port.device_id:
        raise errors.PortInUse(port_id=port.id, net_id=port.network_id,
                               device_id=port.device_id)
    ips = (await ports.ips_of(session, [port.id]))[port.id]
    if not ips:
        raise bad_router("Router port must have at least one fixed IP")
    subnets = [s for s in [await session.get(m.Subnet, sid) for sid, _ in ips] if s]
    if len([s for s in subnets if s.ip_version == 4]) > 1:
        raise bad_router("Cannot have multiple IPv4 subnets on router port")
    await _check_new_subnets(session, router, subnets)
    port.device_id, port.device_owner, port.status = router.id, INTERFACE, "ACTIVE"
    attrs.touch(port)
    return port, [s.id for s in subnets]


async def _check_not_in_use(session: AsyncSession, router: Router, subnet: m.Subnet) -> None:
    net = ipaddress.ip_network(subnet.cidr, strict=False)
    fips = (await session.execute(select(FloatingIP).where(
        FloatingIP.router_id == router.id, FloatingIP.fixed_port_id.is_not(None)))).scalars()
    for f in fips:
        if f.fixed_ip_address and ipaddress.ip_address(f.fixed_ip_address) in net:
            raise errors.RouterInterfaceInUseByFloatingIP(subnet_id=subnet.id,
                                                          router_id=router.id)
    for r in router.routes:
        hop = ipaddress.ip_address(r["nexthop"])
        if hop.version == net.version and hop in net:
            raise errors.RouterInterfaceInUseByRoute(subnet_id=subnet.id, router_id=router.id)


async def remove(session: AsyncSession, ctx: RequestContext, router: Router,
                 body: Any) -> dict[str, Any]:
    port_id, subnet_id = _info(body, removal=True)
    pairs = [(rp, p) for rp, p in await attached(session, router.id)
             if rp.port_type == INTERFACE]
    ips = await ports.ips_of(session, [p.id for _, p in pairs])
    if port_id:
        found = next((p for _, p in pairs if p.id == port_id), None)
        if found is None:
            raise errors.RouterInterfaceNotFound(router_id=router.id, port_id=port_id)
        subnet_ids = [sid for sid, _ in ips[found.id]]
        if subnet_id and subnet_id not in subnet_ids:
            raise errors.SubnetMismatchForPort(subnet_id=subnet_id, port_id=port_id)
    else:
        found = next((p for _, p in pairs if subnet_id in {s for s, _ in ips[p.id]}), None)
        if found is None:
            raise errors.RouterInterfaceNotFoundForSubnet(router_id=router.id,
                                                          subnet_id=subnet_id)
        subnet_ids = [sid for sid, _ in ips[found.id]]
    for sid in subnet_ids:
        sub = await session.get(m.Subnet, sid)
        if sub is not None:
            await _check_not_in_use(session, router, sub)
    out = _result(router, found, subnet_ids)
    await ports.delete_port(session, found.id)
    attrs.touch(router)
    await session.flush()
    return out


async def devstack_router1(session: AsyncSession, ctx: RequestContext, public: m.Network,
                           private_subnet: m.Subnet) -> Router:
    """DevStack's `router1` for the project of `ctx`: gateway on `public`, an interface on
    `private_subnet` (network bootstrap, inside its transaction)."""
    from nubo.network.service import routers

    router = await routers.create_router(session, ctx, {
        "name": "router1", "external_gateway_info": {"network_id": public.id}})
    await add(session, ctx, router, {"subnet_id": private_subnet.id})
    return router
