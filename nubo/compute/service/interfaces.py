"""os-interface: a running server's NICs, attached and detached while it lives.

As Nova (nova/compute/api.py + manager.py attach_interface/detach_interface): the server must
be ACTIVE, PAUSED or SHUTOFF with no task and not locked; the action is recorded; attaching
makes a port on the network asked for (or takes the port handed in), binds it to the server's
host, waits for the host's dataplane to plug it (network-vif-plugged) when the dataplane
reports plugs, and asks the host's agent to hot-plug it. A failure on the host removes what
was done (the port made is deleted, the one given is unbound) and is Nova's 500
InterfaceAttachFailed; the NIC is also taken out of the guest again (if_exists), since a
host whose answer was lost may have plugged it. Detaching is asynchronous (202): the host
unplugs, then the port is deleted if Nova made it, or unbound if the user gave it.

Attach and detach run under the conductor's per-instance lock, so they never overlap with
another operation on the same server.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute import errors, states
from nubo.compute.conductor.manager import Conductor
from nubo.compute.models import Instance, InstanceAction
from nubo.compute.service.hotplug import finish_action, under_instance_lock
from nubo.compute.service.networking import OWNER_PREFIX, check_external_attach, is_nic_of, nics_of
from nubo.compute.service.servers import ServerService
from nubo.core.bus import Bus
from nubo.core.context import RequestContext
from nubo.core.db import Database, utcnow
from nubo.core.errors import NuboError
from nubo.network import models as nm
from nubo.network.service import ports as nports

LOG = logging.getLogger("nubo.compute.service.interfaces")
VIF_PLUGGED = "network-vif-plugged"
ALLOWED = (states.ACTIVE, states.PAUSED, states.STOPPED)


@dataclass(frozen=True)
class Attachment:
    """One NIC of a server as os-interface shows it."""

    port_id: str
    net_id: str
    mac_addr: str
    port_state: str
    fixed_ips: tuple[tuple[str, str], ...]     # (subnet id, address)
    tag: str | None = None


@dataclass(frozen=True)
class _Plugged:
    """What an attach did before asking the host (to undo it on failure)."""

    port_id: str
    made: bool
    host: str
    vif: dict[str, Any]


def attach_failed(instance_id: str) -> NuboError:
    """Nova's InterfaceAttachFailed (a 500 computeFault)."""
    return errors.InterfaceAttachFailed(instance_uuid=instance_id)


