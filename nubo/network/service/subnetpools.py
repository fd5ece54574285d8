"""Subnet pools (Neutron's subnet_allocation, default-subnetpools, subnetpool-prefix-ops):
prefixes a project's subnets are carved from, with Neutron's checks and messages.

Allocation from a pool never hands out overlapping CIDRs, whatever the concurrency: the pool's
free space is computed from its subnets, and the choice is claimed by rewriting the pool's
`hash` with a conditional UPDATE in the same transaction that inserts the subnet (Neutron's
SubnetAllocator._lock_subnetpool). A transaction whose claim finds the hash changed lost the
race: it reads the pool again and picks anew, up to MAX_RACES times, then answers Neutron's
409 SubnetPoolInUse. The pool row is read FOR UPDATE and its prefixes and subnets by locking
reads, so on PostgreSQL and MariaDB (REPEATABLE READ) allocators queue and see each other's
subnets instead of losing claims; on SQLite the write lock already serialises writers.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.network import errors
from nubo.network import models as m
from nubo.network.models_subnetpools import SubnetPool, SubnetPoolPrefix
from nubo.network.service import address_scopes, attrs, checks, quotas

Net = ipaddress.IPv4Network | ipaddress.IPv6Network
BITS = {4: 32, 6: 128}
#: Neutron's SubnetPoolHelper: the default min_prefixlen, and the quota unit (a /32 or /64)
DEFAULT_MIN = {4: 8, 6: 64}
QUOTA_UNIT = {4: 32, 6: 64}
MAX_RACES = 10
INT_MAX = 2**31 - 1
BOUNDS = ("min_prefixlen", "max_prefixlen", "default_prefixlen")


def not_found(pool_id: str) -> errors.SubnetPoolNotFound:
    return errors.SubnetPoolNotFound(id=pool_id)


def bad_subnets(msg: str) -> errors.BadRequest:
    return errors.BadRequest(resource="subnets", msg=msg)


def allocation_error(reason: str) -> errors.SubnetAllocationError:
    return errors.SubnetAllocationError(reason=reason)


def _bounds_error(kind: str, value: int, base_kind: str,
                  base: int) -> errors.IllegalSubnetPoolPrefixBounds:
    return errors.IllegalSubnetPoolPrefixBounds(prefix_type=kind, prefixlen=value,
                                                base_prefix_type=base_kind, base_prefixlen=base)


def _prefix_update_error(msg: str) -> errors.IllegalSubnetPoolPrefixUpdate:
    return errors.IllegalSubnetPoolPrefixUpdate(msg=msg)


# -------------------------------------------------------------------------------- prefixes

def parse_prefixes(v: Any, field: str = "prefixes") -> list[Net]:
    """Neutron's type:subnet_list, then one IP version for all (PrefixVersionMismatch)."""
    if not isinstance(v, list):
        raise errors.bad_request(f"Invalid input for {field}. Reason: '{v}' is not a list.")
    nets: list[Net] = []
    for p in v:
        try:
            net = ipaddress.ip_network(p, strict=False) if isinstance(p, str) and "/" in p \
                else None
        except ValueError:
            net = None
        if net is None:
            raise errors.bad_request(f"Invalid input for {field}. Reason: '{p}' is not a "
                                     "valid IP subnet.")
        nets.append(net)
    if len({n.version for n in nets}) > 1:
        raise errors.PrefixVersionMismatch()
    return nets


def compact(nets: Iterable[Net]) -> list[Net]:
    """The smallest list of CIDRs covering `nets` (Neutron's IPSet.compact)."""
    nets = list(nets)
    return list(ipaddress.collapse_addresses(nets)) if nets else []  # type: ignore[type-var]


def subtract(blocks: Iterable[Net], taken: Iterable[Net]) -> list[Net]:
    """What of `blocks` is not covered by `taken`."""
    free = compact(blocks)
    for t in taken:
        out: list[Net] = []
        for b in free:
            if b.version != t.version or not b.overlaps(t):  # type: ignore[arg-type]
                out.append(b)
            elif t.subnet_of(b):  # type: ignore[arg-type]
                out.extend(b.address_exclude(t))  # type: ignore[arg-type]
        free = out
    return compact(free)


def _covers(outer: Iterable[Net], inner: Iterable[Net]) -> bool:
    rest = subtract(inner, outer)
    return not rest


# ---------------------------------------------------------------------------- attributes

