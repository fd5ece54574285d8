"""The Network API's rows turned into the `DesiredState` of one host.

What a host carries, as Neutron's agents on a single node would: the ports bound to it
(binding:host_id), the DHCP ports bound to it, every router's ports (this node runs the one
L3 agent), the networks of those ports (so every network with a DHCP port here, and the
external network of a router gateway), the security groups of those ports, the routers that
have a port, and the floating IPs associated through those routers.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Collection, Iterable, Sequence
from typing import Any, cast

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database
from nubo.network import models as m
from nubo.network.agent.dataplane.base import (
    DHCP_OWNER,
    AddressPair,
    DesiredState,
    DhcpOption,
    FixedIp,
    FloatingSpec,
    HostRoute,
    HostSpec,
    NetworkSpec,
    PortSpec,
    RouterGatewaySpec,
    RouterInterfaceSpec,
    RouterSpec,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
    SegmentationType,
    SubnetSpec,
)
from nubo.network.models_l3 import FloatingIP, Router, RouterPort
from nubo.network.models_pf import PortForwarding
from nubo.network.models_secgroups import SecurityGroupRule
from nubo.network.service import address_scopes
from nubo.network.service.agents import BRIDGE_AGENT

LOG = logging.getLogger("nubo.network.service.hostsync")
SEGMENT_TYPES: frozenset[str] = frozenset({"flat", "vlan", "vxlan", "local"})
GATEWAY_OWNER = "network:router_gateway"


def _ip_key(ip: str) -> tuple[int, int]:
    a = ipaddress.ip_address(ip)
    return a.version, int(a)


def _subnet(s: m.Subnet) -> SubnetSpec:
    routes = tuple(HostRoute(r["destination"], r["nexthop"]) for r in s.host_routes or [])
    return SubnetSpec(id=s.id, cidr=s.cidr, gateway_ip=s.gateway_ip,
                      enable_dhcp=bool(s.enable_dhcp),
                      dns_nameservers=tuple(s.dns_nameservers or ()), host_routes=routes,
                      ip_version=s.ip_version)


def network_spec(net: m.Network, seg: m.NetworkSegment | None,
                 subnets: Iterable[m.Subnet]) -> NetworkSpec | None:
    """None for a segment type this dataplane cannot carry (it is logged)."""
    ntype = seg.network_type if seg is not None else "local"
    if ntype not in SEGMENT_TYPES:
        LOG.warning("network %s: %s segments are not supported here", net.id, ntype)
        return None
    return NetworkSpec(
        id=net.id, segmentation_type=cast(SegmentationType, ntype),
        segmentation_id=(seg.segmentation_id or None) if seg and ntype in ("vlan", "vxlan")
        else None,
        physical_network=(seg.physical_network or None) if seg else None,
        mtu=net.mtu, external=bool(net.external),
        subnets=tuple(_subnet(s) for s in sorted(subnets, key=lambda s: s.id)))


#: The port columns a PortSpec needs: read as rows, not ORM objects (every round reads every
#: port of the host; building ORM instances cost more than the query).
PORT_COLUMNS = (m.Port.id, m.Port.network_id, m.Port.mac_address, m.Port.device_owner,
                m.Port.port_security_enabled, m.Port.allowed_address_pairs,
                m.Port.binding_host_id, m.Port.admin_state_up, m.Port.extra_dhcp_opts,
                m.Port.device_id, m.Port.project_id)


def port_spec(p: Any, ips: Sequence[tuple[str, str]], groups: Sequence[str]) -> PortSpec:
    """`p`: an m.Port or a row of PORT_COLUMNS."""
    pairs = tuple(AddressPair(a["ip_address"], a.get("mac_address") or None)
                  for a in p.allowed_address_pairs or [])
    return PortSpec(id=p.id, network_id=p.network_id, mac_address=p.mac_address.lower(),
                    fixed_ips=tuple(FixedIp(sid, ip) for sid, ip in ips),
                    device_owner=p.device_owner or "",
                    security_group_ids=tuple(sorted(groups)),
                    port_security_enabled=bool(p.port_security_enabled),
                    allowed_address_pairs=pairs, binding_host=p.binding_host_id or None,
                    admin_state_up=bool(p.admin_state_up),
                    extra_dhcp_opts=tuple(
                        DhcpOption(o["opt_name"], o["opt_value"], int(o.get("ip_version", 4)))
                        for o in p.extra_dhcp_opts or []),
                    device_id=p.device_id or "", project_id=p.project_id or "")


def rule_spec(r: SecurityGroupRule) -> SecurityGroupRuleSpec:
    return SecurityGroupRuleSpec(
        id=r.id, direction="egress" if r.direction == "egress" else "ingress",
        ethertype="IPv6" if r.ethertype == "IPv6" else "IPv4", protocol=r.protocol,
        port_range_min=r.port_range_min, port_range_max=r.port_range_max,
        remote_ip_prefix=r.remote_ip_prefix, remote_group_id=r.remote_group_id)


async def build_desired(db: Database, hosts: Collection[str], *,
                        network_node: str | None = None) -> DesiredState:
    async with db.read() as s:
        return await desired_in(s, hosts, network_node=network_node)


async def desired_in(s: AsyncSession, hosts: Collection[str], *,
                     network_node: str | None = None) -> DesiredState:
    """`hosts`: the compute hosts whose ports the agent carries. `network_node`: the host
    that runs the routers (and the DHCP servers, whose ports are bound to it); None: these
    hosts do (`nubo up`, one node). A host that is not the network node gets its own ports
    only: no router, no DHCP server."""
    runs_l3 = network_node is None or network_node in hosts
    routers = {r.id: r for r in (await s.execute(select(Router).where(
        Router.admin_state_up.is_(True)))).scalars()} if runs_l3 else {}
    router_ports = {rp.port_id: rp for rp in (await s.execute(select(RouterPort).where(
        RouterPort.router_id.in_(list(routers))))).scalars()}
    gw_ids = {r.gw_port_id for r in routers.values() if r.gw_port_id}
    rows = list((await s.execute(select(*PORT_COLUMNS).where(or_(
        m.Port.binding_host_id.in_(list(hosts)), m.Port.id.in_(list(router_ports)),
        m.Port.id.in_(list(gw_ids)))))).all())
    # A DHCP port bound elsewhere is another host's DHCP server.
    rows = [p for p in rows if p.device_owner != DHCP_OWNER or p.binding_host_id in hosts]
    net_ids = sorted({p.network_id for p in rows})
    nets = {n.id: n for n in (await s.execute(select(m.Network).where(
        m.Network.id.in_(net_ids)))).scalars()}
    segs = {g.network_id: g for g in (await s.execute(select(m.NetworkSegment).where(
        m.NetworkSegment.network_id.in_(net_ids)))).scalars()}
    subnets = (await s.execute(select(m.Subnet).where(
        m.Subnet.network_id.in_(net_ids)))).scalars().all()
    net_specs = {}
    for nid in net_ids:
        if nid in nets and (spec := network_spec(nets[nid], segs.get(nid), [
                x for x in subnets if x.network_id == nid])):
            net_specs[nid] = spec
    rows = [p for p in rows if p.network_id in net_specs]
    ips, groups = await _ips_and_groups(s, [p.id for p in rows])
    ports = {p.id: port_spec(p, ips.get(p.id, []), groups.get(p.id, [])) for p in rows}
    cidrs = {x.id: x for x in subnets}
    scopes = await address_scopes.subnet_scopes(s, cidrs)
    router_specs = _routers(routers, router_ports, ports, cidrs, scopes)
    floats = await _floats(s, {r.id for r in router_specs if r.gateway})
    sgs = await _groups(s, {g for p in ports.values() for g in p.security_group_ids},
                        set(ports), hosts)
    peers = await _peers(s, hosts, [n.id for n in net_specs.values()
                                    if n.segmentation_type == "vxlan"], network_node)
    remote = await _remote_ports(s, hosts, sorted(net_specs)) \
        if network_node and network_node in hosts else ()
    return DesiredState(networks=tuple(net_specs[n] for n in sorted(net_specs)),
                        ports=tuple(ports[p] for p in sorted(ports)),
                        security_groups=sgs, routers=router_specs, floating_ips=floats,
                        hosts=peers, remote_ports=remote)


async def _remote_ports(s: AsyncSession, hosts: Collection[str], net_ids: list[str]
                        ) -> tuple[PortSpec, ...]:
    """The ports bound to other hosts on these networks (not the network's own: DHCP,
    router), as the network node's DHCP servers and metadata agent need them."""
    if not net_ids:
        return ()
    rows = (await s.execute(select(*PORT_COLUMNS).where(
        m.Port.network_id.in_(net_ids), m.Port.binding_host_id != "",
        m.Port.binding_host_id.not_in(list(hosts)),
        m.Port.device_owner.not_like("network:%")))).all()
    ips, groups = await _ips_and_groups(s, [r.id for r in rows])
    return tuple(sorted((port_spec(p, ips.get(p.id, []), groups.get(p.id, []))
                         for p in rows), key=lambda p: p.id))


