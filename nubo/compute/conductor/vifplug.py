"""A server's ports on its host: binding them there and waiting until the host's dataplane
has plugged them (os-server-external-events `network-vif-plugged`, tag = port id), as Nova
waits for Neutron before it lets a guest run (nova/virt/libvirt/driver.py
_create_guest_with_network).

Nova waits while the domain is paused; we wait before spawning, because the dataplane makes
the tap on its own when the port is bound, and the driver then only hands it to the guest.
The wait is safe against lost events: a port the database already shows ACTIVE on the host
is not waited for (the dataplane marks it ACTIVE before it sends the event), and events left
over from an earlier plug are forgotten before ports are (re)bound.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from nubo.compute.service.external_events import EventWaiters
from nubo.compute.service.networking import ComputeNetworking

LOG = logging.getLogger("nubo.compute.conductor.vifplug")
VIF_PLUGGED = "network-vif-plugged"
#: Nova's VirtualInterfaceCreateException
VIF_CREATE_FAILED = "Virtual Interface creation failed"


class VifPlugFailed(Exception):
    """The dataplane did not plug every port in time, or said it failed (and
    vif_plugging_is_fatal); the message says which ports, `ports` lists them and `cause` is
    what the host's network agent reports failing (None: it reports nothing)."""

    def __init__(self, message: str, ports: list[str] | None = None,
                 cause: str | None = None) -> None:
        super().__init__(message)
        self.ports = ports or []
        self.cause = cause

    def reason(self, host: str) -> str:
        """For a fault: which ports could not be plugged on `host` and why ("" if unknown)."""
        if not self.cause:
            return ""
        # a fault message holds 255 characters: the ids in the agent's step names go
        # (`details` keeps them)
        cause = _STEP_ID.sub(r"\1: ", self.cause)
        return f"Port(s) {', '.join(self.ports)} could not be plugged on {host}: {cause}"


class VifPlugAbandoned(Exception):
    """The operation was called off while waiting (the server is being deleted)."""


#: "dhcp <uuid>: ", "plug port <uuid>: " in the network agent's errors
_STEP_ID = re.compile(r"\b([a-z][a-z ]*?) [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                      r"[0-9a-f]{12}: ")

#: how often a wait checks whether its operation was called off
POLL = 1.0


def _retrieve(fut: asyncio.Future[Any]) -> None:
    """A wait cut off (cancelled) leaves nothing unretrieved for asyncio to complain of."""
    if not fut.cancelled():
        fut.exception()


class VifPlugging:
    def __init__(self, events: EventWaiters, networking: ComputeNetworking | None,
                 timeout: float = 300.0, is_fatal: bool = True) -> None:
        """`events`: where os-server-external-events arrive; `networking`: the server's
        ports (None: no networking, nothing is bound nor waited for)."""
        self.events = events
        self.networking = networking
        #: Nova's vif_plugging_timeout: seconds to wait; 0 does not wait at all
        self.timeout = timeout
        #: Nova's vif_plugging_is_fatal: a missing or failed event fails the operation
        self.is_fatal = is_fatal

    @property
    def enabled(self) -> bool:
        net = self.networking
        return net is not None and net.vif_events and self.timeout > 0

    async def prepare(self, instance_id: str) -> None:
        """Before ports are bound: no event from an earlier plug may answer for this one."""
        await self.events.discard(instance_id, VIF_PLUGGED)

    async def bind(self, instance_id: str, host: str) -> list[str]:
        """A move: bind every port of the server to `host` ("" unbinds them) and wait for
        the ones that changed to be plugged there. Raises VifPlugFailed."""
        if self.networking is None:
            return []
        await self.prepare(instance_id)
        changed = await self.networking.bind_host(instance_id, host)
        if changed and host:
            await self.wait(instance_id, host)
        return changed

    async def restore(self, instance_id: str, host: str) -> None:
        """A move failed: the ports go back to `host` ("" unbound); a failure to plug them
        there again is logged, the move's own failure is what the user sees."""
        try:
            await self.bind(instance_id, host)
        except VifPlugFailed as exc:
            LOG.warning("instance %s: ports back on %s: %s", instance_id, host or "no host",
                        exc)

    async def wait(self, instance_id: str, host: str,
                   abandon: Callable[[], Awaitable[bool]] | None = None) -> None:
        """Wait for network-vif-plugged of each port bound to `host` that is not ACTIVE yet;
        raises VifPlugFailed on a timeout or a "failed" event when that is fatal, and
        VifPlugAbandoned as soon as `abandon()` says the operation was called off."""
        if not self.enabled or self.networking is None:
            return
        ports = await self.networking.port_states(instance_id)
        pending = sorted(pid for pid, (status, bound) in ports.items()
                         if bound == host and status != "ACTIVE")
        if not pending:
            return
        waiting = asyncio.ensure_future(asyncio.gather(
            *(self.events.wait(instance_id, VIF_PLUGGED, pid, self.timeout)
              for pid in pending), return_exceptions=True))
        waiting.add_done_callback(_retrieve)
        try:
            while not waiting.done():
                await asyncio.wait([waiting], timeout=POLL)
                if not waiting.done() and abandon is not None and await abandon():
                    raise VifPlugAbandoned(f"instance {instance_id}: no longer waited for")
        finally:
            waiting.cancel()
        results = waiting.result()
        failed = [pid for pid, r in zip(pending, results, strict=True) if r == "failed"]
        missing = [pid for pid, r in zip(pending, results, strict=True)
                   if isinstance(r, BaseException)]
        if not failed and not missing:
            return
        why = "; ".join(part for part in (
            f"port(s) {', '.join(failed)} failed to plug" if failed else "",
            f"no {VIF_PLUGGED} for port(s) {', '.join(missing)} within "
            f"{self.timeout:g} s" if missing else "") if part)
        cause = await self.networking.plug_trouble(host)
        if cause:
            why += f"; the host's network agent reports: {cause}"
        if self.is_fatal:
            raise VifPlugFailed(f"{VIF_CREATE_FAILED}: {why} on {host}", failed + missing,
                                cause)
        LOG.warning("instance %s: %s on %s; going on (vif_plugging_is_fatal is off)",
                    instance_id, why, host)