class InterfaceService:
    def __init__(self, servers: ServerService, conductor: Conductor, bus: Bus,
                 vif_plugging_timeout: float = 300.0) -> None:
        self.servers = servers
        self.c = conductor
        self.bus = bus
        self.vif_plugging_timeout = vif_plugging_timeout

    @property
    def db(self) -> Database:
        return self.servers.db

    # ------------------------------------------------------------------ reading

    async def list(self, ctx: RequestContext, sid: str) -> tuple[Instance, list[Attachment]]:
        inst = (await self.servers.get(ctx, sid)).instance
        async with self.db.read() as s:
            ports = list((await s.execute(select(nm.Port).where(
                nics_of(inst.id)).order_by(nm.Port.created_at, nm.Port.id)))
                .scalars())
            return inst, await _attachments(s, inst, ports)

    async def show(self, ctx: RequestContext, sid: str, port_id: str) -> Attachment:
        inst = (await self.servers.get(ctx, sid)).instance
        async with self.db.read() as s:
            port = await s.get(nm.Port, port_id)
            if port is None or not (ctx.is_admin or port.project_id == ctx.project_id):
                raise errors.PortNotFound(port_id=port_id)
            if not is_nic_of(port, inst):
                raise errors.PortNotFoundForInstance(instance_id=inst.id, port_id=port_id)
            return (await _attachments(s, inst, [port]))[0]

    async def instance(self, ctx: RequestContext, sid: str) -> Instance:
        return (await self.servers.get(ctx, sid)).instance

    # ------------------------------------------------------------------ attach

    async def attach(self, ctx: RequestContext, sid: str, net_id: str | None,
                     port_id: str | None, fixed_ip: str | None, tag: str | None
                     ) -> Attachment:
        inst = await self._start(ctx, sid, "attach_interface")
        started = utcnow()
        try:
            plugged = await under_instance_lock(self.c, inst.id, lambda: self._attach(
                ctx, inst.id, net_id, port_id, fixed_ip, tag))
        except NuboError as exc:
            await self._finish(inst.id, "compute_attach_interface", started, inst.host,
                               exc)
            raise
        await self._finish(inst.id, "compute_attach_interface", started, plugged.host, None)
        return await self.show(ctx, inst.id, plugged.port_id)

    async def _attach(self, ctx: RequestContext, sid: str, net_id: str | None,
                      port_id: str | None, fixed_ip: str | None, tag: str | None
                      ) -> _Plugged:
        # no earlier plug's event may answer for this one
        await self.c.events.discard(sid, VIF_PLUGGED)
        plugged = await self._bind(ctx, sid, net_id, port_id, fixed_ip, tag)
        try:
            await self._wait_plugged(sid, plugged)
            await self.bus.call(plugged.host, "attach_interface", instance_id=sid,
                                vif=plugged.vif)
        except Exception as exc:  # noqa: BLE001 - any failure on the host: undo, then 500
            LOG.warning("instance %s: attaching port %s failed: %s", sid, plugged.port_id,
                        exc)
            await self._unplug_from_guest(sid, plugged)
            await self._release(sid, plugged.port_id, plugged.made)
            raise attach_failed(sid) from exc
        return plugged

    async def _unplug_from_guest(self, sid: str, plugged: _Plugged) -> None:
        """The host may have hot-plugged the NIC before it failed, or before its answer was
        lost: take it out of the guest again (if_exists) before the port goes."""
        try:
            await self.bus.call(plugged.host, "detach_interface", instance_id=sid,
                                port_id=plugged.port_id)
        except Exception as exc:  # noqa: BLE001 - logged; the host's reconcile is left
            LOG.warning("instance %s: port %s may still be on the guest on %s: %s", sid,
                        plugged.port_id, plugged.host, exc)

    def _status_from_agent(self) -> bool:
        """Whether the hosts' dataplane reports a bound port up (ports.create_port)."""
        net = self.c.networking
        return net is not None and net.vif_events

    def _vif_events(self) -> bool:
        net = self.c.networking
        return bool(getattr(net, "vif_events", False)) and self.vif_plugging_timeout > 0

    async def _wait_plugged(self, sid: str, plugged: _Plugged) -> None:
        """Wait for the dataplane's network-vif-plugged (a "failed" one is fatal, as with
        Nova's vif_plugging_is_fatal)."""
        if not self._vif_events():
            return
        status = await self.c.wait_event(sid, VIF_PLUGGED, plugged.port_id,
                                         self.vif_plugging_timeout)
        if status == "failed":
            raise RuntimeError(f"port {plugged.port_id} failed to plug")

    async def _bind(self, ctx: RequestContext, sid: str, net_id: str | None,
                    port_id: str | None, fixed_ip: str | None, tag: str | None) -> _Plugged:
        """In one transaction: make or take the port, bind it to the server's host and note
        it in the server's request spec (a given port, a tag)."""
        async with self.db.write() as s:
            inst = await s.get(Instance, sid)
            if inst is None or inst.deleted or not inst.host:
                raise errors.InstanceInvalidState(action="attach_interface", uuid=sid,
                                                  attr="vm_state",
                                                  state=inst.vm_state if inst else states.DELETED)
            owner = OWNER_PREFIX + (inst.availability_zone or "nova")
            if port_id:
                port = await _given_port(s, ctx, inst, port_id)
                await nports.update_port(s, ctx, port, {
                    "device_id": inst.id, "device_owner": owner,
                    "binding:host_id": inst.host}, status_from_agent=self._status_from_agent())
                made = False
            else:
                net = await _network(s, ctx, inst, net_id)
                port = await self._make_port(s, ctx, inst, net, fixed_ip, owner)
                made = True
            if self._vif_events() and port.admin_state_up:
                port.status = "DOWN"        # until the dataplane has plugged it
            mtu = (await s.get(nm.Network, port.network_id)).mtu  # type: ignore[union-attr]
            _note(inst, port, made, tag)
            return _Plugged(port.id, made, inst.host, _vif(port, mtu))

    async def _make_port(self, s: AsyncSession, ctx: RequestContext, inst: Instance,
                         net: nm.Network, fixed_ip: str | None, owner: str) -> nm.Port:
        if fixed_ip:
            await _check_fixed_ip(s, inst, net, fixed_ip)
        body: dict[str, Any] = {
            "network_id": net.id, "device_id": inst.id, "device_owner": owner,
            "binding:host_id": inst.host, "project_id": inst.project_id}
        if net.port_security_enabled:
            body["security_groups"] = await self.servers.networking.group_ids(
                s, _owner_ctx(inst, ctx), inst.security_groups or [])
        if fixed_ip:
            body["fixed_ips"] = [{"ip_address": fixed_ip}]
        try:
            return await nports.create_port(s, ctx, body,
                                            status_from_agent=self._status_from_agent())
        except NuboError as exc:
            if exc.code == "IpAddressGenerationFailure":
                raise errors.NoMoreFixedIps(net=net.id) from None
            if exc.code == "OverQuota":
                raise errors.PortLimitExceeded() from None
            if exc.code == "IpAddressAlreadyAllocated":
                raise errors.FixedIpAlreadyInUse(address=fixed_ip, instance_uuid=inst.id) from None
            raise

    # ------------------------------------------------------------------ detach

    async def detach(self, ctx: RequestContext, sid: str, port_id: str) -> None:
        """Check and record now (404/409), unplug and release in the background (202)."""
        inst = await self._start(ctx, sid, "detach_interface", port_id=port_id)
        started = utcnow()

        async def work(_: str) -> None:
            try:
                await self._detach(inst.id, port_id)
            except NuboError as exc:
                await self._finish(inst.id, "compute_detach_interface", started, inst.host,
                                   exc)
                return
            await self._finish(inst.id, "compute_detach_interface", started, inst.host,
                               None)
        self.c.spawn_task(inst.id, work)

    async def _detach(self, sid: str, port_id: str) -> None:
        async with self.db.read() as s:
            inst = await s.get(Instance, sid)
            port = await s.get(nm.Port, port_id)
        if inst is None or not is_nic_of(port, inst):
            return                      # gone meanwhile: nothing left to detach
        if inst.host:
            try:
                await self.bus.call(inst.host, "detach_interface", instance_id=sid,
                                    port_id=port_id)
            except Exception as exc:  # noqa: BLE001 - Nova's InterfaceDetachFailed
                LOG.warning("instance %s: detaching port %s failed: %s", sid, port_id, exc)
                raise errors.InterfaceDetachFailed(instance_uuid=sid) \
                    from exc
        await self._release(sid, port_id, made=not _given(inst, port_id))

    async def _release(self, sid: str, port_id: str, made: bool) -> None:
        """Delete the port we made, unbind the one the user gave; forget its notes."""
        ctx = RequestContext(request_id="req-compute-interface", roles=("admin",))
        async with self.db.write() as s:
            inst = await s.get(Instance, sid)
            if inst is not None:
                _forget(inst, port_id)
            port = await s.get(nm.Port, port_id)
            if port is None or inst is None or not is_nic_of(port, inst):
                return
            if made:
                await nports.delete_port(s, port_id)
            else:
                await nports.update_port(s, ctx, port, {
                    "device_id": "", "device_owner": "", "binding:host_id": ""})

    # ------------------------------------------------------------------ bookkeeping

    async def _start(self, ctx: RequestContext, sid: str, action: str,
                     port_id: str | None = None) -> Instance:
        """Nova's checks (lock, state) and the action record, in one transaction."""
        async with self.db.write() as s:
            inst: Instance = await self.servers.load_in(s, ctx, sid)
            if inst.locked and not ctx.is_admin:
                raise errors.InstanceIsLocked(instance_uuid=inst.id)
            if inst.vm_state not in ALLOWED or inst.task_state is not None:
                attr, state = ("task_state", inst.task_state) if inst.task_state is not None \
                    else ("vm_state", inst.vm_state)
                raise errors.InstanceInvalidState(action=action, uuid=inst.id, attr=attr,
                                                  state=state)
            if port_id is not None:
                port = await s.get(nm.Port, port_id)
                if not is_nic_of(port, inst):
                    raise errors.PortNotAttached(port_id=port_id)
            now = utcnow()
            s.add(InstanceAction(instance_id=inst.id, request_id=ctx.request_id,
                                 action=action, project_id=inst.project_id,
                                 user_id=ctx.user_id or "", start_time=now, updated_at=now))
            return inst

    async def _finish(self, sid: str, event: str, started: Any, host: str | None,
                      error: NuboError | None) -> None:
        await finish_action(self.db, sid, ("attach_interface", "detach_interface"), event,
                            started, host, error)