async def _peers(s: AsyncSession, hosts: Collection[str], vxlan_nets: list[str],
                 network_node: str | None) -> tuple[HostSpec, ...]:
    """The other hosts this one floods VXLAN traffic to, each with the networks it carries
    of this host's VXLAN networks: those with ports bound on one of them, and the network
    node for the networks a router has a port on (its qr- devices), at the `tunneling_ip`
    their Linux bridge agent reports."""
    if not vxlan_nets:
        return ()
    carried: dict[str, set[str]] = {}
    for h, nid in (await s.execute(select(m.Port.binding_host_id, m.Port.network_id).where(
            m.Port.network_id.in_(vxlan_nets), m.Port.binding_host_id != "",
            m.Port.binding_host_id.not_in(list(hosts))).distinct())).all():
        carried.setdefault(h, set()).add(nid)
    if network_node and network_node not in hosts:
        routed = (await s.execute(select(m.Port.network_id).join(
            RouterPort, RouterPort.port_id == m.Port.id).join(
            Router, Router.id == RouterPort.router_id).where(
            m.Port.network_id.in_(vxlan_nets), Router.admin_state_up.is_(True)))).scalars()
        carried.setdefault(network_node, set()).update(routed)
    carried = {h: n for h, n in carried.items() if n}
    if not carried:
        return ()
    out = {}
    for a in (await s.execute(select(m.Agent).where(
            m.Agent.agent_type == BRIDGE_AGENT, m.Agent.host.in_(sorted(carried))))).scalars():
        ip = (a.configurations or {}).get("tunneling_ip")
        if ip:
            out[a.host] = HostSpec(a.host, str(ip), tuple(sorted(carried[a.host])))
    return tuple(out[h] for h in sorted(out))


