"""IP address management: pick a free address of a subnet's allocation pools, or take the one
asked for, and record it for a port.

Correct under concurrency on every database: the unique constraint on (network_id, ip_address)
refuses a second holder of an address; the insert runs in a savepoint, so a transaction that
loses the race on one address tries the next one instead of failing (on SQLite the write lock
already serialises writers; on PostgreSQL/MariaDB two transactions can pick the same address).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.network import errors
from nubo.network import models as m

IPNet = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddr = ipaddress.IPv4Address | ipaddress.IPv6Address
#: how many addresses one allocation tries before giving up (each loss means another
#: transaction took that address, so the next free one is read again)
MAX_RACES = 20
#: addresses of a pool looked at per read of the used set (IPv6 pools are astronomically big)
SCAN_LIMIT = 1 << 16


def pool_ranges(subnet: m.Subnet) -> list[tuple[int, int]]:
    return [(int(ipaddress.ip_address(p["start"])), int(ipaddress.ip_address(p["end"])))
            for p in subnet.allocation_pools]


def pool_size(subnet: m.Subnet) -> int:
    return sum(end - start + 1 for start, end in pool_ranges(subnet))


def in_pools(subnet: m.Subnet, ip: str) -> bool:
    n = int(ipaddress.ip_address(ip))
    return any(start <= n <= end for start, end in pool_ranges(subnet))


def is_slaac(subnet: m.Subnet) -> bool:
    return subnet.ip_version == 6 and subnet.ipv6_address_mode in ("slaac", "dhcpv6-stateless")


def eui64(cidr: str, mac: str) -> str:
    """The SLAAC address of `mac` in an IPv6 /64 (RFC 4291 modified EUI-64)."""
    b = bytearray(int(x, 16) for x in mac.split(":"))
    b[0] ^= 0x02
    iid = bytes(b[:3]) + b"\xff\xfe" + bytes(b[3:])
    net = ipaddress.IPv6Network(cidr, strict=False)
    return str(ipaddress.IPv6Address(int(net.network_address) | int.from_bytes(iid, "big")))


async def _subnets(session: AsyncSession, network_id: str) -> Sequence[m.Subnet]:
    return (await session.execute(select(m.Subnet).where(
        m.Subnet.network_id == network_id).order_by(m.Subnet.created_at, m.Subnet.id))
    ).scalars().all()


async def _used(session: AsyncSession, subnet_id: str) -> set[int]:
    rows = await session.execute(select(m.IPAllocation.ip_address).where(
        m.IPAllocation.subnet_id == subnet_id))
    return {int(ipaddress.ip_address(r[0])) for r in rows}


def _free(subnet: m.Subnet, used: set[int]) -> Iterator[int]:
    gw = int(ipaddress.ip_address(subnet.gateway_ip)) if subnet.gateway_ip else None
    for start, end in pool_ranges(subnet):
        for n in range(start, min(end, start + SCAN_LIMIT) + 1):
            if n not in used and n != gw:
                yield n


async def _insert(session: AsyncSession, port_id: str, network_id: str, subnet_id: str,
                  ip: str) -> bool:
    """Record the address; False when another transaction holds it already."""
    try:
        async with session.begin_nested():
            session.add(m.IPAllocation(port_id=port_id, network_id=network_id,
                                       subnet_id=subnet_id, ip_address=ip))
    except IntegrityError:
        return False
    return True


def _find_subnet(subnets: Sequence[m.Subnet], network_id: str, subnet_id: str | None,
                 ip: str | None) -> m.Subnet:
    if subnet_id is not None:
        for s in subnets:
            if s.id == subnet_id:
                if ip is not None and ipaddress.ip_address(ip) not in ipaddress.ip_network(
                        s.cidr, strict=False):
                    raise invalid_for_subnet(ip)
                return s
        raise errors.invalid_input(f"Failed to create port on network {network_id}, because "
                                   f"fixed_ips included invalid subnet {subnet_id}")
    assert ip is not None
    addr = ipaddress.ip_address(ip)
    for s in subnets:
        if addr in ipaddress.ip_network(s.cidr, strict=False):
            return s
    raise errors.InvalidIpForNetwork(ip_address=ip)


def invalid_for_subnet(ip: str) -> errors.InvalidIpForSubnet:
    return errors.InvalidIpForSubnet(ip_address=ip)


def check_host_address(subnet: m.Subnet, ip: str) -> str:
    """The canonical form of `ip`, refusing a v4 subnet's network or broadcast address."""
    addr = ipaddress.ip_address(ip)
    net = ipaddress.ip_network(subnet.cidr, strict=False)
    if addr.version == 4 and net.prefixlen < 31 and addr in (net.network_address,
                                                             net.broadcast_address):
        raise invalid_for_subnet(ip)
    if addr.version == 6 and addr == net.network_address:
        raise invalid_for_subnet(ip)
    return str(addr)


async def allocate(session: AsyncSession, network_id: str, subnet_id: str | None = None,
                   ip: str | None = None, *, port_id: str | None = None,
                   mac: str | None = None) -> tuple[str, str]:
    """An address on the network: `ip` if given (409 IpAddressAlreadyAllocated when held),
    else the first free one of `subnet_id`'s pools, else of the first subnet with room
    (409 IpAddressGenerationFailure when none has). With `port_id` the address is recorded
    for that port inside the caller's transaction; returns (subnet_id, ip)."""
    subnets = await _subnets(session, network_id)
    if ip is not None or subnet_id is not None:
        subnet = _find_subnet(subnets, network_id, subnet_id, ip)
        if ip is None and is_slaac(subnet) and mac:
            ip = eui64(subnet.cidr, mac)
        if ip is not None:
            ip = check_host_address(subnet, ip)
            if port_id is None:
                if int(ipaddress.ip_address(ip)) in await _used(session, subnet.id):
                    raise errors.ip_in_use(ip, subnet.id)
            elif not await _insert(session, port_id, network_id, subnet.id, ip):
                raise errors.ip_in_use(ip, subnet.id)
            return subnet.id, ip
        candidates: Sequence[m.Subnet] = [subnet]
    else:
        candidates = [s for s in subnets if not is_slaac(s)]
    for s in candidates:
        got = await _next_free(session, network_id, s, port_id)
        if got is not None:
            return s.id, got
    raise errors.ip_exhausted(network_id)


async def _next_free(session: AsyncSession, network_id: str, subnet: m.Subnet,
                     port_id: str | None) -> str | None:
    lost: set[int] = set()
    for _ in range(MAX_RACES):
        used = await _used(session, subnet.id) | lost
        n = next(_free(subnet, used), None)
        if n is None:
            return None
        ip = str(ipaddress.ip_address(n))
        if port_id is None or await _insert(session, port_id, network_id, subnet.id, ip):
            return ip
        lost.add(n)
    return None


async def release(session: AsyncSession, port_id: str, ip: str | None = None,
                  subnet_id: str | None = None) -> None:
    """Give back a port's addresses: all of them, one, or those on one subnet."""
    q = delete(m.IPAllocation).where(m.IPAllocation.port_id == port_id)
    if ip is not None:
        q = q.where(m.IPAllocation.ip_address == ip)
    if subnet_id is not None:
        q = q.where(m.IPAllocation.subnet_id == subnet_id)
    await session.execute(q)