def int_attr(a: dict[str, Any], k: str) -> None:
    """Neutron's convert_to_int + type:non_negative (in place)."""
    if k not in a or a[k] is None:
        return
    v = a[k]
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise errors.bad_request(f"Invalid input for {k}. Reason: '{v}' is not an integer.")
    try:
        n = int(v)
    except ValueError:
        raise errors.bad_request(f"Invalid input for {k}. Reason: '{v}' is not an integer.") \
            from None
    if n < 0:
        raise errors.bad_request(f"Invalid input for {k}. Reason: '{n}' should be "
                                 "non-negative.")
    if n > INT_MAX:      # what every database's INTEGER column holds
        raise errors.bad_request(f"Invalid input for {k}. Reason: '{n}' is too large - must "
                                 f"be no larger than '{INT_MAX}'.")
    a[k] = n


def check_attrs(a: dict[str, Any]) -> None:
    """Types of the attributes a create or update may carry (in place; the API enforces the
    schema of name before this)."""
    checks.string(a, "description", nullable=True)
    for k in ("is_default", "shared"):
        checks.boolean(a, k)
    for k in (*BOUNDS, "default_quota"):
        int_attr(a, k)
    for t in a.get("tags") or []:
        attrs.valid_tag(t)
    checks.uuid_or_none(a, "address_scope_id")


def read_pool(a: dict[str, Any]) -> dict[str, Any]:
    """Neutron's SubnetPoolReader: version, compacted prefixes and checked prefix bounds."""
    nets = parse_prefixes(a["prefixes"])
    if not nets:
        raise errors.EmptySubnetPoolPrefixList()
    version = nets[0].version
    lo = a["min_prefixlen"] if a.get("min_prefixlen") is not None else DEFAULT_MIN[version]
    hi = a["max_prefixlen"] if a.get("max_prefixlen") is not None else BITS[version]
    default = a["default_prefixlen"] if a.get("default_prefixlen") is not None else lo
    if lo > hi:
        raise _bounds_error("min_prefixlen", lo, "max_prefixlen", hi)
    if hi > BITS[version]:
        raise _bounds_error("max_prefixlen", hi, "ip_version_max", BITS[version])
    if default < lo:
        raise _bounds_error("default_prefixlen", default, "min_prefixlen", lo)
    if default > hi:
        raise _bounds_error("default_prefixlen", default, "max_prefixlen", hi)
    return {"ip_version": version, "prefixes": compact(nets), "min_prefixlen": lo,
            "max_prefixlen": hi, "default_prefixlen": default}


# ------------------------------------------------------------------------------- records

def can_see(ctx: RequestContext, p: SubnetPool) -> bool:
    return ctx.is_admin or p.project_id == ctx.project_id or p.shared


async def get_pool(session: AsyncSession, ctx: RequestContext, pool_id: str) -> SubnetPool:
    p = await session.get(SubnetPool, pool_id)
    if p is None or not can_see(ctx, p):
        raise not_found(pool_id)
    return p


async def list_pools(session: AsyncSession, ctx: RequestContext) -> list[SubnetPool]:
    """The pools the caller sees: an admin all, a project its own and the shared ones."""
    q = select(SubnetPool)
    if not ctx.is_admin:
        q = q.where(or_(SubnetPool.project_id == (ctx.project_id or ""),
                        SubnetPool.shared.is_(True)))
    return list((await session.execute(q)).scalars().all())


def check_owner(ctx: RequestContext, p: SubnetPool, action: str) -> None:
    if not (ctx.is_admin or p.project_id == ctx.project_id):
        raise errors.PolicyNotAuthorized(action=action)


async def prefixes_of(session: AsyncSession, ids: Sequence[str],
                      lock: bool = False) -> dict[str, list[str]]:
    """The pools' prefixes; `lock`: a locking read (the latest committed rows, also under
    MariaDB's REPEATABLE READ)."""
    out: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        q = select(SubnetPoolPrefix.subnetpool_id, SubnetPoolPrefix.cidr).where(
            SubnetPoolPrefix.subnetpool_id.in_(ids))
        for pid, cidr in await session.execute(q.with_for_update(read=True) if lock else q):
            out[pid].append(cidr)
    return {k: [str(n) for n in compact(ipaddress.ip_network(c) for c in v)]
            for k, v in out.items()}


async def _set_prefixes(session: AsyncSession, pool_id: str, nets: Iterable[Net]) -> None:
    await session.execute(delete(SubnetPoolPrefix).where(
        SubnetPoolPrefix.subnetpool_id == pool_id))
    for n in nets:
        session.add(SubnetPoolPrefix(subnetpool_id=pool_id, cidr=str(n)))


async def default_pool(session: AsyncSession, version: int) -> SubnetPool | None:
    return (await session.execute(select(SubnetPool).where(
        SubnetPool.is_default.is_(True), SubnetPool.ip_version == version).order_by(
        SubnetPool.created_at, SubnetPool.id).limit(1))).scalars().first()