async def _ips_and_groups(s: AsyncSession, port_ids: list[str]
                          ) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[str]]]:
    ips: dict[str, list[tuple[str, str]]] = {}
    groups: dict[str, list[str]] = {}
    if not port_ids:
        return ips, groups
    for pid, sid, ip in (await s.execute(select(
            m.IPAllocation.port_id, m.IPAllocation.subnet_id, m.IPAllocation.ip_address).where(
            m.IPAllocation.port_id.in_(port_ids)))).all():
        ips.setdefault(pid, []).append((sid, ip))
    for v in ips.values():
        v.sort(key=lambda t: _ip_key(t[1]))
    for pid, gid in (await s.execute(select(
            m.PortSecurityGroup.port_id, m.PortSecurityGroup.security_group_id).where(
            m.PortSecurityGroup.port_id.in_(port_ids)))).all():
        groups.setdefault(pid, []).append(gid)
    return ips, groups


def _routers(routers: dict[str, Router], router_ports: dict[str, RouterPort],
             ports: dict[str, PortSpec], subnets: dict[str, m.Subnet],
             scopes: dict[str, str]) -> tuple[RouterSpec, ...]:
    """`scopes`: the address scope of each subnet allocated from a pool in one."""
    out = []
    for rid in sorted(routers):
        r = routers[rid]
        gw = None
        gp = ports.get(r.gw_port_id or "")
        if gp is not None:
            v4 = [f for f in gp.fixed_ips if ipaddress.ip_address(f.ip_address).version == 4]
            if v4 and v4[0].subnet_id in subnets:
                sub = subnets[v4[0].subnet_id]
                gw = RouterGatewaySpec(port_id=gp.id, network_id=gp.network_id,
                                       subnet_cidr=sub.cidr, ip_address=v4[0].ip_address,
                                       gateway_ip=sub.gateway_ip,
                                       enable_snat=bool(r.enable_snat),
                                       mac_address=gp.mac_address,
                                       address_scope=scopes.get(sub.id))
        itfs = []
        for pid in sorted(p for p, rp in router_ports.items()
                          if rp.router_id == rid and rp.port_type != GATEWAY_OWNER):
            port = ports.get(pid)
            for f in port.fixed_ips if port else ():
                if port is not None and f.subnet_id in subnets:
                    itfs.append(RouterInterfaceSpec(
                        port_id=pid, network_id=port.network_id,
                        subnet_cidr=subnets[f.subnet_id].cidr, ip_address=f.ip_address,
                        mac_address=port.mac_address, address_scope=scopes.get(f.subnet_id)))
        if gw is None and not itfs:
            continue        # a router with no port has nothing on a host
        routes = tuple(HostRoute(x["destination"], x["nexthop"]) for x in r.routes or [])
        out.append(RouterSpec(id=rid, gateway=gw, interfaces=tuple(itfs), routes=routes))
    return tuple(out)


