"""Floating IP port forwardings (extensions floating-ip-port-forwarding and
expose-port-forwarding-in-fip), with Neutron's checks:

- protocol tcp or udp, ports 1-65535, the internal IP one of the internal port's IPv4 fixed
  IPs (the first one when not given);
- a floating IP associated with a port cannot have forwardings, and a port that holds a
  floating IP cannot be forwarded to (409, as Neutron's FloatingIPPortAlreadyAssociated and
  PortHasBindingFloatingIP); a floating IP with forwardings cannot be associated (409);
- the internal subnet must reach the floating IP's network through a router, the same one for
  every forwarding of a floating IP (400); that router becomes the floating IP's router_id;
- a second forwarding of the same external port and protocol of a floating IP, or to the same
  internal address, port and protocol, is a duplicate (400, as Neutron).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.errors import NotFound
from nubo.network import errors
from nubo.network import models as m
from nubo.network.models_l3 import FloatingIP
from nubo.network.models_pf import PortForwarding
from nubo.network.service import attrs, floatingips, ports

PROTOCOLS = ("tcp", "udp")
CREATE = ("internal_port_id", "internal_ip_address", "internal_port", "external_port",
          "protocol", "description")
UPDATE = CREATE


def pf_bad(msg: str) -> errors.BadRequest:
    return errors.BadRequest(resource="port_forwarding", msg=msg)


def pf_not_found(id_: str) -> errors.PortForwardingNotFound:
    return errors.PortForwardingNotFound(id=id_)


def check_body(a: dict[str, Any]) -> dict[str, Any]:
    """Neutron's attribute validation (in place): ports 1-65535, protocol, addresses, ids."""
    for key in ("internal_port", "external_port"):
        if key in a:
            v = a[key]
            try:
                n = int(v) if not isinstance(v, bool) else None
            except (TypeError, ValueError):
                n = None
            if n is None or not 1 <= n <= 65535:
                raise errors.bad_request(f"Invalid input for {key}. Reason: Invalid port "
                                         f"'{v}'.")
            a[key] = n
    if "protocol" in a and a["protocol"] not in PROTOCOLS:
        raise errors.bad_request(f"Invalid input for protocol. Reason: '{a['protocol']}' is "
                                 f"not in {list(PROTOCOLS)}.")
    if a.get("internal_ip_address") is not None:
        try:
            a["internal_ip_address"] = str(ipaddress.ip_address(str(a["internal_ip_address"])))
        except ValueError:
            raise errors.bad_request("Invalid input for internal_ip_address. Reason: "
                                     f"'{a['internal_ip_address']}' is not a valid IP "
                                     "address.") from None
    if "internal_port_id" in a:
        try:
            uuid.UUID(str(a["internal_port_id"]))
        except ValueError:
            raise errors.bad_request("Invalid input for internal_port_id. Reason: "
                                     f"'{a['internal_port_id']}' is not a valid UUID.") from None
    if "description" in a and not isinstance(a["description"], str):
        raise errors.bad_request("Invalid input for description. Reason: not a string.")
    return a


def view(pf: PortForwarding) -> dict[str, Any]:
    return {"id": pf.id, "external_port": pf.external_port, "internal_port": pf.internal_port,
            "internal_ip_address": pf.internal_ip_address, "protocol": pf.protocol,
            "internal_port_id": pf.internal_port_id, "description": pf.description}


def fip_view(pf: PortForwarding) -> dict[str, Any]:
    """As a floating IP shows its forwardings (expose-port-forwarding-in-fip)."""
    return {"protocol": pf.protocol, "internal_ip_address": pf.internal_ip_address,
            "internal_port": pf.internal_port, "external_port": pf.external_port}


async def of_fips(s: AsyncSession, fip_ids: list[str]) -> dict[str, list[PortForwarding]]:
    out: dict[str, list[PortForwarding]] = {f: [] for f in fip_ids}
    if fip_ids:
        for pf in (await s.execute(select(PortForwarding).where(
                PortForwarding.floatingip_id.in_(fip_ids)).order_by(
                PortForwarding.external_port, PortForwarding.protocol))).scalars():
            out.setdefault(pf.floatingip_id, []).append(pf)
    return out


async def get_pf(s: AsyncSession, fip: FloatingIP, pf_id: str) -> PortForwarding:
    pf = await s.get(PortForwarding, pf_id)
    if pf is None or pf.floatingip_id != fip.id:
        raise pf_not_found(pf_id)
    return pf


