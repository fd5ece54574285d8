"""`NetworkSync`: the controller's half of keeping a host's dataplane in step with the Network
API's tables; the host's half is its network agent (nubo/network/agent/manager.py), reached
over the bus only (messages in nubo/network/rpc.py).

A background task waits until it is kicked (every committed change to a network table kicks
it, see changes.py) or a period passes, then runs one round: bring the DHCP ports in line
(real dataplanes only: they are rows), read the host's desired state, and send it whole to the
host's network agent (`apply_desired`), which applies the difference to what it last applied
(the first round after a start is marked `full`: a reconcile of the host). A failed round is
retried soon (with backoff) and logged; it never stops the loop.

The agent reports up which ports carry traffic (`port_status`): a port goes ACTIVE once its
device is plugged and its filter and DHCP entry are in place (and DOWN while its
admin_state_up is off: its device is then off the bridge and down); a compute port's DOWN ->
ACTIVE change is reported as `network-vif-plugged` through
`on_vif_event(instance_id, port_id, "completed")`, once per change, as Neutron tells Nova. Its
`network_health` reports (and heartbeat) are written to the agents' rows (health.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from sqlalchemy import select, update

from nubo.core.bus import Bus, Fault
from nubo.core.db import Database
from nubo.network import models as m
from nubo.network import rpc
from nubo.network.service.hostsync import changes
from nubo.network.service.hostsync.desired import build_desired
from nubo.network.service.hostsync.dhcp_ports import ensure_dhcp_ports
from nubo.network.service.hostsync.health import AgentHealth

LOG = logging.getLogger("nubo.network.service.hostsync")

VifEvent = Callable[[str, str, str], Awaitable[object]]


@dataclass
class RoundResult:
    full: bool
    errors: list[str]
    activated: list[str]        # ports set ACTIVE this round
    deactivated: list[str]      # ports set DOWN this round
    seconds: float


class NetworkSync:
    """The controller's side for one network agent: `agent` is its host (its bus address is
    rpc.agent_address(agent)); `hosts` the compute hosts whose ports it carries."""

    def __init__(self, db: Database, bus: Bus, agent: str, hosts: Collection[str], *,
                 real: bool, on_vif_event: VifEvent | None = None,
                 health: AgentHealth | None = None, period: float = 30.0,
                 debounce: float = 0.005, timeout: float = 120.0,
                 network_node: str | None = None) -> None:
        """`network_node`: the host that runs the routers and DHCP servers when hosts come
        and go (fleet.py); None: this agent does (`nubo up`)."""
        self.db = db
        self.bus = bus
        self.agent = agent
        self.address = rpc.agent_address(agent)
        self.hosts = tuple(dict.fromkeys(hosts or (agent,)))
        self.real = real
        self.on_vif_event = on_vif_event
        self.health = health
        self.network_node = network_node
        self.period, self.debounce, self.timeout = period, debounce, timeout
        self.rounds = 0
        self.last: RoundResult | None = None
        self._full_next = True          # the first round after a start reconciles the host
        self._status: tuple[list[str], list[str]] = ([], [])
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._round_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._unwatch: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listening = False

    @property
    def events_enabled(self) -> bool:
        """Whether network-vif-plugged will come for ports bound here (compute waits)."""
        return self.real and self.on_vif_event is not None

    @property
    def state(self) -> str:
        """For /healthz: "off" (nothing to apply), "converging" until a round of the host
        has succeeded (the first after a start is a full reconcile), "ready"."""
        if not self.real:
            return "off"
        return "ready" if self.rounds else "converging"

    def kick(self) -> None:
        """Something changed: run a round soon. Safe from any thread."""
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._idle.clear()
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self.kick)

    def reconcile_next(self) -> None:
        """The agent restarted: the next round (now) is a full reconcile of its host."""
        self._full_next = True
        self.kick()

    def listen(self) -> None:
        """Handle the agent's reports (once per bus)."""
        if not self._listening:
            self.bus.on(rpc.PORT_STATUS, self._on_port_status)
            self.bus.on(rpc.NETWORK_HEALTH, self._on_health)
            self._listening = True

    async def start(self) -> None:
        self.listen()
        if not self.real:
            # A dataplane that changes nothing needs no rounds: API writes (and boots on
            # thousands of fake hosts) pay nothing for it; only the agent's heartbeat.
            self._idle.set()
            return
        self._loop = asyncio.get_running_loop()
        self._unwatch = changes.watch(self.db, self.kick)
        self._wake.set()
        self._task = asyncio.create_task(self._run(), name="network-sync")

    async def stop(self) -> None:
        """Stop the loop; the host keeps its state for the next start's reconcile."""
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._loop = None

    async def settle(self, timeout: float = 30.0) -> RoundResult | None:
        """Wait until no change is pending and the last round has finished (tests, tools)."""
        await asyncio.wait_for(self._idle.wait(), timeout)
        return self.last

    async def _report(self, errors: list[str]) -> None:
        """The agents' health (never fails the round)."""
        if self.health is None:
            return
        try:
            if errors:
                await self.health.failing(errors)
            else:
                await self.health.ok()
        except Exception:  # noqa: BLE001 - logged; the next round reports again
            LOG.exception("recording the network agents' health failed")

    async def _run(self) -> None:
        backoff = 0.0
        while True:
            wait = backoff or self.period
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            await asyncio.sleep(self.debounce)      # let a burst of commits land together
            self._wake.clear()
            try:
                result = await self.run_round()
                backoff = min(max(backoff * 2, 0.5), 30.0) if result.errors else 0.0
            except Exception as exc:  # noqa: BLE001 - logged; the next round tries again
                LOG.exception("network sync round failed")
                why = str(exc) if isinstance(exc, Fault) else f"{type(exc).__name__}: {exc}"
                await self._report([why])
                backoff = min(max(backoff * 2, 0.5), 30.0)
            if not self._wake.is_set():
                self._idle.set()

    async def run_round(self) -> RoundResult:
        """One round (also callable directly, e.g. by tests without the loop)."""
        async with self._round_lock:
            t0 = time.perf_counter()
            if self.real and self.network_node in (None, self.agent):
                await ensure_dhcp_ports(self.db, self.hosts[0],
                                        status_from_agent=self.events_enabled)
            desired = await build_desired(self.db, self.hosts,
                                          network_node=self.network_node)
            self._status = ([], [])
            reply = await self.bus.call(self.address, rpc.APPLY_DESIRED,
                                        timeout=self.timeout, state=desired.to_dict(),
                                        full=self._full_next)
            self._full_next = False
            self.rounds += 1
            up, down = self._status
            self.last = RoundResult(bool(reply["full"]), list(reply["errors"]), up, down,
                                    time.perf_counter() - t0)
            return self.last

    # -- the agent's reports ---------------------------------------------------------------
    async def _on_health(self, host: str, errors: list[str]) -> None:
        if host == self.address:
            await self._report(errors)

    async def _on_port_status(self, host: str, up: list[str], present: list[str]) -> None:
        if host == self.address and self.real:
            self._status = await self._port_status(up, present)

    async def _port_status(self, ready: list[str], wanted: list[str]
                           ) -> tuple[list[str], list[str]]:
        async with self.db.read() as s:
            todo_up = (await s.execute(select(m.Port.id).where(
                m.Port.id.in_(ready), m.Port.status != "ACTIVE",
                m.Port.admin_state_up.is_(True)))).scalars().all() if ready else []
            # Ports unbound, unplugged or set down here that still say ACTIVE.
            todo_down = (await s.execute(select(m.Port.id).where(
                m.Port.status == "ACTIVE", m.Port.binding_host_id.in_(self.hosts),
                m.Port.id.not_in(wanted)))).scalars().all()
        if not todo_up and not todo_down:
            return [], []
        up: list[tuple[str, str, str]] = []
        async with self.db.write() as s:
            if todo_up:     # conditional: a port changed meanwhile is the next round's
                rows = (await s.execute(select(m.Port.id, m.Port.device_id,
                                               m.Port.device_owner).where(
                    m.Port.id.in_(todo_up), m.Port.status != "ACTIVE",
                    m.Port.admin_state_up.is_(True)))).all()
                up = [(r[0], r[1], r[2]) for r in rows]
                if up:
                    await s.execute(update(m.Port).where(
                        m.Port.id.in_([u[0] for u in up])).values(status="ACTIVE"))
            if todo_down:
                await s.execute(update(m.Port).where(
                    m.Port.id.in_(todo_down), m.Port.status == "ACTIVE",
                    m.Port.binding_host_id.in_(self.hosts)).values(status="DOWN"))
        for pid, device_id, owner in up:
            if owner.startswith("compute:") and device_id and self.on_vif_event is not None:
                try:
                    await self.on_vif_event(device_id, pid, "completed")
                except Exception:  # noqa: BLE001 - the port is up; the event is best effort
                    LOG.exception("network-vif-plugged for port %s failed", pid)
        return [u[0] for u in up], list(todo_down)
