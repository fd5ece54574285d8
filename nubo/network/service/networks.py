"""Networks: create (with a segment: provider attributes from an admin, else a VXLAN VNI
from the configured range, never handed out twice), list, update, delete."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.network import errors
from nubo.network import models as m
from nubo.network.service import address_scopes, attrs, checks, floatingips, ports, quotas
from nubo.network.service.visibility import visible_networks_clause

TYPES = ("flat", "vlan", "vxlan", "local")
MTU = {"vxlan": 1450, "flat": 1500, "vlan": 1500, "local": 1500}
PROVIDER = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")
MAX_SEG = {"vlan": 4094, "vxlan": 16777215}
#: the one availability zone
ZONE = "nova"
#: body attribute -> column, for an update
_COLUMNS = (("name", "name"), ("description", "description"),
            ("admin_state_up", "admin_state_up"), ("shared", "shared"),
            ("router:external", "external"), ("mtu", "mtu"),
            ("port_security_enabled", "port_security_enabled"), ("dns_domain", "dns_domain"))


def check_attrs(a: dict[str, Any]) -> None:
    """The attributes the API's schemas do not word as Neutron does (the API enforces name,
    description and dns_domain before this)."""
    for k in ("admin_state_up", "shared", "router:external", "port_security_enabled",
              "is_default"):
        checks.boolean(a, k)
    checks.string(a, "project_id")
    checks.string(a, "tenant_id")
    if "mtu" in a and (not isinstance(a["mtu"], int) or isinstance(a["mtu"], bool) or
                       not 68 <= a["mtu"] <= 65535):
        raise errors.bad_request(f"Invalid input for mtu. Reason: '{a['mtu']}' is not a "
                                 "valid MTU (68-65535).")
    hints = a.get("availability_zone_hints", [])
    if not isinstance(hints, list) or any(h != ZONE for h in hints):
        raise errors.AvailabilityZoneNotFound(zone=hints)
    if a.get("tags") is not None and not isinstance(a["tags"], list):
        raise errors.bad_request("Invalid input for tags. Reason: not a list.")
    for t in a.get("tags") or []:
        attrs.valid_tag(t)
    _check_provider(a)


def _check_provider(a: dict[str, Any]) -> None:
    ntype = a.get("provider:network_type")
    if ntype is None:
        if any(a.get(k) is not None for k in PROVIDER):
            raise errors.invalid_input("network_type required")
        return
    if ntype not in TYPES:
        raise errors.invalid_input(f"network_type value '{ntype}' not supported")
    phys, seg = a.get("provider:physical_network"), a.get("provider:segmentation_id")
    if phys is not None and (not isinstance(phys, str) or not phys or len(phys) > 64):
        raise errors.invalid_input(f"Invalid physical_network {phys}")
    if seg is not None:
        if isinstance(seg, str) and seg.isdigit():
            seg = a["provider:segmentation_id"] = int(seg)
        if not isinstance(seg, int) or isinstance(seg, bool):
            raise errors.invalid_input(f"Invalid segmentation_id {seg}")
    if ntype in ("flat", "vlan") and not phys:
        raise errors.invalid_input(f"physical_network required for {ntype} provider network")
    if ntype in ("vxlan", "local") and phys:
        raise errors.invalid_input(f"physical_network not allowed for {ntype} provider network")
    if ntype in ("flat", "local") and seg is not None:
        raise errors.invalid_input(f"segmentation_id not allowed for {ntype} provider network")
    if seg is not None and not 1 <= seg <= MAX_SEG[ntype]:
        raise errors.invalid_input(f"segmentation_id out of range (1 through "
                                   f"{MAX_SEG[ntype]})")


async def _add_segment(session: AsyncSession, network: m.Network, ntype: str,
                       phys: str | None, seg: int | None, vni: tuple[int, int]) -> None:
    """Record the segment; an id in use is a 409, an exhausted range a 503."""
    explicit = seg is not None or ntype in ("flat", "local")
    if explicit:
        row = m.NetworkSegment(id=str(uuid.uuid4()), network_id=network.id, network_type=ntype,
                               physical_network=phys or "", segmentation_id=seg or 0)
        if ntype == "local":   # any number of local networks: no shared id space
            row.physical_network = network.id
        if not await _insert(session, row):
            raise _in_use(ntype, phys, seg)
        return
    lo, hi = (vni if ntype == "vxlan" else (1, 4094))
    lost: set[int] = set()
    for _ in range(20):
        used = {r[0] for r in await session.execute(select(
            m.NetworkSegment.segmentation_id).where(
            m.NetworkSegment.network_type == ntype,
            m.NetworkSegment.physical_network == (phys or ""),
            m.NetworkSegment.segmentation_id.between(lo, hi)))} | lost
        free = next((i for i in range(lo, hi + 1) if i not in used), None)
        if free is None:
            break
        row = m.NetworkSegment(id=str(uuid.uuid4()), network_id=network.id, network_type=ntype,
                               physical_network=phys or "", segmentation_id=free)
        if await _insert(session, row):
            return
        lost.add(free)
    raise errors.NoNetworkAvailable()


async def _insert(session: AsyncSession, row: m.NetworkSegment) -> bool:
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def _in_use(ntype: str, phys: str | None, seg: int | None) -> errors.NeutronError:
    if ntype == "flat":
        return errors.FlatNetworkInUse(physical_network=phys)
    if ntype == "vlan":
        return errors.VlanIdInUse(vlan_id=seg, physical_network=phys)
    return errors.TunnelIdInUse(tunnel_id=seg)


async def create_network(session: AsyncSession, ctx: RequestContext, a: dict[str, Any],
                         vni: tuple[int, int]) -> m.Network:
    """A network from a checked body (policy already enforced)."""
    project = a.get("project_id") or a.get("tenant_id") or ctx.project_id or ""
    await quotas.check(session, project, "network", 1)
    ntype = a.get("provider:network_type") or "vxlan"
    n = m.Network(id=str(uuid.uuid4()), project_id=project, name=a.get("name") or "",
                  description=a.get("description") or "",
                  admin_state_up=a.get("admin_state_up", True), shared=a.get("shared", False),
                  external=a.get("router:external", False),
                  mtu=a.get("mtu") or MTU[ntype],
                  port_security_enabled=a.get("port_security_enabled", True),
                  dns_domain=a.get("dns_domain") or "",
                  availability_zone_hints=a.get("availability_zone_hints") or [],
                  revision_number=0)
    if a.get("mtu") and a["mtu"] > MTU[ntype]:
        raise errors.invalid_input(f"Requested MTU is too big, maximum is {MTU[ntype]}")
    session.add(n)
    await session.flush()
    await _add_segment(session, n, ntype, a.get("provider:physical_network"),
                       a.get("provider:segmentation_id"), vni)
    if a.get("tags"):
        await attrs.set_tags(session, "networks", n.id, a["tags"])
    return n


NetworkDetails = tuple[dict[str, m.NetworkSegment], dict[str, list[str]],
                       dict[str, list[str]], dict[str, Any]]


async def details(session: AsyncSession, nets: Sequence[m.Network]) -> NetworkDetails:
    """What a network's view shows besides its row: segment, subnets, tags, address scopes."""
    ids = [n.id for n in nets]
    segs = {s.network_id: s for s in (await session.execute(select(m.NetworkSegment).where(
        m.NetworkSegment.network_id.in_(ids)))).scalars()} if ids else {}
    subnets: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        for nid, sid in await session.execute(select(m.Subnet.network_id, m.Subnet.id).where(
                m.Subnet.network_id.in_(ids))):
            subnets[nid].append(sid)
    tags = await attrs.tags_of(session, "networks", ids)
    scopes = await address_scopes.network_scopes(session, ids) if ids else {}
    return segs, subnets, tags, scopes


