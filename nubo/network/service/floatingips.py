"""Floating IPs: an address of an external network (held by a port with device_owner
network:floatingip), optionally associated with a fixed IP of an internal port reachable
through a router that has its gateway on that external network.

Status: ACTIVE while associated, DOWN otherwise (no L3 agent to report it; the dataplane
follows the database).
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import utcnow
from nubo.network import errors
from nubo.network import models as m
from nubo.network.models_l3 import FloatingIP, Router, RouterPort
from nubo.network.models_pf import PortForwarding
from nubo.network.service import attrs, ports, quotas
from nubo.network.service.routers import GATEWAY, INTERFACE

OWNER = "network:floatingip"


def bad_fip(msg: str) -> errors.BadRequest:
    return errors.BadRequest(resource="floatingip", msg=msg)


def fip_not_found(id_: str) -> errors.FloatingIPNotFound:
    return errors.FloatingIPNotFound(id=id_)


async def get_fip(session: AsyncSession, ctx: RequestContext, id_: str) -> FloatingIP:
    f = await session.get(FloatingIP, id_)
    if f is None or not (ctx.is_admin or f.project_id == ctx.project_id):
        raise fip_not_found(id_)
    return f


async def list_fips(session: AsyncSession, ctx: RequestContext) -> list[FloatingIP]:
    q = select(FloatingIP).order_by(FloatingIP.created_at, FloatingIP.id)
    if not ctx.is_admin:
        q = q.where(FloatingIP.project_id == (ctx.project_id or ""))
    return list((await session.execute(q)).scalars())


async def _internal(session: AsyncSession, ctx: RequestContext, project_id: str,
                    port_id: str, fixed_ip: str | None) -> tuple[m.Port, str, str]:
    """(port, fixed IPv4 address, its subnet) for an association, with Neutron's checks."""
    port = await session.get(m.Port, port_id)
    if port is None or not (ctx.is_admin or port.project_id == ctx.project_id):
        raise errors.not_found("Port", port_id)
    if port.project_id != project_id and not ctx.is_admin:
        raise bad_fip(f"Cannot process floating IP association with Port {port_id}, since "
                      "that port is owned by a different project")
    if port.device_owner.startswith("network:"):   # routers, DHCP, other floating IPs
        raise bad_fip(f"Port {port_id} is unable to be assigned a floating IP")
    ips = (await ports.ips_of(session, [port.id]))[port.id]
    if fixed_ip:
        if ipaddress.ip_address(fixed_ip).version != 4:
            raise bad_fip(f"Cannot process floating IP association with {fixed_ip}, since "
                          "that is not an IPv4 address")
        match = [(s, ip) for s, ip in ips if ip == str(ipaddress.ip_address(fixed_ip))]
        if not match:
            raise bad_fip(f"Port {port_id} does not have fixed ip {fixed_ip}")
        return port, match[0][1], match[0][0]
    v4 = [(s, ip) for s, ip in ips if ipaddress.ip_address(ip).version == 4]
    if not v4:
        raise bad_fip(f"Cannot add floating IP to port {port_id} that has no fixed IPv4 "
                      "addresses")
    if len(v4) > 1:
        raise bad_fip(f"Port {port_id} has multiple fixed IPv4 addresses.  Must provide a "
                      "specific IPv4 address when assigning a floating IP")
    return port, v4[0][1], v4[0][0]


async def router_for(session: AsyncSession, port: m.Port, subnet_id: str,
                     external_network_id: str) -> str:
    """A router with an interface on `subnet_id` and its gateway on the external network
    (the one whose interface holds the subnet's gateway IP first), as Neutron picks it."""
    gw_port = select(m.Port.device_id).where(
        m.Port.network_id == external_network_id, m.Port.device_owner == GATEWAY)
    q = (select(RouterPort.router_id, m.IPAllocation.ip_address)
         .join(m.IPAllocation, m.IPAllocation.port_id == RouterPort.port_id)
         .where(RouterPort.port_type == INTERFACE, m.IPAllocation.subnet_id == subnet_id,
                RouterPort.router_id.in_(gw_port))
         .order_by(RouterPort.router_id))
    rows = [(r[0], r[1]) for r in await session.execute(q)]
    subnet = await session.get(m.Subnet, subnet_id)
    for router_id, ip in rows:
        if subnet is not None and ip == subnet.gateway_ip:
            return router_id
    if rows:
        return rows[0][0]
    raise errors.ExternalGatewayForFloatingIPNotFound(
        external_network_id=external_network_id, subnet_id=subnet_id, port_id=port.id)


async def count_port_forwardings(s: AsyncSession, fip_id: str) -> int:
    """How many port forwardings the floating IP has (one with any cannot be associated
    with a port, nor moved to another router)."""
    return int((await s.execute(select(func.count()).select_from(PortForwarding).where(
        PortForwarding.floatingip_id == fip_id))).scalar_one())


