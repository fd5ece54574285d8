"""Subnets: CIDR, gateway and allocation pools checked with Neutron's messages; the network's
DHCP port (device_owner network:dhcp) holds one address on every DHCP-enabled subnet, as
Neutron's DHCP agent makes it (the dataplane serves DHCP from that address)."""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.errors import Conflict, NotFound
from nubo.network import errors
from nubo.network import models as m
from nubo.network.models_subnetpools import SubnetPool
from nubo.network.service import attrs, checks, ipam, ports, quotas, subnetpools
from nubo.network.service.visibility import get_network, visible_network_ids

READ_ONLY = ("cidr", "ip_version", "network_id", "ipv6_ra_mode", "ipv6_address_mode",
             "subnetpool_id", "prefixlen", "project_id", "tenant_id", "id")
V6_MODES = (None, "slaac", "dhcpv6-stateful", "dhcpv6-stateless")
MAX_DNS = 5
MAX_ROUTES = 20
#: Neutron's ROUTER_INTERFACE_OWNERS
ROUTER_INTERFACE_OWNERS = ("network:router_interface", "network:router_interface_distributed",
                           "network:ha_router_replicated_interface")
Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def _rng(p: dict[str, str]) -> str:
    return f"{p['start']}-{p['end']}"


def parse_cidr(cidr: Any, version: Any) -> Net:
    if version not in (4, 6):
        raise errors.bad_request(f"Invalid input for ip_version. Reason: {version} is not in "
                                 "[4, 6].")
    try:
        net = ipaddress.ip_network(cidr, strict=False)
        # neutron-lib's validate_subnet: host bits may be set; an IPv4 CIDR in its one form
        if net.version == 4 and "/" in str(cidr) and str(ipaddress.ip_interface(cidr)) != cidr:
            raise ValueError(cidr)
    except (ValueError, TypeError):
        raise errors.bad_request(f"Invalid input for cidr. Reason: '{cidr}' is not a valid IP "
                                 "subnet.") from None
    if net.version != version:
        raise errors.invalid_input(f"Cidr {cidr} does not match the ip_version {version}")
    if net.prefixlen == 0 or net.prefixlen >= net.max_prefixlen:
        raise errors.invalid_input(f"Invalid CIDR {cidr} for IP version {version}")
    return net


def cidr_text(cidr: str, net: Net) -> str:
    """What Neutron stores and returns for a subnet's `cidr`: the address as given, host bits
    and all (neutron-lib's convert_cidr_to_canonical_format; IPv6 in its canonical form), with
    the prefix length; the subnet's range is still the network `net`."""
    if "/" not in cidr:
        return str(net)
    return f"{ipaddress.ip_interface(cidr).ip}/{net.prefixlen}"


def _ip(v: Any, field: str, net: Net | None = None) -> str:
    try:
        a = ipaddress.ip_address(v)
    except (ValueError, TypeError):
        raise errors.bad_request(f"Invalid input for {field}. Reason: '{v}' is not a valid IP "
                                 "address.") from None
    if net is not None and a.version != net.version:
        raise errors.invalid_input(f"{field} {v} does not match the ip_version of the subnet")
    return str(a)


def default_gateway(net: Net) -> str:
    return str(net.network_address + 1)


def default_pools(net: Net, gateway: str | None) -> list[dict[str, str]]:
    """The whole CIDR minus network address, (v4) broadcast address and gateway."""
    first = int(net.network_address) + 1
    last = int(net.broadcast_address) - (1 if net.version == 4 else 0)
    gw = int(ipaddress.ip_address(gateway)) if gateway else None
    spans = [(first, last)]
    if gw is not None and first <= gw <= last:
        spans = [(first, gw - 1), (gw + 1, last)]
    ip = ipaddress.ip_address
    return [{"start": str(ip(a)), "end": str(ip(b))} for a, b in spans if a <= b]