async def list_networks(session: AsyncSession, ctx: RequestContext) -> list[m.Network]:
    return list((await session.execute(select(m.Network).where(
        visible_networks_clause(ctx)))).scalars().all())


async def update_network(session: AsyncSession, n: m.Network, a: dict[str, Any]) -> None:
    """Apply a checked update body (policy already enforced)."""
    if any(k in a for k in PROVIDER):
        raise errors.invalid_input("Plugin does not support updating provider attributes")
    for k, col in _COLUMNS:
        if k in a:
            setattr(n, col, a[k] if a[k] is not None else "")
    attrs.touch(n)
    await session.flush()


async def delete_network(session: AsyncSession, network_id: str) -> None:
    """Delete a network with only auto-deleted (DHCP) ports left; else NetworkInUse."""
    used = (await session.execute(select(m.Port.id, m.Port.device_owner).where(
        m.Port.network_id == network_id))).all()
    if any(owner not in ports.AUTO_DELETE_OWNERS for _, owner in used):
        raise errors.network_in_use(network_id)
    for pid, _ in used:
        await ports.delete_port(session, pid)
    for sub in (await session.execute(select(m.Subnet).where(
            m.Subnet.network_id == network_id))).scalars():
        await attrs.drop_tags(session, "subnets", sub.id)
        await session.delete(sub)
    await session.flush()
    await attrs.drop_tags(session, "networks", network_id)
    n = await session.get(m.Network, network_id)
    if n is not None:
        await session.delete(n)


async def delete(session: AsyncSession, n: m.Network) -> None:
    """Delete a network; an external one takes its unassociated floating IPs with it (as
    Neutron does)."""
    if n.external:
        await floatingips.delete_disassociated(session, n.id)
    await delete_network(session, n.id)
