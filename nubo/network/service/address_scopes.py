"""Address scopes (Neutron's address-scope extension: neutron/db/address_scope_db.py and the
subnet pool checks of db_base_plugin_v2): records, visibility, and what a scope means for
the subnet pools in it and the networks whose subnets come from them.

A scope is seen by admins, its project, and everybody when shared (Neutron's default policy
get_address_scope); one that is not seen is AddressScopeNotFound. A subnet pool may join a
scope the caller's project owns or a shared one, of its IP version, whose other pools'
prefixes it does not overlap; a pool in a scope of another project can no longer be updated
by a non-admin (Neutron's _check_subnetpool_update_allowed).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.network import errors
from nubo.network import models as m
from nubo.network.models_address_scopes import AddressScope
from nubo.network.models_subnetpools import SubnetPool, SubnetPoolPrefix
from nubo.network.service import checks

Net = ipaddress.IPv4Network | ipaddress.IPv6Network
VERSIONS = (4, 6)


#: what an update may name but not change (Neutron: "Cannot update read-only attribute")
READ_ONLY = ("id", "ip_version", "project_id", "tenant_id")

def not_found(scope_id: str) -> errors.AddressScopeNotFound:
    return errors.AddressScopeNotFound(id=scope_id)


def update_error(scope_id: str, reason: str) -> errors.AddressScopeUpdateError:
    return errors.AddressScopeUpdateError(address_scope_id=scope_id, reason=reason)


def check_attrs(a: dict[str, Any]) -> None:
    """neutron-lib's address_scope definition: name a string, shared a boolean, ip_version
    convert_to_int then one of [4, 6] (in place)."""
    checks.string(a, "name")
    checks.boolean(a, "shared")
    if "ip_version" in a:
        v = a["ip_version"]
        try:
            n = int(v) if not isinstance(v, bool) and isinstance(v, int | str) else None
        except ValueError:
            n = None
        if n is None:
            raise errors.bad_request(f"Invalid input for ip_version. Reason: '{v}' is not an "
                                     "integer.")
        if n not in VERSIONS:
            raise errors.bad_request(f"Invalid input for ip_version. Reason: {n} is not in "
                                     "[4, 6].")
        a["ip_version"] = n


def can_see(ctx: RequestContext, a: AddressScope) -> bool:
    return ctx.is_admin or a.project_id == ctx.project_id or a.shared


async def get_scope(session: AsyncSession, ctx: RequestContext, scope_id: str) -> AddressScope:
    a = await session.get(AddressScope, scope_id)
    if a is None or not can_see(ctx, a):
        raise not_found(scope_id)
    return a


async def list_scopes(session: AsyncSession, ctx: RequestContext) -> list[AddressScope]:
    q = select(AddressScope)
    if not ctx.is_admin:
        q = q.where(or_(AddressScope.project_id == (ctx.project_id or ""),
                        AddressScope.shared.is_(True)))
    return list((await session.execute(q)).scalars())


def create_scope(session: AsyncSession, project: str, a: dict[str, Any]) -> AddressScope:
    row = AddressScope(id=str(uuid.uuid4()), project_id=project, name=a.get("name") or "",
                       shared=bool(a.get("shared")), ip_version=a["ip_version"])
    session.add(row)
    return row


async def create_scopes(session: AsyncSession, items: list[tuple[str, dict[str, Any]]]
                        ) -> list[AddressScope]:
    """Address scopes from checked bodies, each with its project (policy already enforced)."""
    made = [create_scope(session, project, a) for project, a in items]
    await session.flush()
    return made


def check_update(a: dict[str, Any]) -> None:
    for k in READ_ONLY:
        if k in a:
            raise errors.bad_request(f"Cannot update read-only attribute {k}")
    check_attrs(a)


async def update_scope(session: AsyncSession, row: AddressScope, a: dict[str, Any]) -> None:
    """Neutron's update_address_scope: a shared scope stays shared."""
    if row.shared and "shared" in a and not a["shared"]:
        raise update_error(row.id, "Shared address scope can't be unshared")
    if "name" in a:
        row.name = a["name"] or ""
    if "shared" in a:
        row.shared = bool(a["shared"])
    await session.flush()


