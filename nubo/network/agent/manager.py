"""`NetworkAgent`: the network side of a hypervisor host, driven over the bus.

The controller sends the host's whole `DesiredState` (rpc.py: `apply_desired`); the agent
keeps what it last applied and tells its dataplane only the difference (apply.py). The first
call after a start, one every `full_period` seconds, and any the controller marks `full` are
a full `reconcile` instead: after a `kill -9` or a reboot it repairs the host and removes what
nobody wants. After each round it reports up which ports carry traffic (`port_status`) and
what failed (`network_health`); between rounds it beats (`network_health`, no errors). It
keeps the last desired state for the host's metadata agent (metadata_agent.py): which
instance owns a guest's address. No database: only the bus and the dataplane.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Collection
from typing import Any, Protocol

from nubo.core.metrics import reconciled
from nubo.network import rpc
from nubo.network.agent.apply import Applied, apply_diff
from nubo.network.agent.dataplane.base import Dataplane, DesiredState
from nubo.network.agent.readiness import port_status

LOG = logging.getLogger("nubo.network.agent")
COMPUTE_OWNER_PREFIX = "compute:"


class Reporter(Protocol):
    """The bus as the host sees it: reports up (nubo/core/bus)."""

    async def report(self, host: str, event: str, /, **kwargs: Any) -> None: ...


class NetworkAgent:
    RPC_METHODS = frozenset({rpc.APPLY_DESIRED, rpc.RECONCILE})

    def __init__(self, host: str, dataplane: Dataplane, reporter: Reporter, *,
                 hosts: Collection[str] = (), full_period: float = 300.0,
                 beat: float = rpc.BEAT_SECONDS,
                 identity: dict[str, Any] | None = None) -> None:
        """`identity`: what the agent tells the controller with each beat (rpc.py's
        `network_agent`: dataplane, vtep_ip, network_node) when hosts come and go
        (`nubo agent`); None: it is known (`nubo up`)."""
        self.host = host
        self.address = rpc.agent_address(host)
        self.dataplane = dataplane
        self.reporter = reporter
        #: the compute hosts whose ports this dataplane carries (`nubo up`: every fake host)
        self.hosts = tuple(dict.fromkeys(hosts or (host,)))
        self.full_period, self.beat = full_period, beat
        self.identity = identity
        self.applied: Applied | None = None     # None: the next round is a full reconcile
        self.desired = DesiredState()
        self.errors: list[str] = []
        self._last_full = 0.0
        self._lock = asyncio.Lock()
        self._beat_task: asyncio.Task[None] | None = None

    # -- RPC -----------------------------------------------------------------------------
    async def apply_desired(self, state: dict[str, Any], full: bool = False) -> dict[str, Any]:
        """Bring the host to `state`; reports port status and health; returns
        {"full": whether this was a full reconcile, "errors": what failed}."""
        desired = DesiredState.from_dict(state)
        async with self._lock:
            full = full or self.applied is None or \
                time.monotonic() - self._last_full > self.full_period
            if full:
                applied = await self._reconcile(desired)
            else:
                assert self.applied is not None
                applied = await apply_diff(self.dataplane, self.applied, desired)
            self.applied, self.desired = applied, desired
            self.errors = list(applied.errors)
            up, present = port_status(desired, applied, self.hosts)
        if applied.errors:
            LOG.warning("network sync: %d step(s) failed, retrying: %s",
                        len(applied.errors), "; ".join(applied.errors[:5]))
        await self._report(rpc.PORT_STATUS, up=up, present=present)
        await self._report(rpc.NETWORK_HEALTH, errors=self.errors)
        return {"full": full, "errors": self.errors}

    async def reconcile(self, state: dict[str, Any]) -> dict[str, Any]:
        """A full reconcile of the host to `state` now."""
        return await self.apply_desired(state, full=True)

    async def _reconcile(self, desired: DesiredState) -> Applied:
        report = await self.dataplane.reconcile(desired)
        reconciled("network", {"repaired": len(report.repaired),
                               "removed": len(report.removed), "errors": len(report.errors)})
        if report.repaired or report.removed:
            LOG.info("network reconciled: repaired %s; removed %s",
                     report.repaired[:20], report.removed[:20])
        if report.errors:
            applied = Applied()     # not known what stands: everything is applied again
            applied.errors = list(report.errors)
            return applied
        self._last_full = time.monotonic()
        return Applied.of(desired)

    # -- up --------------------------------------------------------------------------------
    async def _report(self, event: str, **kwargs: Any) -> None:
        try:
            await self.reporter.report(self.address, event, **kwargs)
        except Exception:  # noqa: BLE001 - the next round or beat reports again
            LOG.exception("reporting %s failed", event)

    async def start(self) -> None:
        """Beat: report health every `beat` seconds (the agents' heartbeat)."""
        if self._beat_task is None:
            self._beat_task = asyncio.create_task(self._beat(), name="network-agent-beat")

    async def stop(self) -> None:
        """Stop beating; the host keeps its state for the next start's reconcile."""
        if self._beat_task is not None:
            self._beat_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat_task
            self._beat_task = None

    async def _beat(self) -> None:
        while True:
            if self.identity is not None:
                await self._report(rpc.NETWORK_AGENT, **self.identity)
            await self._report(rpc.NETWORK_HEALTH, errors=self.errors)
            await asyncio.sleep(self.beat)

    # -- the metadata agent's lookup -------------------------------------------------------
    def instance_of(self, ip: str, network_id: str | None, router_id: str | None
                    ) -> tuple[str, str] | None:
        """(instance id, project id) of the compute port holding `ip` on the given network,
        or on a network the given router has an interface on (Neutron's metadata agent)."""
        d = self.desired
        nets = {network_id} if network_id else set()
        if router_id:
            nets |= {i.network_id for r in d.routers if r.id == router_id
                     for i in r.interfaces}
        for p in d.served_ports:
            if p.network_id in nets and p.device_owner.startswith(COMPUTE_OWNER_PREFIX) \
                    and p.device_id and any(f.ip_address == ip for f in p.fixed_ips):
                return p.device_id, p.project_id
        return None