def _owner_ctx(inst: Instance, ctx: RequestContext) -> RequestContext:
    """The server's project (an admin attaching to another project's server makes the port
    in the server's project, with that project's groups)."""
    return RequestContext(request_id=ctx.request_id, user_id=inst.user_id,
                          project_id=inst.project_id, roles=ctx.roles)


def _vif(port: nm.Port, mtu: int | None) -> dict[str, Any]:
    """A VifSpec as the plain values the bus carries."""
    try:
        from nubo.network.names import tap_name
        dev = tap_name(port.id)
    except ImportError:     # the driver falls back to the dataplane's name itself
        dev = ""
    return {"port_id": port.id, "mac": port.mac_address, "network_id": port.network_id,
            "mtu": int(mtu or 1500), "dev": dev}


async def _given_port(s: AsyncSession, ctx: RequestContext, inst: Instance,
                      port_id: str) -> nm.Port:
    port = await s.get(nm.Port, port_id)
    if port is None or not (ctx.is_admin or port.project_id == ctx.project_id):
        raise errors.PortNotFound(port_id=port_id)
    if port.device_id:
        raise errors.PortInUse(port_id=port_id)
    if port.project_id != inst.project_id:      # Nova's PortNotUsable, for admins too
        raise errors.PortNotUsable(port_id=port_id, instance=inst.id)
    net = await s.get(nm.Network, port.network_id)
    if net is not None:
        check_external_attach(ctx, net)
    if not (await nports.ips_of(s, [port.id]))[port.id]:
        raise errors.PortRequiresFixedIP(port_id=port_id)
    return port


