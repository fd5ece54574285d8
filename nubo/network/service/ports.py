"""Ports: a network's attachment points, with their MAC and fixed IPs (from ipam), binding,
security groups and address pairs.

`create_port`, `update_port` and `delete_port` work inside the caller's write transaction and
never commit: routers and floating IPs (N2) create their ports in the same transaction as the
router interface or floating IP itself.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.network import errors
from nubo.network import models as m
from nubo.network.models_l3 import Router
from nubo.network.service import attrs, dhcp_opts, ipam, quotas

MAC_PREFIX = "fa:16:3e"
MAC_RE = re.compile(r"^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$")
DHCP_OWNER = "network:dhcp"
#: a port of these owners goes with its network or subnet (Neutron's AUTO_DELETE_PORT_OWNERS)
AUTO_DELETE_OWNERS = (DHCP_OWNER,)
#: what a bound port's binding says (the Linux bridge dataplane)
VIF_DETAILS = {"port_filter": True, "connectivity": "l2", "bridge_name": ""}


def new_mac() -> str:
    return MAC_PREFIX + "".join(f":{b:02x}" for b in secrets.token_bytes(3))


def valid_mac(mac: str) -> str:
    if not isinstance(mac, str) or not MAC_RE.match(mac):
        raise errors.invalid_input(f"'{mac}' is not a valid MAC address")
    first = int(mac[:2], 16)
    if first & 1 or mac == "00:00:00:00:00:00":
        raise errors.invalid_input(f"'{mac}' is not a valid MAC address")
    return mac.lower()


async def _mac_taken(session: AsyncSession, network_id: str, mac: str) -> bool:
    return (await session.execute(select(m.Port.id).where(
        m.Port.network_id == network_id, m.Port.mac_address == mac).limit(1))).first() \
        is not None


async def _choose_mac(session: AsyncSession, network_id: str, mac: str | None) -> str:
    if mac is not None:
        mac = valid_mac(mac)
        if await _mac_taken(session, network_id, mac):
            raise errors.mac_in_use(network_id, mac)
        return mac
    for _ in range(16):
        mac = new_mac()
        if not await _mac_taken(session, network_id, mac):
            return mac
    raise errors.MacAddressGenerationFailure(net_id=network_id)


def _address_pairs(pairs: Any, mac: str) -> list[dict[str, str]]:
    out = []
    for p in pairs or []:
        ip = p.get("ip_address")
        try:
            ip = str(ipaddress.ip_network(ip, strict=False)) if "/" in str(ip) else \
                str(ipaddress.ip_address(ip))
        except ValueError:
            raise errors.invalid_input(f"'{ip}' is not a valid IP address") from None
        pair_mac = valid_mac(p["mac_address"]) if p.get("mac_address") else mac
        out.append({"ip_address": ip, "mac_address": pair_mac})
    if len({(p["ip_address"], p["mac_address"]) for p in out}) != len(out):
        raise errors.DuplicateAddressPairInRequest(mac_address=mac)
    return out


async def _secgroups(session: AsyncSession, ctx: RequestContext, port: m.Port,
                     requested: list[str] | None) -> list[str]:
    """The groups a port is in: those asked for (checked by N2's validate_groups), or the
    project's default group for a port with port security that is no network device."""
    if requested:
        if not port.port_security_enabled:
            raise errors.PortSecurityAndIPRequiredForSecurityGroups()
        sg = _secgroups_module()
        if sg is not None:
            await sg.validate_groups(session, ctx, requested)
        return list(dict.fromkeys(requested))
    if requested is None and port.port_security_enabled and \
            not port.device_owner.startswith("network:"):
        sg = _secgroups_module()
        if sg is not None:
            return [await sg.ensure_default_group(session, port.project_id)]
    return []


def _secgroups_module() -> Any:
    try:
        from nubo.network.service import secgroups
    except ImportError:     # N2's security groups not there yet
        return None
    return secgroups


async def _set_groups(session: AsyncSession, port_id: str, groups: Sequence[str]) -> None:
    await session.execute(delete(m.PortSecurityGroup).where(
        m.PortSecurityGroup.port_id == port_id))
    for g in groups:
        session.add(m.PortSecurityGroup(port_id=port_id, security_group_id=g))


def _bind(port: m.Port, host: str | None, status_from_agent: bool) -> None:
    """Bind `port` to `host` ("" or None: unbind). `status_from_agent`: whether a host agent
    reports ports up (`--network linux`: the sync sets a bound port ACTIVE once its tap is
    plugged and filtered, as Neutron's L2 agent does); without one (noop) a bound port is
    ACTIVE at once."""
    port.binding_host_id = host or ""
    if host:
        port.binding_vif_type = "bridge"
        port.binding_vif_details = dict(VIF_DETAILS)
    else:
        port.binding_vif_type = "unbound"
        port.binding_vif_details = {}
    port.status = ("ACTIVE" if host and port.admin_state_up and not status_from_agent
                   else "DOWN")


async def _allocate_fixed(session: AsyncSession, port: m.Port, fixed: list[dict[str, Any]] |
                          None) -> None:
    if fixed is None:
        subnets = (await session.execute(select(m.Subnet).where(
            m.Subnet.network_id == port.network_id))).scalars().all()
        if any(not ipam.is_slaac(s) for s in subnets):
            await ipam.allocate(session, port.network_id, port_id=port.id)
        for s in subnets:   # every SLAAC subnet gives the port its EUI-64 address
            if ipam.is_slaac(s):
                await ipam.allocate(session, port.network_id, s.id, port_id=port.id,
                                    mac=port.mac_address)
        return
    for f in fixed:
        if not f.get("subnet_id") and not f.get("ip_address"):
            raise errors.invalid_input("fixed_ips entries need a subnet_id or an ip_address")
        await ipam.allocate(session, port.network_id, f.get("subnet_id"),
                            f.get("ip_address"), port_id=port.id, mac=port.mac_address)


async def create_port(session: AsyncSession, ctx: RequestContext, body: dict[str, Any], *,
                      status_from_agent: bool = False) -> m.Port:
    """A port from a validated `port` body; the network must exist (NetworkNotFound).
    `status_from_agent`: whether the dataplane of a host the port is bound to reports it up
    (then it stays DOWN until it does; the controller's network kind is "linux"). Only a
    port with a `binding:host_id` can be ACTIVE, so callers that never bind leave it."""
    network = await session.get(m.Network, body["network_id"])
    if network is None:
        raise errors.not_found("Network", body["network_id"])
    project = body.get("project_id") or body.get("tenant_id") or ctx.project_id or \
        network.project_id
    await quotas.check(session, project, "port", 1)
    mac = await _choose_mac(session, network.id, body.get("mac_address"))
    port = m.Port(id=str(uuid.uuid4()), network_id=network.id, project_id=project,
                  name=body.get("name") or "", description=body.get("description") or "",
                  mac_address=mac, admin_state_up=body.get("admin_state_up", True),
                  device_id=body.get("device_id") or "",
                  device_owner=body.get("device_owner") or "",
                  binding_vnic_type=body.get("binding:vnic_type") or "normal",
                  binding_profile=body.get("binding:profile") or {},
                  port_security_enabled=body.get("port_security_enabled",
                                                 network.port_security_enabled),
                  dns_name=body.get("dns_name") or "", revision_number=0)
    pairs = body.get("allowed_address_pairs")
    if pairs and not port.port_security_enabled:
        raise errors.AddressPairAndPortSecurityRequired()
    port.allowed_address_pairs = _address_pairs(pairs, mac)
    port.extra_dhcp_opts = dhcp_opts.for_create(body.get("extra_dhcp_opts"))
    _bind(port, body.get("binding:host_id"), status_from_agent)
    session.add(port)
    await session.flush()
    await _allocate_fixed(session, port, body.get("fixed_ips"))
    await _set_groups(session, port.id, await _secgroups(session, ctx, port,
                                                          body.get("security_groups")))
    if body.get("tags"):
        await attrs.set_tags(session, "ports", port.id, body["tags"])
    await session.flush()
    return port


async def update_port(session: AsyncSession, ctx: RequestContext, port: m.Port,
                      body: dict[str, Any], *, status_from_agent: bool = False) -> m.Port:
    """Apply a validated `port` update body (fixed_ips replaced as a whole);
    `status_from_agent` as for create_port (it matters when binding or admin_state_up
    change)."""
    for key in ("name", "description", "device_id", "device_owner", "dns_name"):
        if key in body:
            setattr(port, key, body[key] or "")
    if "admin_state_up" in body:
        port.admin_state_up = body["admin_state_up"]
    if "mac_address" in body and body["mac_address"] != port.mac_address:
        if port.binding_host_id:
            raise errors.PortBound(port_id=port.id)
        port.mac_address = await _choose_mac(session, port.network_id, body["mac_address"])
    if "port_security_enabled" in body:
        port.port_security_enabled = body["port_security_enabled"]
    if "binding:vnic_type" in body:
        port.binding_vnic_type = body["binding:vnic_type"]
    if "binding:profile" in body:
        port.binding_profile = body["binding:profile"] or {}
    if "binding:host_id" in body or "admin_state_up" in body:
        _bind(port, body.get("binding:host_id", port.binding_host_id), status_from_agent)
    if "allowed_address_pairs" in body:
        port.allowed_address_pairs = _address_pairs(body["allowed_address_pairs"],
                                                    port.mac_address)
    if port.allowed_address_pairs and not port.port_security_enabled:
        raise errors.AddressPairAndPortSecurityRequired()
    if body.get("extra_dhcp_opts"):
        port.extra_dhcp_opts = dhcp_opts.merged(port.extra_dhcp_opts, body["extra_dhcp_opts"])
    if "fixed_ips" in body:
        await _replace_fixed(session, port, body["fixed_ips"] or [])
    await _update_groups(session, ctx, port, body)
    attrs.touch(port)
    await session.flush()
    return port


async def _update_groups(session: AsyncSession, ctx: RequestContext, port: m.Port,
                         body: dict[str, Any]) -> None:
    if "security_groups" in body:
        await _set_groups(session, port.id, await _secgroups(
            session, ctx, port, body["security_groups"] or []))
    elif body.get("port_security_enabled") is False:
        current = await groups_of(session, [port.id])
        if current.get(port.id):
            raise errors.PortSecurityPortHasSecurityGroup()


async def _replace_fixed(session: AsyncSession, port: m.Port, fixed: list[dict[str, Any]]
                         ) -> None:
    current = await ips_of(session, [port.id])
    have = {ip for _, ip in current.get(port.id, [])}
    keep = {ipaddress.ip_address(f["ip_address"]).compressed for f in fixed
            if f.get("ip_address") and is_ip(f["ip_address"])}
    for ip in have - keep:
        await ipam.release(session, port.id, ip)
    await session.flush()
    new = [f for f in fixed if not (f.get("ip_address") and is_ip(f["ip_address"]) and
                                    ipaddress.ip_address(f["ip_address"]).compressed in have)]
    await _allocate_fixed(session, port, new)


def is_ip(v: Any) -> bool:
    """Whether `v` is an IPv4 or IPv6 address literal (what a fixed IP may name)."""
    try:
        ipaddress.ip_address(v)
    except ValueError:
        return False
    return True


async def delete_port(session: AsyncSession, port_id: str) -> None:
    """Remove a port, its addresses, group memberships and tags (no-op when gone)."""
    port = await session.get(m.Port, port_id)
    if port is None:
        return
    await ipam.release(session, port_id)
    await session.execute(delete(m.PortSecurityGroup).where(
        m.PortSecurityGroup.port_id == port_id))
    await attrs.drop_tags(session, "ports", port_id)
    await session.delete(port)
    await session.flush()


async def ips_of(session: AsyncSession, port_ids: Sequence[str]
                 ) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {p: [] for p in port_ids}
    if not port_ids:
        return out
    rows = await session.execute(select(m.IPAllocation).where(
        m.IPAllocation.port_id.in_(list(port_ids))))
    for a in rows.scalars():
        out.setdefault(a.port_id, []).append((a.subnet_id, a.ip_address))
    for v in out.values():
        v.sort(key=lambda t: (ipaddress.ip_address(t[1]).version,
                              int(ipaddress.ip_address(t[1]))))
    return out


async def groups_of(session: AsyncSession, port_ids: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {p: [] for p in port_ids}
    if not port_ids:
        return out
    rows = await session.execute(select(m.PortSecurityGroup).where(
        m.PortSecurityGroup.port_id.in_(list(port_ids))))
    for g in rows.scalars():
        out.setdefault(g.port_id, []).append(g.security_group_id)
    return out


PortDetails = tuple[dict[str, list[tuple[str, str]]], dict[str, list[str]],
                    dict[str, list[str]]]


async def details(session: AsyncSession, ports: Sequence[m.Port]) -> PortDetails:
    """What a port's view shows besides its row: fixed IPs, security groups and tags."""
    ids = [p.id for p in ports]
    ips, groups = await ips_of(session, ids), await groups_of(session, ids)
    return ips, groups, await attrs.tags_of(session, "ports", ids)


#: Neutron's ROUTER_INTERFACE_OWNERS
ROUTER_INTERFACE_OWNERS = ("network:router_interface", "network:router_interface_distributed",
                           "network:ha_router_replicated_interface")


async def check_device(session: AsyncSession, ctx: RequestContext, owner: str,
                        device_id: str, project: str) -> None:
    """Neutron's _enforce_device_owner_not_router_intf_or_device_id: a non-admin may not
    make its port a router interface of another project's router."""
    if ctx.is_admin or owner not in ROUTER_INTERFACE_OWNERS or not device_id:
        return
    router = await session.get(Router, device_id)
    if router is not None and router.project_id != project:
        raise errors.DeviceIDNotOwnedByTenant(device_id=device_id)


async def get_port(session: AsyncSession, ctx: RequestContext, port_id: str) -> m.Port:
    p = await session.get(m.Port, port_id)
    if p is None or not await visible(session, ctx, p):
        raise errors.not_found("Port", port_id)
    return p


async def visible(session: AsyncSession, ctx: RequestContext, p: m.Port) -> bool:
    if ctx.is_admin or p.project_id == ctx.project_id:
        return True
    n = await session.get(m.Network, p.network_id)
    return n is not None and n.project_id == ctx.project_id


async def network_of(session: AsyncSession, p: m.Port) -> m.Network:
    net = await session.get(m.Network, p.network_id)
    assert net is not None
    return net


async def list_ports(session: AsyncSession, ctx: RequestContext) -> list[m.Port]:
    """The ports the caller sees: an admin all, a project its own and those on its networks."""
    q = select(m.Port)
    if not ctx.is_admin:
        own_nets = select(m.Network.id).where(m.Network.project_id == ctx.project_id)
        q = q.where(or_(m.Port.project_id == ctx.project_id, m.Port.network_id.in_(own_nets)))
    return list((await session.execute(q)).scalars().all())