async def _one_default(session: AsyncSession, version: int) -> None:
    if await default_pool(session, version) is not None:
        raise errors.invalid_input("A default subnetpool for this IP family has already been "
                                   "set. Only one default may exist per IP family")


async def create_pool(session: AsyncSession, ctx: RequestContext, a: dict[str, Any]
                      ) -> SubnetPool:
    r = read_pool(a)
    if a.get("is_default"):
        await _one_default(session, r["ip_version"])
    project = a.get("project_id") or a.get("tenant_id") or ctx.project_id or ""
    await quotas.check(session, project, "subnetpool", 1)
    pool_id, scope = str(uuid.uuid4()), a.get("address_scope_id")
    await address_scopes.check_association(session, ctx, scope, pool_id, r["prefixes"],
                                           r["ip_version"])
    p = SubnetPool(id=pool_id, project_id=project, address_scope_id=scope or None,
                   name=a.get("name") or "",
                   description=a.get("description") or "", ip_version=r["ip_version"],
                   default_prefixlen=r["default_prefixlen"], min_prefixlen=r["min_prefixlen"],
                   max_prefixlen=r["max_prefixlen"], shared=bool(a.get("shared")),
                   is_default=bool(a.get("is_default")), default_quota=a.get("default_quota"),
                   hash=str(uuid.uuid4()), revision_number=0)
    session.add(p)
    await session.flush()
    await _set_prefixes(session, p.id, r["prefixes"])
    if a.get("tags"):
        await attrs.set_tags(session, "subnetpools", p.id, a["tags"])
    return p


async def update_pool(session: AsyncSession, ctx: RequestContext, p: SubnetPool,
                      a: dict[str, Any]) -> SubnetPool:
    """Neutron's _update_subnetpool_dict: prefixes may only grow; bounds checked again; the
    address scope checked again (also when only the prefixes change)."""
    await address_scopes.check_pool_update_allowed(session, ctx, p)
    old = [ipaddress.ip_network(c) for c in (await prefixes_of(session, [p.id]))[p.id]]
    merged: dict[str, Any] = {k: getattr(p, k) for k in BOUNDS}
    merged.update({k: a[k] for k in BOUNDS if k in a and a[k] is not None})
    merged["prefixes"] = [str(n) for n in old]
    if "prefixes" in a:
        new = parse_prefixes(a["prefixes"])
        if not _covers(new, old):
            raise _prefix_update_error("Existing prefixes must be a subset of the new prefixes")
        merged["prefixes"] = [str(n) for n in new]
    r = read_pool(merged)
    if r["ip_version"] != p.ip_version:
        raise errors.PrefixVersionMismatch()
    if a.get("is_default") and not p.is_default:
        await _one_default(session, p.ip_version)
    scope = a["address_scope_id"] if "address_scope_id" in a else p.address_scope_id
    await address_scopes.check_association(session, ctx, scope, p.id, r["prefixes"],
                                           p.ip_version)
    p.address_scope_id = scope or None
    for k in ("name", "description"):
        if k in a:
            setattr(p, k, a[k] or "")
    for k in BOUNDS:
        setattr(p, k, r[k])
    if "is_default" in a:
        p.is_default = bool(a["is_default"])
    if "default_quota" in a:
        p.default_quota = a["default_quota"]
    if "prefixes" in a:
        await _set_prefixes(session, p.id, r["prefixes"])
    attrs.touch(p)
    await session.flush()
    return p


async def remove_prefixes(session: AsyncSession, p: SubnetPool, gone: list[Net]) -> None:
    """subnetpool-prefix-ops: drop address space no subnet of the pool uses."""
    have = [ipaddress.ip_network(c) for c in (await prefixes_of(session, [p.id]))[p.id]]
    if not any(g.version == h.version and g.overlaps(h)  # type: ignore[arg-type]
               for g in gone for h in have):
        return
    used = await allocated(session, p.id)
    if any(g.version == u.version and g.overlaps(u)  # type: ignore[arg-type]
           for g in gone for u in used):
        raise _prefix_update_error("One or more the prefixes to be removed is in use by a "
                                   "subnet")
    left = subtract(have, gone)
    if not left:
        raise errors.EmptySubnetPoolPrefixList()
    p.hash = str(uuid.uuid4())   # an allocation that read the old prefixes loses its claim
    await _set_prefixes(session, p.id, left)
    attrs.touch(p)
    await session.flush()