async def _associate(session: AsyncSession, ctx: RequestContext, fip: FloatingIP,
                     port_id: str | None, fixed_ip: str | None) -> None:
    if fixed_ip and not port_id:
        raise bad_fip("fixed_ip_address cannot be specified without a port_id")
    if not port_id:
        fip.fixed_port_id = fip.fixed_ip_address = fip.router_id = None
        fip.status = "DOWN"
        return
    if await count_port_forwardings(session, fip.id):
        raise errors.FipInUseByPortForwarding(id=fip.id)
    port, ip, subnet_id = await _internal(session, ctx, fip.project_id, port_id, fixed_ip)
    taken = (await session.execute(select(FloatingIP.id).where(
        FloatingIP.floating_network_id == fip.floating_network_id,
        FloatingIP.fixed_port_id == port.id, FloatingIP.fixed_ip_address == ip,
        FloatingIP.id != fip.id))).first()
    if taken:
        raise errors.FloatingIPPortAlreadyAssociated(
            msg=f"Cannot associate floating IP {fip.floating_ip_address} ({fip.id}) with port "
            f"{port.id} using fixed IP {ip}, as that fixed IP already has a floating IP on "
            f"external network {fip.floating_network_id}.")
    fip.router_id = await router_for(session, port, subnet_id, fip.floating_network_id)
    fip.fixed_port_id, fip.fixed_ip_address, fip.status = port.id, ip, "ACTIVE"


async def _external_network(session: AsyncSession, ctx: RequestContext,
                            network_id: str) -> m.Network:
    net = await session.get(m.Network, network_id)
    if net is None or not (ctx.is_admin or net.external or net.shared or
                           net.project_id == ctx.project_id):
        raise errors.not_found("Network", network_id)
    if not net.external:
        raise bad_fip(f"Network {network_id} is not a valid external network")
    has_v4 = (await session.execute(select(func.count()).select_from(m.Subnet).where(
        m.Subnet.network_id == network_id, m.Subnet.ip_version == 4))).scalar_one()
    if not has_v4:
        raise bad_fip(f"Network {network_id} does not contain any IPv4 subnet")
    return net


async def create_fip(session: AsyncSession, ctx: RequestContext,
                     body: dict[str, Any]) -> FloatingIP:
    project = body.get("project_id") or body.get("tenant_id") or ctx.project_id or ""
    if project != ctx.project_id and not ctx.is_admin:
        raise errors.ForeignProject()
    if body.get("floating_ip_address") and not ctx.is_admin:
        raise errors.PolicyNotAuthorized(action="rule:create_floatingip:floating_ip_address")
    net = await _external_network(session, ctx, body["floating_network_id"])
    await quotas.check(session, project, "floatingip", 1)
    fixed: dict[str, Any] = {}
    if body.get("subnet_id"):
        fixed["subnet_id"] = body["subnet_id"]
    if body.get("floating_ip_address"):
        fixed["ip_address"] = body["floating_ip_address"]
    fip_id = str(uuid.uuid4())
    port = await ports.create_port(session, ctx, {
        "network_id": net.id, "project_id": project, "name": "", "admin_state_up": True,
        "device_id": fip_id, "device_owner": OWNER, "fixed_ips": [fixed] if fixed else None})
    port.project_id, port.status = "", "N/A"   # as Neutron: never the project's own port
    v4 = [ip for _, ip in (await ports.ips_of(session, [port.id]))[port.id]
          if ipaddress.ip_address(ip).version == 4]
    if not v4:
        raise errors.ExternalIpAddressExhausted(net_id=net.id)
    now = utcnow()
    fip = FloatingIP(id=fip_id, project_id=project, floating_ip_address=v4[0],
                     floating_network_id=net.id, floating_port_id=port.id, status="DOWN",
                     description=body.get("description") or "", created_at=now,
                     updated_at=now, revision_number=0)
    await _associate(session, ctx, fip, body.get("port_id"), body.get("fixed_ip_address"))
    session.add(fip)
    await session.flush()
    return fip


async def update_fip(session: AsyncSession, ctx: RequestContext, fip: FloatingIP,
                     body: dict[str, Any]) -> FloatingIP:
    if "description" in body:
        fip.description = body["description"] or ""
    if "port_id" in body:
        await _associate(session, ctx, fip, body["port_id"], body.get("fixed_ip_address"))
    elif body.get("fixed_ip_address"):
        await _associate(session, ctx, fip, fip.fixed_port_id, body["fixed_ip_address"])
    attrs.touch(fip)
    await session.flush()
    return fip


async def delete_fip(session: AsyncSession, fip: FloatingIP) -> None:
    port_id = fip.floating_port_id
    await attrs.drop_tags(session, "floatingips", fip.id)
    await session.delete(fip)
    await session.flush()
    await ports.delete_port(session, port_id)


async def router_of(session: AsyncSession, router_id: str | None) -> Router | None:
    return await session.get(Router, router_id) if router_id else None


async def _count_fips(session: AsyncSession, project_id: str) -> int:
    q = select(func.count()).select_from(FloatingIP).where(FloatingIP.project_id == project_id)
    return int((await session.execute(q)).scalar_one())


async def _count_routers(session: AsyncSession, project_id: str) -> int:
    q = select(func.count()).select_from(Router).where(Router.project_id == project_id)
    return int((await session.execute(q)).scalar_one())


quotas.register_counter("floatingip", _count_fips)
quotas.register_counter("router", _count_routers)


async def delete_disassociated(session: AsyncSession, network_id: str) -> None:
    """Neutron's delete_disassociated_floatingips, for deleting an external network: its
    unassociated floating IPs (and their ports) go first; associated ones keep it in use."""
    rows = (await session.execute(select(FloatingIP).where(
        FloatingIP.floating_network_id == network_id,
        FloatingIP.fixed_port_id.is_(None)))).scalars().all()
    for fip in rows:
        await delete_fip(session, fip)