def check_pools(net: Net, pools: Any, gateway: str | None) -> list[dict[str, str]]:
    if not isinstance(pools, list):
        raise errors.bad_request("Invalid input for allocation_pools. Reason: not a list.")
    out: list[dict[str, str]] = []
    spans: list[tuple[int, int]] = []
    for p in pools:
        if not isinstance(p, dict) or set(p) != {"start", "end"}:
            raise errors.bad_request(f"Invalid input for allocation_pools. Reason: {p} is not "
                                     "a valid pool ('start' and 'end' are needed).")
        start, end = _ip(p["start"], "allocation_pools"), _ip(p["end"], "allocation_pools")
        pool = {"start": start, "end": end}
        va, vb = ipaddress.ip_address(start), ipaddress.ip_address(end)
        a, b = int(va), int(vb)
        if va.version != net.version or vb.version != net.version or a > b:
            raise errors.InvalidAllocationPool(pool=_rng(pool))
        lo = int(net.network_address) + (1 if net.version == 4 else 0)
        hi = int(net.broadcast_address) - (1 if net.version == 4 else 0)
        if not (lo <= a and b <= hi):
            raise errors.OutOfBoundsAllocationPool(pool=_rng(pool), subnet_cidr=net)
        for other, (oa, ob) in zip(out, spans, strict=True):
            if a <= ob and oa <= b:
                raise errors.OverlappingAllocationPools(pool_1=_rng(other), pool_2=_rng(pool),
                                                        subnet_cidr=net)
        out.append(pool)
        spans.append((a, b))
    if gateway:
        g = int(ipaddress.ip_address(gateway))
        for pool, (a, b) in zip(out, spans, strict=True):
            if a <= g <= b:
                raise errors.GatewayConflictWithAllocationPools(ip_address=gateway,
                                                                pool=_rng(pool))
    return out


def _gateway(net: Net, a: dict[str, Any], current: str | None = None) -> str | None:
    if "gateway_ip" not in a:
        return current if current is not None else default_gateway(net)
    gw = a["gateway_ip"]
    if gw is None:
        return None
    gw = _ip(gw, "gateway_ip", net)
    g = ipaddress.ip_address(gw)
    # Neutron takes a gateway outside the CIDR; Nubo does not: its dataplane puts the
    # gateway on the router's interface and in DHCP's routes, which need it on-link
    if g not in net or g == net.network_address or (net.version == 4 and
                                                    g == net.broadcast_address):
        raise errors.invalid_input("Gateway is not valid on subnet")
    return gw


def _dns(v: Any, net: Net) -> list[str]:
    if not isinstance(v, list):
        raise errors.bad_request("Invalid input for dns_nameservers. Reason: not a list.")
    out = [_ip(x, "dns_nameservers") for x in v]
    if len(set(out)) != len(out):
        raise errors.bad_request(f"Invalid input for dns_nameservers. Reason: Duplicate "
                                 f"nameserver '{next(x for x in out if out.count(x) > 1)}'.")
    if len(out) > MAX_DNS:
        raise errors.DNSNameServersExhausted(quota=MAX_DNS)
    return out


def _routes(v: Any, net: Net) -> list[dict[str, str]]:
    if not isinstance(v, list):
        raise errors.bad_request("Invalid input for host_routes. Reason: not a list.")
    out = []
    for r in v:
        if not isinstance(r, dict) or set(r) != {"destination", "nexthop"}:
            raise errors.bad_request(f"Invalid input for host_routes. Reason: {r} is not a "
                                     "valid route ('destination' and 'nexthop').")
        try:
            dest = str(ipaddress.ip_network(r["destination"]))
        except (ValueError, TypeError):
            raise errors.bad_request(f"Invalid input for host_routes. Reason: "
                                     f"'{r['destination']}' is not a valid IP subnet.") \
                from None
        out.append({"destination": dest, "nexthop": _ip(r["nexthop"], "host_routes")})
    if len(out) > MAX_ROUTES:
        raise errors.HostRoutesExhausted(subnet_id=net, quota=MAX_ROUTES)
    return out


def _check_common(a: dict[str, Any]) -> None:
    """(name and description: the API enforces their schemas before this)"""
    checks.boolean(a, "enable_dhcp")
    checks.boolean(a, "dns_publish_fixed_ip")
    if a.get("segment_id") is not None:
        raise errors.bad_request("Invalid input for segment_id: segments are not supported.")
    if a.get("service_types"):
        raise errors.bad_request("Invalid input for service_types: not supported.")


