"""Compute's side of networking: which networks a server asks for, its ports, its addresses.

What Nova does through Neutron's API (nova/network/neutron.py) we do on the network service's
tables in this process: the request is checked when the API accepts the server (Nova's 400 for an
unknown network or port or a taken address, 409 for a port in use), the ports are
made once the host is chosen (bound to it), and removed with the server. Ports the user handed
in are only unbound on delete, as in Nova; the ones we made are deleted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute import errors
from nubo.compute.agent.virt.base import VifSpec
from nubo.compute.models import Instance
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.metadata.content import PortFacts
from nubo.network import models as nm
from nubo.network.models_l3 import FloatingIP, RouterPort
from nubo.network.names import tap_name
from nubo.network.service import ports as nports

#: device_owner of the ports compute makes (Neutron: "compute:<availability zone>")
OWNER_PREFIX = "compute:"


@dataclass(frozen=True)
class NetRequest:
    network_id: str | None = None
    port_id: str | None = None
    fixed_ip: str | None = None
    tag: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _answers(req: dict[str, Any], port: nm.Port) -> bool:
    """Whether `port` is the one made (or given) for requested network entry `req`."""
    if req.get("port_id"):
        return port.id == req["port_id"]
    return port.network_id == req.get("network_id")


def _visible(ctx: RequestContext, net: nm.Network) -> bool:
    return ctx.is_admin or net.shared or net.project_id == ctx.project_id or net.external


def _foreign() -> ColumnElement[bool]:
    """Whether the port's device_id names a server of another project than the port's."""
    return exists().where(Instance.id == nm.Port.device_id,
                          Instance.project_id != nm.Port.project_id)


def nics_of(instance_id: str) -> ColumnElement[bool]:
    """The ports that are a server's NICs, as Nova asks Neutron for them:
    list_ports(tenant_id=instance.project_id, device_id=instance.uuid). Anyone may write any
    device_id into a port of their own; only a port of the server's project is its NIC.
    (Written as "no server of another project" so that a device id with no server row at
    all, as in the glue's own tests, still finds its ports.)"""
    return and_(nm.Port.device_id == instance_id, ~_foreign())


def nics_of_any(instance_ids: Sequence[str]) -> ColumnElement[bool]:
    """`nics_of` for many servers at once."""
    return and_(nm.Port.device_id.in_(list(instance_ids)), ~_foreign())


def is_nic_of(port: nm.Port | None, inst: Instance) -> bool:
    """`nics_of` for one port at hand."""
    return port is not None and port.device_id == inst.id and \
        port.project_id == inst.project_id


def check_external_attach(ctx: RequestContext, net: nm.Network) -> None:
    """Nova's _check_external_network_attach (policy network:attach_external_network,
    admin only): no NIC of a non-admin on an external network that is not shared."""
    if net.external and not net.shared and not ctx.is_admin:
        raise errors.ExternalNetworkAttachForbidden(network_uuid=net.id)


class ComputeNetworking:
    def __init__(self, db: Database, vif_events: bool = False) -> None:
        self.db = db
        #: whether the hosts' dataplane reports plugged ports with network-vif-plugged
        #: events (the Linux dataplane does; with noop nothing is plugged, nothing reports)
        self.vif_events = vif_events

    # ------------------------------------------------------------------ at the API

    async def check(self, ctx: RequestContext, networks: Any) -> list[NetRequest]:
        """The server's requested networks, checked; `networks` is the API's value:
        None (no networks key), "auto", "none", or a list of {uuid|port, fixed_ip, tag}."""
        if networks == "none":
            return []
        async with self.db.read() as s:
            if networks is None or networks == "auto":
                return await self._default(s, ctx)
            out = []
            for req in networks:
                out.append(await self._check_one(s, ctx, req))
        ports = [r.port_id for r in out if r.port_id]
        if len(ports) != len(set(ports)):
            raise errors.DuplicatePortIds()
        return out

    async def _default(self, s: AsyncSession, ctx: RequestContext) -> list[NetRequest]:
        nets = (await s.execute(select(nm.Network).where(
            nm.Network.external.is_(False)))).scalars().all()
        mine = [n for n in nets if n.project_id == ctx.project_id or n.shared]
        if len(mine) > 1:
            raise errors.NetworkAmbiguous()
        if not mine:
            # Nova would try to auto-allocate a topology for "auto" (get-me-a-network);
            # we have none to offer, so the server boots without a network, as with "none"
            return []
        return [NetRequest(network_id=mine[0].id)]

    async def _check_one(self, s: AsyncSession, ctx: RequestContext,
                         req: dict[str, Any]) -> NetRequest:
        tag = req.get("tag")
        if req.get("port"):
            port = await s.get(nm.Port, req["port"])
            if port is None or not (ctx.is_admin or port.project_id == ctx.project_id):
                raise errors.RequestedPortNotFound(port_id=req['port'])
            if port.device_id:
                raise errors.PortInUse(port_id=port.id)
            if port.project_id != ctx.project_id:
                # Nova's PortNotUsable: only a port of the server's own project
                raise errors.PortNotUsableAtCreate(port_id=port.id)
            pnet = await s.get(nm.Network, port.network_id)
            if pnet is not None:
                check_external_attach(ctx, pnet)
            return NetRequest(port_id=port.id, network_id=port.network_id, tag=tag)
        net = await s.get(nm.Network, req.get("uuid") or "")
        if net is None or not _visible(ctx, net):
            raise errors.RequestedNetworkNotFound(network_id=req.get('uuid'))
        check_external_attach(ctx, net)
        fixed = req.get("fixed_ip")
        if fixed:
            subnets = (await s.execute(select(nm.Subnet).where(
                nm.Subnet.network_id == net.id))).scalars().all()
            addr = ipaddress.ip_address(fixed)
            if not any(addr in ipaddress.ip_network(sn.cidr, strict=False) for sn in subnets):
                raise errors.FixedIpNotInNetwork(address=fixed, network_id=net.id)
            taken = (await s.execute(select(nm.IPAllocation).where(
                nm.IPAllocation.network_id == net.id,
                nm.IPAllocation.ip_address == addr.compressed))).first()
            if taken is not None:
                raise errors.RequestedFixedIpInUse(address=fixed, instance_uuid=net.id)
        return NetRequest(network_id=net.id, fixed_ip=fixed, tag=tag)

    # ------------------------------------------------------------------ on the host

    async def allocate(self, ctx: RequestContext, instance_id: str, host: str,
                       availability_zone: str | None, requested: Sequence[dict[str, Any]],
                       security_groups: Sequence[str]) -> list[str]:
        """Make (or take over) and bind the server's ports; idempotent: a second call after a
        crash finds the ports it made by their device_id and makes no more."""
        owner = OWNER_PREFIX + (availability_zone or "nova")
        async with self.db.write() as s:
            have = {p.network_id: p for p in (await s.execute(select(nm.Port).where(
                nics_of(instance_id)))).scalars()}
            groups = await self.group_ids(s, ctx, security_groups)
            ids = []
            for req in requested:
                if req.get("port_id"):
                    port = await s.get(nm.Port, req["port_id"])
                    if port is None:
                        raise errors.PortNotFound(port_id=req['port_id'])
                    moved = port.binding_host_id != host
                    await nports.update_port(s, ctx, port, {
                        "device_id": instance_id, "device_owner": owner,
                        "binding:host_id": host}, status_from_agent=self.vif_events)
                    if moved:
                        self._await_plug(port)
                elif req["network_id"] in have:
                    port = have.pop(req["network_id"])
                    if port.binding_host_id != host:     # rescheduled to another host
                        await nports.update_port(s, ctx, port, {"binding:host_id": host},
                                                 status_from_agent=self.vif_events)
                        self._await_plug(port)
                else:
                    body: dict[str, Any] = {
                        "network_id": req["network_id"], "device_id": instance_id,
                        "device_owner": owner, "binding:host_id": host,
                        "project_id": ctx.project_id, "security_groups": groups}
                    if req.get("fixed_ip"):
                        body["fixed_ips"] = [{"ip_address": req["fixed_ip"]}]
                    net = await s.get(nm.Network, req["network_id"])
                    if net is not None and not net.port_security_enabled:
                        body.pop("security_groups")
                    port = await nports.create_port(s, ctx, body,
                                                    status_from_agent=self.vif_events)
                    self._await_plug(port)
                ids.append(port.id)
            return ids

    def _await_plug(self, port: nm.Port) -> None:
        """A port just bound to a host is DOWN until that host's dataplane has plugged it
        (and says so with network-vif-plugged), as Neutron shows it until its agent reports
        the device up. Without such a dataplane binding is all there is: it stays ACTIVE."""
        if self.vif_events and port.admin_state_up:
            port.status = "DOWN"

    async def bind_host(self, instance_id: str, host: str) -> list[str]:
        """Bind every port of the server to `host` (a move: the old host's dataplane unplugs
        them, the new one plugs them); the ids of the ports whose binding changed."""
        ctx = RequestContext(request_id="req-compute-bind", roles=("admin",))
        async with self.db.write() as s:
            ports = (await s.execute(select(nm.Port).where(
                nics_of(instance_id)).order_by(nm.Port.created_at))).scalars()
            changed = []
            for port in ports:
                if port.binding_host_id != host:
                    await nports.update_port(s, ctx, port, {"binding:host_id": host},
                                             status_from_agent=self.vif_events)
                    self._await_plug(port)
                    changed.append(port.id)
            return changed

    async def port_states(self, instance_id: str) -> dict[str, tuple[str, str]]:
        """port id -> (status, binding host) of each of the server's ports."""
        async with self.db.read() as s:
            rows = (await s.execute(select(nm.Port.id, nm.Port.status,
                                           nm.Port.binding_host_id).where(
                nics_of(instance_id)))).all()
        return {pid: (status, host or "") for pid, status, host in rows}

    async def vifs(self, instance_id: str,
                   requested: Sequence[dict[str, Any]] = ()) -> list[VifSpec]:
        """The server's NICs for its driver: in the order the networks were requested
        (eth0 first), then any attached later, by creation time."""
        async with self.db.read() as s:
            rows = list((await s.execute(select(nm.Port, nm.Network.mtu).join(
                nm.Network, nm.Network.id == nm.Port.network_id).where(
                nics_of(instance_id)).order_by(
                nm.Port.created_at, nm.Port.id))).all())
        left = [(port, mtu) for port, mtu in rows]
        ordered = []
        for req in requested:
            match = next((pm for pm in left if _answers(req, pm[0])), None)
            if match is not None:
                left.remove(match)
                ordered.append(match)
        return [VifSpec(port_id=port.id, mac=port.mac_address, network_id=port.network_id,
                        mtu=int(mtu or 1500), dev=tap_name(port.id))
                for port, mtu in ordered + left]

    async def plug_trouble(self, host: str) -> str | None:
        """What the network agent on `host` reports failing (its sync rounds), or None; an
        agent of another name is asked when none has the compute host's name (one node)."""
        from nubo.network.service.hostsync.health import SYNC_ERROR
        async with self.db.read() as s:
            rows = (await s.execute(select(nm.Agent.host, nm.Agent.configurations))).all()
        mine = [conf for h, conf in rows if h == host] or [conf for _, conf in rows]
        return next((str(c[SYNC_ERROR]) for c in mine if (c or {}).get(SYNC_ERROR)), None)

    async def check_groups(self, ctx: RequestContext, names: Sequence[str]) -> None:
        """At the API, as Nova: a requested security group the project does not have is
        a 400 before anything is created ("default" is made on first use)."""
        from nubo.network.models_secgroups import SecurityGroup
        wanted = {n for n in names if n != "default"}
        if not wanted:
            return
        async with self.db.read() as s:
            rows = (await s.execute(select(SecurityGroup.id, SecurityGroup.name).where(
                SecurityGroup.project_id == ctx.project_id,
                SecurityGroup.name.in_(wanted) | SecurityGroup.id.in_(wanted)))).all()
        found = {v for row in rows for v in row}
        for name in sorted(wanted - found):
            raise errors.InvalidSecurityGroup(name=name, project_id=ctx.project_id)

    async def group_ids(self, s: AsyncSession, ctx: RequestContext,
                        names: Sequence[str]) -> list[str]:
        """The ids of the caller's security groups by name or id (none: its default group,
        made if missing), read in the caller's transaction `s`."""
        from nubo.network.models_secgroups import SecurityGroup
        from nubo.network.service import secgroups
        out = []
        for name in names or ["default"]:
            if name == "default":
                out.append(await secgroups.ensure_default_group(s, ctx.project_id or ""))
                continue
            found = (await s.execute(select(SecurityGroup).where(
                SecurityGroup.project_id == ctx.project_id,
                (SecurityGroup.name == name) | (SecurityGroup.id == name)))).scalars().first()
            if found is None:
                raise errors.SecurityGroupNotFoundForProject(name=name, project_id=ctx.project_id)
            out.append(found.id)
        return out

    async def deallocate(self, instance_id: str, given: Sequence[str] = ()) -> None:
        """Delete the ports we made for the server; unbind the ones the user gave us."""
        async with self.db.write() as s:
            ports = (await s.execute(select(nm.Port).where(
                nics_of(instance_id)))).scalars().all()
            for port in ports:
                if port.id in given:
                    port.device_id, port.device_owner = "", ""
                    port.binding_host_id, port.binding_vif_type = "", "unbound"
                    port.status = "DOWN"
                else:
                    await nports.delete_port(s, port.id)

    # ------------------------------------------------------------------ views

    async def addresses(self, instance_ids: Sequence[str]) -> dict[str, dict[str, list[Any]]]:
        """Nova's `addresses` per server: {network name: [{version, addr, OS-EXT-IPS:type,
        OS-EXT-IPS-MAC:mac_addr}]}, fixed addresses first, then their floating ones."""
        if not instance_ids:
            return {}
        async with self.db.read() as s:
            return await self.addresses_in(s, instance_ids)

    @staticmethod
    async def addresses_in(s: AsyncSession, instance_ids: Sequence[str],
                           with_ports: set[str] | None = None
                           ) -> dict[str, dict[str, list[Any]]]:
        """`addresses` in the caller's session (a server's GET reads what it shows in one
        transaction); `with_ports` gets the ids of the servers that have any port."""
        out: dict[str, dict[str, list[Any]]] = {i: {} for i in instance_ids}
        found = (await s.execute(
            select(nm.Port.id, nm.Port.device_id, nm.Port.mac_address, nm.Network.name,
                   nm.IPAllocation.ip_address)
            .join(nm.Network, nm.Network.id == nm.Port.network_id)
            .outerjoin(nm.IPAllocation, nm.IPAllocation.port_id == nm.Port.id)
            .where(nics_of_any(instance_ids))
            .order_by(nm.Port.created_at, nm.IPAllocation.ip_address))).all()
        if with_ports is not None:
            with_ports.update(r.device_id for r in found)
        rows = [r for r in found if r.ip_address is not None]
        port_ids = list({r.id for r in rows})
        floats = (await s.execute(select(FloatingIP).where(
            FloatingIP.fixed_port_id.in_(port_ids)))).scalars().all() if port_ids else []
        by_fixed = {(f.fixed_port_id, f.fixed_ip_address): f.floating_ip_address
                    for f in floats}
        for port_id, device_id, mac, net_name, ip in rows:
            entries = out[device_id].setdefault(net_name, [])
            version = ipaddress.ip_address(ip).version
            entries.append({"version": version, "addr": ip, "OS-EXT-IPS:type": "fixed",
                            "OS-EXT-IPS-MAC:mac_addr": mac})
            if (port_id, ip) in by_fixed:
                entries.append({"version": version, "addr": by_fixed[(port_id, ip)],
                                "OS-EXT-IPS:type": "floating",
                                "OS-EXT-IPS-MAC:mac_addr": mac})
        return out

    async def port_facts(self, instance_id: str) -> tuple[PortFacts, ...]:
        """The server's ports as its metadata and config drive describe them."""
        async with self.db.read() as s:
            ports = (await s.execute(select(nm.Port).where(
                nics_of(instance_id)).order_by(nm.Port.created_at))).scalars().all()
            out = []
            for port in ports:
                net = await s.get(nm.Network, port.network_id)
                allocs = (await s.execute(select(nm.IPAllocation, nm.Subnet).join(
                    nm.Subnet, nm.Subnet.id == nm.IPAllocation.subnet_id).where(
                    nm.IPAllocation.port_id == port.id))).all()
                floats = (await s.execute(select(FloatingIP.floating_ip_address).where(
                    FloatingIP.fixed_port_id == port.id))).scalars().all()
                first = allocs[0][1] if allocs else None
                out.append(PortFacts(
                    id=port.id, network_id=port.network_id, mac=port.mac_address,
                    fixed_ips=tuple((a.ip_address, sn.cidr) for a, sn in allocs),
                    mtu=net.mtu if net else 1500,
                    gateway=first.gateway_ip if first else None,
                    dns_servers=tuple(first.dns_nameservers or ()) if first else (),
                    dhcp=bool(first.enable_dhcp) if first else True,
                    floating_ips=tuple(floats),
                    host_routes=tuple((r["destination"], r["nexthop"])
                                      for r in (first.host_routes or ())) if first else ()))
            return tuple(out)

    async def resolve(self, ip: str, network_id: str | None,
                      router_id: str | None) -> str | None:
        """Which instance asks the metadata service: the compute port holding `ip` on the
        given network, or on a network the given router has an interface on."""
        async with self.db.read() as s:
            nets: list[str] = [network_id] if network_id else []
            if router_id:
                nets += list((await s.execute(select(nm.Port.network_id).join(
                    RouterPort, RouterPort.port_id == nm.Port.id).where(
                    RouterPort.router_id == router_id))).scalars())
            if not nets:
                return None
            row = (await s.execute(select(nm.Port.device_id).join(
                nm.IPAllocation, nm.IPAllocation.port_id == nm.Port.id).where(
                nm.IPAllocation.ip_address == ip, nm.IPAllocation.network_id.in_(nets),
                nm.Port.device_owner.startswith(OWNER_PREFIX), ~_foreign()))).first()
            return str(row[0]) if row else None
