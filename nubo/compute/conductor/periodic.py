"""The controller's periodic compute work: the hosts' heartbeats and the reconcile that
converges stuck operations (with the reclaim of soft-deleted and the offload of shelved
servers). Power states and the image cache are the agents' own periodic work (they report up
the bus).

Several controller replicas may share one database: each job runs in the one replica that
holds its lease (`nubo.core.leases`), renewed every period."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from nubo.core.leases import Leases

LOG = logging.getLogger("nubo.compute")
PERIOD = 10.0
#: periods a lease outlives its last renewal: a replica that died hands its jobs over
#: after this many periods
LEASE_PERIODS = 3
#: the periodic reconcile leaves an operation accepted less than this long ago to the
#: replica that accepted it (it takes the instance's lock right after its commit)
SETTLE = timedelta(seconds=10)


class Reconciling(Protocol):
    """What the periodic jobs ask of the conductor (manager.py)."""

    async def heartbeat(self, hosts: list[str]) -> list[str]:
        """Ask the hosts that stopped pushing heartbeats how they are (heartbeats.py); the
        hosts that did not answer."""
        ...

    async def known_hosts(self) -> list[str]:
        """Every compute host recorded in the database."""
        ...

    async def reconcile(self, settle: timedelta | None = None) -> dict[str, int]:
        """Converge the operations left in a transitional state; counts per kind."""
        ...


class VolumeReconciling(Protocol):
    """The attachment reconciler (volume_reconcile.py)."""

    async def reconcile(self, settle: timedelta | None = None) -> dict[str, int]: ...


class PeriodicJobs:
    def __init__(self, conductor: Reconciling, leases: Leases,
                 hosts: Sequence[str] | None = None,
                 volumes: VolumeReconciling | None = None,
                 period: float | None = None) -> None:
        """`period`: seconds between rounds (Nova's periodic_interval; PERIOD by default),
        a lease lives LEASE_PERIODS of them; `hosts`: the compute hosts whose heartbeat
        this controller checks (`nubo up`: its own); None: every host recorded in the
        database, read each period (`nubo controller`: hosts come and go as their agents
        report); `volumes`: the attachment reconciler (records against the hosts' real
        disks)."""
        self.conductor = conductor
        self.volumes = volumes
        #: this replica's leases on the periodic jobs; `runs` counts the jobs it ran
        self.leases = leases
        self.hosts = list(hosts) if hosts is not None else None
        self.runs: dict[str, int] = {}
        self._period = period
        #: the loop, once `start` ran
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Resume the operations a restart cut off; then the periodic work."""
        counts = await self.conductor.reconcile()
        if any(counts.values()):
            LOG.info("compute reconciled on start: %s", counts)
        if self.volumes is not None:
            healed = await self.volumes.reconcile()
            if any(healed.values()):
                LOG.info("volume attachments reconciled on start: %s", healed)
        self.task = asyncio.create_task(self._loop(), name="compute-periodic")

    @property
    def period(self) -> float:
        return self._period if self._period is not None else PERIOD

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.period)
            try:
                await self.run_periodic()
            except Exception:  # noqa: BLE001 - next round tries again
                LOG.exception("compute periodic tasks failed")

    async def _holds(self, job: str) -> bool:
        """Whether this replica runs `job` this period (takes or renews its lease)."""
        if not await self.leases.acquire(job, self.period * LEASE_PERIODS):
            return False
        self.runs[job] = self.runs.get(job, 0) + 1
        return True

    async def run_periodic(self) -> None:
        """One period's jobs, each only where this replica holds its lease."""
        if await self._holds("compute-heartbeat"):
            hosts = (self.hosts if self.hosts is not None
                     else await self.conductor.known_hosts())
            silent = await self.conductor.heartbeat(hosts)
            if silent:
                LOG.warning("hosts not answering: %s", ", ".join(silent[:10]))
        if await self._holds("compute-reconcile"):
            await self.conductor.reconcile(settle=SETTLE)
        if self.volumes is not None and await self._holds("volume-attachments"):
            await self.volumes.reconcile(settle=SETTLE)

    async def stop(self) -> None:
        """Stop the loop (its jobs' leases stay until `release`)."""
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def release(self) -> None:
        """Give the leases back, once the conductor stopped (they expire on their own
        otherwise)."""
        try:
            await self.leases.release_all()
        except Exception:  # noqa: BLE001 - the leases expire on their own
            LOG.exception("giving up the periodic jobs' leases failed")
