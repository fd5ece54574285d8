"""Each network's DHCP port, kept as Neutron's DHCP agent keeps its own.

The API gives a network a `network:dhcp` port when a DHCP subnet is made (subnets.py), unbound.
With a real dataplane this host's DHCP server takes it over: `binding:host_id` this host and
Neutron's device id `dhcp<uuid5(DNS, hostname)>-<network id>`. A network with an IPv4 DHCP
subnet and no DHCP port gets one (through ports.create_port, so IPAM is the API's), missing
addresses on DHCP subnets are added, and a DHCP port with no DHCP subnet left is deleted.
A DHCP port bound to another host is that host's server and is left alone.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.errors import NuboError
from nubo.network import models as m
from nubo.network.service import ports

LOG = logging.getLogger("nubo.network.service.hostsync")


def dhcp_device_id(network_id: str, host: str) -> str:
    """Neutron's `get_dhcp_agent_device_id`: the host part is the short hostname."""
    host_uuid = uuid.uuid5(uuid.NAMESPACE_DNS, host.split(".")[0])
    return f"dhcp{host_uuid}-{network_id}"


def _ctx(project_id: str) -> RequestContext:
    return RequestContext(request_id="req-network-sync", project_id=project_id,
                          roles=("admin", "member", "reader"))


async def ensure_dhcp_ports(db: Database, host: str, *, status_from_agent: bool) -> int:
    """Bring every network's DHCP port in line; returns how many ports it changed.
    `status_from_agent`: whether the port bound here stays DOWN until the agent reports it
    up (ports.create_port)."""
    async with db.read() as s:
        dhcp_nets = set((await s.execute(select(m.Subnet.network_id).where(
            m.Subnet.enable_dhcp.is_(True), m.Subnet.ip_version == 4))).scalars())
        have = (await s.execute(select(m.Port.id, m.Port.network_id, m.Port.binding_host_id,
                                       m.Port.device_id).where(
            m.Port.device_owner == ports.DHCP_OWNER))).all()
    todo = set(dhcp_nets)
    changed = 0
    for pid, net_id, bound, device_id in have:
        todo.discard(net_id)
        if bound and bound != host:
            continue
        want = dhcp_device_id(net_id, host)
        if net_id not in dhcp_nets or bound != host or device_id != want:
            changed += await _one(db, net_id, host, pid, status_from_agent)
    for net_id in sorted(todo):
        changed += await _one(db, net_id, host, None, status_from_agent)
    return changed


async def _one(db: Database, net_id: str, host: str, port_id: str | None,
               status_from_agent: bool) -> int:
    """Fix one network's DHCP port in its own transaction (one failing spoils no other)."""
    try:
        async with db.write() as s:
            return await _fix(s, net_id, host, port_id, status_from_agent)
    except NuboError as e:      # e.g. no free address left: as Neutron, no DHCP port
        LOG.warning("DHCP port of network %s: %s", net_id, e)
        return 0


async def _fix(s: AsyncSession, net_id: str, host: str, port_id: str | None,
               status_from_agent: bool) -> int:
    net = await s.get(m.Network, net_id)
    if net is None:
        return 0
    subnets = (await s.execute(select(m.Subnet).where(
        m.Subnet.network_id == net_id, m.Subnet.enable_dhcp.is_(True),
        m.Subnet.ip_version == 4))).scalars().all()
    port = await s.get(m.Port, port_id) if port_id else None
    if port is not None and port.binding_host_id and port.binding_host_id != host:
        return 0                # taken by another host since we looked
    if not subnets:
        if port is not None:
            await ports.delete_port(s, port.id)
            return 1
        return 0
    body: dict[str, Any] = {"device_id": dhcp_device_id(net_id, host), "binding:host_id": host}
    if port is None:
        await ports.create_port(s, _ctx(net.project_id), {
            **body, "network_id": net_id, "project_id": net.project_id,
            "device_owner": ports.DHCP_OWNER, "port_security_enabled": False,
            "security_groups": [], "fixed_ips": [{"subnet_id": x.id} for x in subnets]},
            status_from_agent=status_from_agent)
        return 1
    held = {sid for sid, _ in (await ports.ips_of(s, [port.id]))[port.id]}
    missing = [x.id for x in subnets if x.id not in held]
    if missing:
        current = (await ports.ips_of(s, [port.id]))[port.id]
        body["fixed_ips"] = [{"subnet_id": sid, "ip_address": ip} for sid, ip in current] + \
            [{"subnet_id": sid} for sid in missing]
    await ports.update_port(s, _ctx(net.project_id), port, body,
                            status_from_agent=status_from_agent)
    return 1