async def _overlaps(session: AsyncSession, network_id: str, net: Net) -> None:
    for other in (await session.execute(select(m.Subnet.cidr).where(
            m.Subnet.network_id == network_id))).scalars():
        o = ipaddress.ip_network(other, strict=False)
        if o.version == net.version and o.overlaps(net):  # type: ignore[arg-type]
            raise errors.invalid_input(f"Requested subnet with cidr: {net} for network: "
                                       f"{network_id} overlaps with another subnet")


async def _pool(session: AsyncSession, ctx: RequestContext, a: dict[str, Any]
                ) -> SubnetPool | None:
    """The subnet pool the body names, or the default one it asks for (Neutron's
    _get_subnetpool_id)."""
    pid, use_default = a.get("subnetpool_id"), a.get("use_default_subnetpool")
    if use_default and pid:
        raise subnetpools.bad_subnets("subnetpool_id and use_default_subnetpool cannot both "
                                      "be specified")
    if pid:
        return await subnetpools.get_pool(session, ctx, pid)
    if not use_default:
        return None
    version = a.get("ip_version")
    if a.get("cidr") is not None:
        version = parse_cidr(a["cidr"], a.get("ip_version", _version_of(a["cidr"]))).version
    if version is None:
        raise subnetpools.bad_subnets("ip_version must be specified in the absence of cidr "
                                      "and subnetpool_id")
    if version not in (4, 6):
        raise errors.bad_request(f"Invalid input for ip_version. Reason: {version} is not in "
                                 "[4, 6].")
    pool = await subnetpools.default_pool(session, version)
    if pool is None or not subnetpools.can_see(ctx, pool):
        raise subnetpools.bad_subnets(f"No default subnetpool found for IPv{version}")
    return pool


def _version_of(cidr: Any) -> Any:
    try:
        return ipaddress.ip_network(cidr, strict=False).version
    except (ValueError, TypeError):
        return 4


async def _cidr(session: AsyncSession, ctx: RequestContext, a: dict[str, Any],
                project: str) -> tuple[Net, str, str | None]:
    """The subnet's network and CIDR as stored (given, or allocated from its pool) and the
    pool's id."""
    if a.get("cidr") is not None and a.get("prefixlen") is not None:
        raise subnetpools.bad_subnets("cidr and prefixlen must not be supplied together")
    pool = await _pool(session, ctx, a)
    if pool is None:
        if a.get("cidr") is None:
            raise subnetpools.bad_subnets("a subnetpool must be specified in the absence of "
                                          "a cidr")
        net = parse_cidr(a["cidr"], a.get("ip_version", 4))
        return net, cidr_text(a["cidr"], net), None
    cidr = None
    if a.get("cidr") is not None:
        cidr = parse_cidr(a["cidr"], a.get("ip_version", _version_of(a["cidr"])))
    elif a.get("allocation_pools") is not None:
        raise subnetpools.bad_subnets("allocation_pools allowed only for specific subnet "
                                      "requests")
    await _same_pool(session, a["network_id"], pool)
    net = await subnetpools.allocate(session, pool, project, a.get("ip_version"), cidr,
                                     a.get("prefixlen"))
    return net, cidr_text(a["cidr"], net) if cidr is not None else str(net), pool.id


async def _same_pool(session: AsyncSession, network_id: str, pool: SubnetPool) -> None:
    """Subnets of one IP version on a network come from one pool (or none)."""
    rows = await session.execute(select(m.Subnet.subnetpool_id).where(
        m.Subnet.network_id == network_id, m.Subnet.ip_version == pool.ip_version))
    if any(sp != pool.id for sp in rows.scalars()):
        raise errors.NetworkSubnetPoolAffinityError()


async def _not_from_pool(session: AsyncSession, network_id: str, version: int) -> None:
    rows = await session.execute(select(m.Subnet.subnetpool_id).where(
        m.Subnet.network_id == network_id, m.Subnet.ip_version == version))
    if any(sp is not None for sp in rows.scalars()):
        raise errors.NetworkSubnetPoolAffinityError()