async def _floats(s: AsyncSession, router_ids: set[str]) -> tuple[FloatingSpec, ...]:
    if not router_ids:
        return ()
    rows = (await s.execute(select(FloatingIP).where(
        FloatingIP.router_id.in_(sorted(router_ids)), FloatingIP.fixed_port_id.is_not(None),
        FloatingIP.fixed_ip_address.is_not(None)))).scalars().all()
    specs = [FloatingSpec(f.floating_ip_address, f.fixed_ip_address or "", f.router_id or "")
             for f in rows]
    forwards = (await s.execute(select(PortForwarding, FloatingIP).join(
        FloatingIP, FloatingIP.id == PortForwarding.floatingip_id).where(
        FloatingIP.router_id.in_(sorted(router_ids))))).all()
    specs += [FloatingSpec(f.floating_ip_address, pf.internal_ip_address, f.router_id or "",
                           pf.protocol, pf.external_port, pf.internal_port)
              for pf, f in forwards]
    return tuple(sorted(specs, key=lambda f: (f.router_id, _ip_key(f.floating_ip),
                                              f.protocol or "", f.external_port or 0)))


async def _groups(s: AsyncSession, ids: set[str], local_ports: set[str],
                  hosts: Collection[str]) -> tuple[SecurityGroupSpec, ...]:
    """The groups of this host's ports, and the groups their rules name as remote groups
    with the addresses of those groups' ports on other hosts (remote_members)."""
    if not ids:
        return ()
    rules: dict[str, list[SecurityGroupRuleSpec]] = {g: [] for g in ids}
    for r in (await s.execute(select(SecurityGroupRule).where(
            SecurityGroupRule.security_group_id.in_(sorted(ids))))).scalars():
        rules[r.security_group_id].append(rule_spec(r))
    remote = {r.remote_group_id for rs in rules.values() for r in rs if r.remote_group_id}
    for gid in remote - set(rules):
        rules[gid] = [rule_spec(r) for r in (await s.execute(select(SecurityGroupRule).where(
            SecurityGroupRule.security_group_id == gid))).scalars()]
    members = await _remote_members(s, remote, local_ports, hosts)
    return tuple(SecurityGroupSpec(g, tuple(sorted(rules[g], key=lambda r: r.id)),
                                   members.get(g, ()))
                 for g in sorted(rules))


async def _remote_members(s: AsyncSession, groups: set[str], local_ports: set[str],
                          hosts: Collection[str]) -> dict[str, tuple[str, ...]]:
    """Addresses (fixed IPs and address pairs) of the groups' ports that are not this
    host's, bound anywhere else. (Columns, not ORM rows, and not this host's ports: every
    round reads them.)"""
    if not groups:
        return {}
    found = (await s.execute(select(m.PortSecurityGroup.security_group_id, m.Port.id,
                                    m.Port.allowed_address_pairs).join(
        m.Port, m.Port.id == m.PortSecurityGroup.port_id).where(
        m.PortSecurityGroup.security_group_id.in_(sorted(groups)),
        m.Port.binding_host_id != "", m.Port.binding_host_id.not_in(list(hosts))))).all()
    rows = [(g, pid, pairs) for g, pid, pairs in found if pid not in local_ports]
    ips, _ = await _ips_and_groups(s, sorted({pid for _, pid, _ in rows}))
    out: dict[str, set[str]] = {}
    for gid, pid, pairs in rows:
        addrs = out.setdefault(gid, set())
        addrs.update(ip for _, ip in ips.get(pid, []))
        addrs.update(a["ip_address"] for a in pairs or [])
    return {g: tuple(sorted(a)) for g, a in out.items()}