async def _network(s: AsyncSession, ctx: RequestContext, inst: Instance,
                   net_id: str | None) -> nm.Network:
    if net_id:
        net = await s.get(nm.Network, net_id)
        if net is None or not (ctx.is_admin or net.shared or net.external or
                               net.project_id in (ctx.project_id, inst.project_id)):
            raise errors.NetworkNotFound(network_id=net_id)
        check_external_attach(ctx, net)
        return net
    nets = [n for n in (await s.execute(select(nm.Network).where(
        nm.Network.external.is_(False)))).scalars()
        if n.shared or n.project_id == inst.project_id]
    if not nets:
        raise errors.InterfaceAttachFailedNoNetwork(project_id=inst.project_id)
    if len(nets) > 1:
        raise errors.InterfaceNetworkAmbiguous()
    return nets[0]


async def _check_fixed_ip(s: AsyncSession, inst: Instance, net: nm.Network,
                          fixed_ip: str) -> None:
    addr = ipaddress.ip_address(fixed_ip)
    subnets = (await s.execute(select(nm.Subnet).where(
        nm.Subnet.network_id == net.id))).scalars().all()
    if not any(addr.version == ipaddress.ip_network(sn.cidr, strict=False).version and
               addr in ipaddress.ip_network(sn.cidr, strict=False) for sn in subnets):
        raise errors.FixedIpInvalidForNetwork(address=fixed_ip, network_id=net.id)
    taken = (await s.execute(select(nm.IPAllocation.port_id).where(
        nm.IPAllocation.network_id == net.id,
        nm.IPAllocation.ip_address == addr.compressed))).first()
    if taken is not None:
        raise errors.FixedIpAlreadyInUse(address=fixed_ip, instance_uuid=inst.id)


# The server's request spec remembers what an attach decided: a port the user gave joins
# `networks` (so deleting the server only unbinds it, as for a port given at boot), and a
# tag (2.49) goes to `interface_tags` by port id.

def _note(inst: Instance, port: nm.Port, made: bool, tag: str | None) -> None:
    spec = dict(inst.request_spec or {})
    if not made:
        spec["networks"] = [*(spec.get("networks") or []),
                            {"port_id": port.id, "network_id": port.network_id}]
    if tag:
        spec["interface_tags"] = {**(spec.get("interface_tags") or {}), port.id: tag}
    inst.request_spec = spec


def _forget(inst: Instance, port_id: str) -> None:
    spec = dict(inst.request_spec or {})
    spec["networks"] = [n for n in spec.get("networks") or [] if n.get("port_id") != port_id]
    tags = dict(spec.get("interface_tags") or {})
    tags.pop(port_id, None)
    spec["interface_tags"] = tags
    inst.request_spec = spec


def _given(inst: Instance, port_id: str) -> bool:
    return any(n.get("port_id") == port_id
               for n in (inst.request_spec or {}).get("networks") or [])


def _tag_of(inst: Instance, port: nm.Port) -> str | None:
    spec = inst.request_spec or {}
    tags = spec.get("interface_tags") or {}
    if port.id in tags:
        return str(tags[port.id])
    for n in spec.get("networks") or []:
        if n.get("port_id") == port.id or (not n.get("port_id") and
                                           n.get("network_id") == port.network_id):
            return n.get("tag")
    return None


async def _attachments(s: AsyncSession, inst: Instance, ports: list[nm.Port]
                       ) -> list[Attachment]:
    ips = await nports.ips_of(s, [p.id for p in ports])
    return [Attachment(port_id=p.id, net_id=p.network_id, mac_addr=p.mac_address,
                       port_state=p.status, fixed_ips=tuple(ips[p.id]),
                       tag=_tag_of(inst, p)) for p in ports]