async def create_subnet(session: AsyncSession, ctx: RequestContext, a: dict[str, Any]
                        ) -> m.Subnet:
    """A subnet from a body whose network exists and whose policy is enforced."""
    project = a.get("project_id") or a.get("tenant_id") or ctx.project_id or ""
    net, cidr, pool_id = await _cidr(session, ctx, a, project)
    version = net.version
    if pool_id is None:
        await _not_from_pool(session, a["network_id"], version)
    ra, mode = a.get("ipv6_ra_mode"), a.get("ipv6_address_mode")
    if ra not in V6_MODES or mode not in V6_MODES:
        raise errors.bad_request(f"Invalid input for ipv6 modes: {ra}/{mode}")
    if version == 4 and (ra or mode):
        raise errors.invalid_input("ipv6_ra_mode or ipv6_address_mode cannot be set when "
                                   "enable_dhcp is set to False or ip_version is 4")
    if ra and mode and ra != mode:
        raise errors.invalid_input(f"ipv6_ra_mode set to '{ra}' with ipv6_address_mode set "
                                   f"to '{mode}' is not valid. If both attributes are set, "
                                   "they must be the same value")
    gateway = _gateway(net, a)
    pools = check_pools(net, a["allocation_pools"], gateway) \
        if a.get("allocation_pools") is not None else default_pools(net, gateway)
    await _overlaps(session, a["network_id"], net)
    await quotas.check(session, project, "subnet", 1)
    sub = m.Subnet(id=str(uuid.uuid4()), network_id=a["network_id"], project_id=project,
                   subnetpool_id=pool_id,
                   name=a.get("name") or "", description=a.get("description") or "",
                   ip_version=version, cidr=cidr, gateway_ip=gateway,
                   enable_dhcp=a.get("enable_dhcp", True), ipv6_ra_mode=ra,
                   ipv6_address_mode=mode, allocation_pools=pools,
                   dns_nameservers=_dns(a.get("dns_nameservers") or [], net),
                   host_routes=_routes(a.get("host_routes") or [], net), revision_number=0)
    session.add(sub)
    await session.flush()
    if a.get("tags"):
        await attrs.set_tags(session, "subnets", sub.id, a["tags"])
    if sub.enable_dhcp:
        await ensure_dhcp(session, ctx, sub)
    return sub


async def _dhcp_port(session: AsyncSession, network_id: str) -> m.Port | None:
    return (await session.execute(select(m.Port).where(
        m.Port.network_id == network_id, m.Port.device_owner == ports.DHCP_OWNER).limit(1))
    ).scalars().first()


async def ensure_dhcp(session: AsyncSession, ctx: RequestContext, sub: m.Subnet) -> None:
    """Give the network's DHCP port an address on `sub` (creating the port if needed); a
    subnet without a free address simply gets no DHCP address, as with Neutron's agent."""
    port = await _dhcp_port(session, sub.network_id)
    net = await session.get(m.Network, sub.network_id)
    assert net is not None
    try:
        if port is None:
            await ports.create_port(session, ctx, {
                "network_id": sub.network_id, "project_id": net.project_id,
                "device_owner": ports.DHCP_OWNER, "device_id": f"dhcp-{sub.network_id}",
                "fixed_ips": [{"subnet_id": sub.id}], "port_security_enabled": False,
                "security_groups": []})
        else:
            await ipam.allocate(session, sub.network_id, sub.id, port_id=port.id,
                                mac=port.mac_address)
    except Conflict:
        pass


async def drop_dhcp(session: AsyncSession, sub: m.Subnet) -> None:
    """Take the DHCP port's address on `sub` back; the port goes with its last address."""
    port = await _dhcp_port(session, sub.network_id)
    if port is None:
        return
    await ipam.release(session, port.id, subnet_id=sub.id)
    await session.flush()
    if not (await ports.ips_of(session, [port.id]))[port.id]:
        await ports.delete_port(session, port.id)


async def get_subnet(session: AsyncSession, ctx: RequestContext, sid: str) -> m.Subnet:
    sub = await session.get(m.Subnet, sid)
    if sub is None:
        raise errors.not_found("Subnet", sid)
    try:
        await get_network(session, ctx, sub.network_id)
    except NotFound:
        raise errors.not_found("Subnet", sid) from None
    return sub


def check_create(a: dict[str, Any]) -> None:
    _check_common(a)
    checks.uuid(a, "network_id")
    checks.string(a, "project_id")
    checks.string(a, "tenant_id")
    checks.uuid_or_none(a, "subnetpool_id")
    checks.boolean(a, "use_default_subnetpool")
    subnetpools.int_attr(a, "prefixlen")
    for t in a.get("tags") or []:
        attrs.valid_tag(t)
    if "ip_version" in a and isinstance(a["ip_version"], str) and a["ip_version"].isdigit():
        a["ip_version"] = int(a["ip_version"])