async def _target(s: AsyncSession, ctx: RequestContext, fip: FloatingIP,
                  want: dict[str, Any]) -> str:
    """Check the internal side of `want` (filled in place); returns the router to use."""
    port = await s.get(m.Port, want["internal_port_id"])
    if port is None or not (ctx.is_admin or port.project_id == ctx.project_id):
        raise errors.not_found("Port", want["internal_port_id"])
    bound = (await s.execute(select(FloatingIP).where(
        FloatingIP.fixed_port_id == port.id))).scalars().first()
    if bound is not None:
        raise errors.PortHasBindingFloatingIP(
            floating_ip_address=bound.floating_ip_address, fip_id=bound.id, port_id=port.id,
            fixed_ip=want.get("internal_ip_address"))
    v4 = [(sid, ip) for sid, ip in (await ports.ips_of(s, [port.id]))[port.id]
          if ipaddress.ip_address(ip).version == 4]
    if not v4:
        raise pf_bad(f"Requested internal port {port.id} must allocate an IPv4 address at "
                     "least")
    if not want.get("internal_ip_address"):
        want["internal_ip_address"] = v4[0][1]
    subnet = next((sid for sid, ip in v4 if ip == want["internal_ip_address"]), None)
    if subnet is None:
        raise pf_bad(f"Requested internal IP address {want['internal_ip_address']} is not "
                     f"suitable for internal neutron port {port.id}, as its fixed_ips are "
                     f"{[ip for _, ip in v4]}")
    try:
        router = await floatingips.router_for(s, port, subnet, fip.floating_network_id)
    except NotFound:
        raise pf_bad(f"External network {fip.floating_network_id} is not reachable from "
                     f"subnet {subnet}. Cannot set Port forwarding for port {port.id} with "
                     f"Floating IP {fip.id}") from None
    if (fip.router_id and fip.router_id != router
            and await floatingips.count_port_forwardings(s, fip.id)):
        raise pf_bad(f"The router {router} of the internal port does not match the router "
                     f"{fip.router_id} of floating IP {fip.id}'s other port forwardings")
    return router


async def _duplicates(s: AsyncSession, fip: FloatingIP, want: dict[str, Any],
                      skip: str | None) -> None:
    rows = (await s.execute(select(PortForwarding).where(
        PortForwarding.protocol == want["protocol"], PortForwarding.id != (skip or ""),
        ((PortForwarding.floatingip_id == fip.id) &
         (PortForwarding.external_port == want["external_port"])) |
        ((PortForwarding.internal_port_id == want["internal_port_id"]) &
         (PortForwarding.internal_ip_address == want["internal_ip_address"]) &
         (PortForwarding.internal_port == want["internal_port"]))))).scalars().first()
    if rows is not None:
        raise pf_bad("A duplicate port forwarding entry with same attributes already "
                     f"exists, conflicting values are {view(rows)}")


async def create(s: AsyncSession, ctx: RequestContext, fip: FloatingIP,
                 a: dict[str, Any]) -> PortForwarding:
    missing = [k for k in ("internal_port_id", "internal_port", "external_port", "protocol")
               if a.get(k) is None]
    if missing:
        raise errors.bad_request(f"Failed to parse request. Required attribute "
                                 f"'{missing[0]}' not specified")
    if fip.fixed_port_id:
        raise errors.FloatingIPPortAlreadyAssociated(
            msg=f"Cannot associate floating IP {fip.floating_ip_address} ({fip.id}) with port "
            f"{a['internal_port_id']} using fixed IP {a.get('internal_ip_address')}, as that "
            f"floating IP is already associated with port {fip.fixed_port_id}.")
    want = dict(a)
    router = await _target(s, ctx, fip, want)
    await _duplicates(s, fip, want, None)
    pf = PortForwarding(id=str(uuid.uuid4()), floatingip_id=fip.id,
                        internal_port_id=want["internal_port_id"],
                        internal_ip_address=want["internal_ip_address"],
                        internal_port=want["internal_port"],
                        external_port=want["external_port"], protocol=want["protocol"],
                        description=want.get("description") or "")
    fip.router_id = router
    s.add(pf)
    await s.flush()
    return pf


async def update(s: AsyncSession, ctx: RequestContext, fip: FloatingIP, pf: PortForwarding,
                 a: dict[str, Any]) -> PortForwarding:
    want = {**view(pf), **{k: v for k, v in a.items() if v is not None or k == "description"}}
    if "internal_port_id" in a and "internal_ip_address" not in a \
            and a["internal_port_id"] != pf.internal_port_id:
        want["internal_ip_address"] = None     # the new port's first IPv4 address
    if any(k in a for k in ("internal_port_id", "internal_ip_address")):
        fip.router_id = await _target(s, ctx, fip, want)
    await _duplicates(s, fip, want, pf.id)
    for key in ("internal_port_id", "internal_ip_address", "internal_port", "external_port",
                "protocol"):
        setattr(pf, key, want[key])
    pf.description = want.get("description") or ""
    await s.flush()
    return pf


async def delete(s: AsyncSession, fip: FloatingIP, pf: PortForwarding) -> None:
    await s.delete(pf)
    await s.flush()
    if not fip.fixed_port_id and not await floatingips.count_port_forwardings(s, fip.id):
        fip.router_id = None        # as Neutron: the last forwarding takes the router along


FipDetails = tuple[dict[str, m.Port], dict[str, list[tuple[str, str]]], dict[str, list[str]],
                   dict[str, list[PortForwarding]]]


async def fip_details(session: AsyncSession, rows: Sequence[FloatingIP]) -> FipDetails:
    """What a floating IP's view shows besides its row: fixed port (by floating IP), its fixed
    IPs, tags, port forwardings."""
    port_ids = [f.fixed_port_id for f in rows if f.fixed_port_id]
    ips = await ports.ips_of(session, port_ids)
    tags = await attrs.tags_of(session, "floatingips", [f.id for f in rows])
    forwards = await of_fips(session, [f.id for f in rows])
    fixed: dict[str, m.Port] = {}
    for f in rows:
        port = await session.get(m.Port, f.fixed_port_id) if f.fixed_port_id else None
        if port is not None:
            fixed[f.id] = port
    return fixed, ips, tags, forwards