async def delete_scope(session: AsyncSession, row: AddressScope) -> None:
    used = (await session.execute(select(SubnetPool.id).where(
        SubnetPool.address_scope_id == row.id).limit(1))).first()
    if used is not None:
        raise errors.AddressScopeInUse(address_scope_id=row.id)
    await session.delete(row)


# ---------------------------------------------------------------------------- subnet pools

def _owned(ctx: RequestContext, a: AddressScope) -> bool:
    return ctx.is_admin or a.project_id == ctx.project_id


async def check_pool_update_allowed(session: AsyncSession, ctx: RequestContext,
                                    pool: SubnetPool) -> None:
    """A pool in a (shared) scope of another project is not the caller's to change."""
    if not pool.address_scope_id:
        return
    a = await get_scope(session, ctx, pool.address_scope_id)
    if not _owned(ctx, a):
        raise errors.IllegalSubnetPoolUpdate(
            reason=f"subnetpool {pool.id} cannot be updated when associated with shared "
            f"address scope {pool.address_scope_id}")


async def check_association(session: AsyncSession, ctx: RequestContext, scope_id: str | None,
                            pool_id: str, prefixes: Iterable[Net], ip_version: int) -> None:
    """Neutron's _validate_address_scope_id, for a pool (new or updated) with these
    prefixes joining or staying in `scope_id`."""
    if not scope_id:
        return
    a = await get_scope(session, ctx, scope_id)    # one not seen: AddressScopeNotFound
    if a.ip_version != ip_version:
        raise errors.IllegalSubnetPoolIpVersionAssociationToAddressScope(
            subnetpool_id=pool_id, address_scope_id=scope_id, ip_version=a.ip_version)
    mine = list(prefixes)
    q = select(SubnetPoolPrefix.cidr).join(
        SubnetPool, SubnetPool.id == SubnetPoolPrefix.subnetpool_id).where(
        SubnetPool.address_scope_id == scope_id, SubnetPool.id != pool_id)
    for cidr in (await session.execute(q)).scalars():
        other = ipaddress.ip_network(cidr)
        if any(n.version == other.version and n.overlaps(other)  # type: ignore[arg-type]
               for n in mine):
            raise errors.AddressScopePrefixConflict()


# -------------------------------------------------------------------------------- networks

async def network_scopes(session: AsyncSession, network_ids: Sequence[str]
                         ) -> dict[str, dict[int, str | None]]:
    """{network: {4: scope, 6: scope}}: the scope of the pool of the network's subnets of
    each IP version (Neutron's _extend_network_dict_address_scope)."""
    out: dict[str, dict[int, str | None]] = {n: {4: None, 6: None} for n in network_ids}
    if network_ids:
        q = select(m.Subnet.network_id, SubnetPool.ip_version, SubnetPool.address_scope_id
                   ).join(SubnetPool, SubnetPool.id == m.Subnet.subnetpool_id).where(
            m.Subnet.network_id.in_(list(network_ids)))
        for nid, version, scope in (await session.execute(q)).all():
            if scope:
                out[nid][version] = scope
    return out


async def subnet_scopes(session: AsyncSession, subnet_ids: Iterable[str]) -> dict[str, str]:
    """{subnet: scope} for the subnets allocated from a pool that is in a scope."""
    ids = list(subnet_ids)
    if not ids:
        return {}
    q = select(m.Subnet.id, SubnetPool.address_scope_id).join(
        SubnetPool, SubnetPool.id == m.Subnet.subnetpool_id).where(
        m.Subnet.id.in_(ids), SubnetPool.address_scope_id.is_not(None))
    return {sid: scope for sid, scope in (await session.execute(q)).all() if scope}