async def list_subnets(session: AsyncSession, ctx: RequestContext) -> list[m.Subnet]:
    q = select(m.Subnet)
    nets = await visible_network_ids(session, ctx)
    if nets is not None:
        q = q.where(m.Subnet.network_id.in_(nets))
    return list((await session.execute(q)).scalars().all())


async def network_of(session: AsyncSession, sub: m.Subnet) -> m.Network:
    net = await session.get(m.Network, sub.network_id)
    assert net is not None
    return net


def check_read_only(a: dict[str, Any]) -> None:
    """An update naming a read-only attribute: Neutron's refusal (before any other check)."""
    for k in READ_ONLY:
        if k in a:
            raise errors.bad_request(f"Cannot update read-only attribute {k}")


def check_update(a: dict[str, Any]) -> None:
    """The attributes of an update past check_read_only and the API's schemas."""
    _check_common(a)


async def update_subnet(s: AsyncSession, ctx: RequestContext, sub: m.Subnet,
                        a: dict[str, Any]) -> None:
    """Apply a checked update body (policy already enforced)."""
    await _apply_update(s, ctx, sub, a)
    attrs.touch(sub)
    await s.flush()


async def _apply_update(s: AsyncSession, ctx: RequestContext, sub: m.Subnet,
                        a: dict[str, Any]) -> None:
    net = ipaddress.ip_network(sub.cidr, strict=False)
    for k in ("name", "description"):
        if k in a:
            setattr(sub, k, a[k] or "")
    gateway = _gateway(net, a, sub.gateway_ip) if "gateway_ip" in a else sub.gateway_ip
    pools = a["allocation_pools"] if "allocation_pools" in a else sub.allocation_pools
    sub.allocation_pools = check_pools(net, pools, gateway)
    if gateway != sub.gateway_ip and gateway is not None:
        taken = (await s.execute(select(m.IPAllocation.port_id).where(
            m.IPAllocation.subnet_id == sub.id, m.IPAllocation.ip_address == gateway))).first()
        if taken is not None:
            raise errors.GatewayIpInUse(ip_address=gateway)
    sub.gateway_ip = gateway
    if "dns_nameservers" in a:
        sub.dns_nameservers = _dns(a["dns_nameservers"] or [], net)
    if "host_routes" in a:
        sub.host_routes = _routes(a["host_routes"] or [], net)
    if "enable_dhcp" in a and a["enable_dhcp"] != sub.enable_dhcp:
        sub.enable_dhcp = a["enable_dhcp"]
        await s.flush()
        await (ensure_dhcp(s, ctx, sub) if sub.enable_dhcp else drop_dhcp(s, sub))


async def delete_subnet(s: AsyncSession, sub: m.Subnet) -> None:
    """Delete a subnet whose addresses only auto-deleted (DHCP) ports hold; else SubnetInUse.
    On an IPv6 SLAAC or DHCPv6-stateless subnet, the addresses the ports made for themselves
    go with the subnet (routers' interfaces still keep it), as in Neutron."""
    held: list[tuple[str, str]] = [(r[0], r[1]) for r in await s.execute(select(
        m.Port.id, m.Port.device_owner).join(
        m.IPAllocation, m.IPAllocation.port_id == m.Port.id).where(
        m.IPAllocation.subnet_id == sub.id))]
    if ipam.is_slaac(sub):
        for pid, owner in held:
            if owner not in ROUTER_INTERFACE_OWNERS:
                await ipam.release(s, pid, subnet_id=sub.id)
                port = await s.get(m.Port, pid)
                if port is not None:
                    attrs.touch(port)
        held = [(pid, owner) for pid, owner in held if owner in ROUTER_INTERFACE_OWNERS]
    if any(owner not in ports.AUTO_DELETE_OWNERS for _, owner in held):
        raise errors.subnet_in_use(sub.id)
    await drop_dhcp(s, sub)
    await attrs.drop_tags(s, "subnets", sub.id)
    net = await s.get(m.Network, sub.network_id)
    await s.delete(sub)
    if net is not None:
        attrs.touch(net)


