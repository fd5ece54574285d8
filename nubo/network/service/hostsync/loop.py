"""`NetworkSync`: keeps this host's dataplane in step with the Network API's tables.

A background task waits until it is kicked (every committed change to a network table kicks
it, see changes.py) or a period passes, then runs one round: bring the DHCP ports in line
(real dataplanes only), read the desired state, and apply the difference to what was last
applied. The first round, and one every few minutes, is a full `reconcile` instead: after a
`kill -9` or a reboot it repairs the host and removes what nobody wants. A failed round is
retried soon (with backoff) and logged; it never stops the loop.

A port goes ACTIVE once its device is plugged and its filter and DHCP entry are in place (and
DOWN while its admin_state_up is off: its device is then off the bridge and down); a
compute port's DOWN -> ACTIVE change is reported as `network-vif-plugged` through
`on_vif_event(instance_id, port_id, "completed")`, once per change, as Neutron tells Nova.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from sqlalchemy import select, update

from nubo.core.db import Database
from nubo.core.metrics import reconciled
from nubo.network import models as m
from nubo.network.agent.apply import Applied, apply_diff, dhcp_inputs, plugged_device, serves_dhcp
from nubo.network.agent.dataplane.base import DHCP_OWNER, Dataplane, DesiredState, PortSpec
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
    def __init__(self, db: Database, dataplane: Dataplane, hosts: Collection[str], *,
                 real: bool, on_vif_event: VifEvent | None = None,
                 health: AgentHealth | None = None, period: float = 30.0,
                 full_period: float = 300.0, debounce: float = 0.005) -> None:
        self.db = db
        self.dataplane = dataplane
        self.hosts = tuple(dict.fromkeys(hosts))
        self.real = real
        self.on_vif_event = on_vif_event
        self.health = health
        self.period, self.full_period, self.debounce = period, full_period, debounce
        self.applied: Applied | None = None     # None: the next round is a full reconcile
        self.rounds = 0
        self.last: RoundResult | None = None
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._round_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._unwatch: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_full = 0.0

    @property
    def events_enabled(self) -> bool:
        """Whether network-vif-plugged will come for ports bound here (compute waits)."""
        return self.real and self.on_vif_event is not None

    @property
    def state(self) -> str:
        """For /healthz: "off" (nothing to apply), "converging" until a full reconcile of the
        host has succeeded (the first after a start, or again after a failed one), "ready"."""
        if not self.real:
            return "off"
        return "ready" if self.applied is not None and self.rounds else "converging"

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

    async def start(self) -> None:
        if not self.real:
            # A dataplane that changes nothing needs no rounds: API writes (and boots on
            # thousands of fake hosts) pay nothing for it; only the agents' heartbeat.
            self._idle.set()
            if self.health is not None:
                self._task = asyncio.create_task(self._beat(), name="network-heartbeat")
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

    async def _beat(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.health.ok()  # type: ignore[union-attr]
            await asyncio.sleep(self.period)

    async def _report(self, errors: list[str]) -> None:
        """The agents' health after a round (never fails the round)."""
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
                await self._report([f"{type(exc).__name__}: {exc}"])
                backoff = min(max(backoff * 2, 0.5), 30.0)
            if not self._wake.is_set():
                self._idle.set()

    async def run_round(self) -> RoundResult:
        """One round (also callable directly, e.g. by tests without the loop)."""
        async with self._round_lock:
            t0 = time.perf_counter()
            if self.real:
                await ensure_dhcp_ports(self.db, self.hosts[0])
            desired = await build_desired(self.db, self.hosts)
            full = self.applied is None or time.monotonic() - self._last_full > self.full_period
            if full:
                applied = await self._reconcile(desired)
            else:
                assert self.applied is not None
                applied = await apply_diff(self.dataplane, self.applied, desired)
            self.applied = applied
            up, down = await self._port_status(desired, applied)
            await self._report(list(applied.errors))
            self.rounds += 1
            self.last = RoundResult(full, list(applied.errors), up, down,
                                    time.perf_counter() - t0)
            if applied.errors:
                LOG.warning("network sync: %d step(s) failed, retrying: %s",
                            len(applied.errors), "; ".join(applied.errors[:5]))
            return self.last

    async def _reconcile(self, desired: DesiredState) -> Applied:
        report = await self.dataplane.reconcile(desired)
        reconciled("network", {"repaired": len(report.repaired),
                               "removed": len(report.removed), "errors": len(report.errors)})
        if report.repaired or report.removed:
            LOG.info("network reconciled: repaired %s; removed %s",
                     report.repaired[:20], report.removed[:20])
        if report.errors:
            applied = Applied()     # not known what stands: reconcile again next round
            applied.errors = list(report.errors)
            self.applied = None
            return applied
        self._last_full = time.monotonic()
        return Applied.of(desired)

    @staticmethod
    def _served(desired: DesiredState, applied: Applied) -> dict[str, bool]:
        """Per network of the desired state: whether DHCP serves what is desired now (False:
        not yet, or its server failed to start; networks without DHCP count as served).
        Once per round: per port it was quadratic in the ports of a network."""
        out: dict[str, bool] = {}
        if applied.filters is None:
            return out
        for nid, net in applied.networks.items():
            served = applied.dhcp.get(nid)
            if served is None:      # a DHCP server that did not start serves nobody
                out[nid] = not serves_dhcp(net, desired.ports)
            else:
                out[nid] = served == dhcp_inputs(net, desired.ports)
        return out

    def _ready(self, port: PortSpec, applied: Applied, served: dict[str, bool]) -> bool:
        """Plugged, filtered and known to DHCP: what the port needs to carry traffic."""
        if plugged_device(port) and applied.ports.get(port.id) != port:
            return False
        if port.device_owner == DHCP_OWNER or plugged_device(port):
            if not served.get(port.network_id, False):     # no filter, network or DHCP yet
                return False
            if port.device_owner == DHCP_OWNER and port.network_id not in applied.dhcp:
                return False
            return True
        return False        # router ports: the API keeps their status

    async def _port_status(self, desired: DesiredState, applied: Applied
                           ) -> tuple[list[str], list[str]]:
        if not self.real:
            return [], []
        served = self._served(desired, applied)
        ready = [p.id for p in desired.ports if p.binding_host in self.hosts
                 and self._ready(p, applied, served)]
        # A port with admin_state_up off is down on the host: it must not say ACTIVE.
        wanted = [p.id for p in desired.ports if p.admin_state_up]
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