async def delete_pool(session: AsyncSession, p: SubnetPool) -> None:
    in_use = (await session.execute(select(m.Subnet.id).where(
        m.Subnet.subnetpool_id == p.id).limit(1))).first()
    if in_use is not None:
        raise errors.SubnetPoolDeleteError(reason="Subnet pool has existing allocations")
    await attrs.drop_tags(session, "subnetpools", p.id)
    await session.delete(p)


# ------------------------------------------------------------------------------ allocation

async def allocated(session: AsyncSession, pool_id: str,
                    project_id: str | None = None) -> list[Net]:
    """The CIDRs of the pool's subnets, by a locking read (see prefixes_of)."""
    q = select(m.Subnet.cidr).where(m.Subnet.subnetpool_id == pool_id).with_for_update(
        read=True)
    if project_id is not None:
        q = q.where(m.Subnet.project_id == project_id)
    return [ipaddress.ip_network(c, strict=False) for c in (await session.execute(q)).scalars()]


async def _check_quota(session: AsyncSession, p: SubnetPool, project: str,
                       prefixlen: int) -> None:
    """The pool's default_quota: how many /32 (v4) or /64 (v6) a project may hold."""
    if not p.default_quota:
        return
    unit = QUOTA_UNIT[p.ip_version]
    used = sum(2 ** (unit - n.prefixlen) for n in await allocated(session, p.id, project))
    if used + 2 ** (unit - prefixlen) > p.default_quota:
        raise errors.SubnetPoolQuotaExceeded()


def pick(free: list[Net], prefixlen: int, cidr: Net | None) -> Net:
    """`cidr` when it lies in one free block; else the first /prefixlen of the smallest
    free block that holds one (Neutron's order: least fragmentation)."""
    if cidr is not None:
        if any(cidr.version == b.version and cidr.subnet_of(b)  # type: ignore[arg-type]
               for b in free):
            return cidr
        raise allocation_error("Cannot allocate requested subnet from the available set of "
                               "prefixes")
    for block in sorted(free, key=lambda b: (-b.prefixlen, int(b.network_address))):
        if block.prefixlen <= prefixlen:
            first: Net = next(block.subnets(new_prefix=prefixlen))  # type: ignore[assignment]
            return first
    raise allocation_error(f"Insufficient prefix space to allocate subnet size /{prefixlen}")


async def claim(session: AsyncSession, pool_id: str, seen: str) -> bool:
    """Rewrite the pool's hash if it is still `seen`: False when another transaction
    allocated from the pool since it was read."""
    res = await session.execute(update(SubnetPool).where(
        SubnetPool.id == pool_id, SubnetPool.hash == seen).values(hash=str(uuid.uuid4())))
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def allocate(session: AsyncSession, p: SubnetPool, project: str, version: Any,
                   cidr: Net | None, prefixlen: int | None) -> Net:
    """A CIDR from the pool for a subnet the caller inserts in this same transaction."""
    if version is not None and version != p.ip_version:
        raise bad_subnets(f"Cannot allocate IPv{version} subnet from IPv{p.ip_version} subnet "
                          "pool")
    if cidr is not None and cidr.version != p.ip_version:
        raise bad_subnets(f"Cannot allocate IPv{cidr.version} subnet from IPv{p.ip_version} "
                          "subnet pool")
    size = cidr.prefixlen if cidr is not None else (
        prefixlen if prefixlen is not None else p.default_prefixlen)
    if size > p.max_prefixlen:
        raise errors.MaxPrefixSubnetAllocationError(prefixlen=size,
                                                    max_prefixlen=p.max_prefixlen)
    if size < p.min_prefixlen:
        raise errors.MinPrefixSubnetAllocationError(prefixlen=size,
                                                    min_prefixlen=p.min_prefixlen)
    for _ in range(MAX_RACES):
        # FOR UPDATE queues the pool's allocators on PostgreSQL and MariaDB (SQLite has its
        # write lock); the hash claim below is what guarantees no overlap in any case
        seen = (await session.execute(select(SubnetPool.hash).where(
            SubnetPool.id == p.id).with_for_update())).scalar_one_or_none()
        if seen is None:
            raise not_found(p.id)
        await _check_quota(session, p, project, size)
        prefixes = [ipaddress.ip_network(c) for c in
                    (await prefixes_of(session, [p.id], lock=True))[p.id]]
        got = pick(subtract(prefixes, await allocated(session, p.id)), size, cidr)
        if await claim(session, p.id, seen):
            return got
    raise errors.SubnetPoolInUse(subnet_pool_id=p.id)


async def _count(session: AsyncSession, project_id: str) -> int:
    q = select(func.count()).select_from(SubnetPool).where(SubnetPool.project_id == project_id)
    return int((await session.execute(q)).scalar_one())


quotas.register_counter("subnetpool", _count)
