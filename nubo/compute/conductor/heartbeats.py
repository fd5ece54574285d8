"""Which compute hosts are alive: their agents push a heartbeat every period
(`compute.heartbeat`, Nova's report_interval); the controller records them, many hosts in
one write, and asks only the hosts that stayed silent (an agent of an earlier build, which
does not beat, or one whose beats were lost) with a `report` call. A host is down once its
`last_seen` is older than HOST_DOWN_AFTER (Nova's service_down_time).

Any replica may receive a host's beat (over RabbitMQ, the hosts' reports are shared by the
controllers): each records what it received; the periodic ask runs in the replica holding
the "compute-heartbeat" lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import select, update

from nubo.compute.models import ComputeHost
from nubo.core.bus import Bus, HostUnreachable
from nubo.core.db import Database, utcnow

LOG = logging.getLogger("nubo.compute.heartbeats")
#: beats received are written at most this often (seconds), all hosts in one write
FLUSH_SECONDS = 1.0
#: hosts written per statement
CHUNK = 500


class Heartbeats:
    def __init__(self, db: Database, bus: Bus, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.db = db
        self.bus = bus
        self.flush_seconds = flush_seconds
        self._beaten: set[str] = set()
        self._flush: asyncio.Task[None] | None = None

    def beat(self, host: str) -> None:
        """`host`'s heartbeat arrived: recorded with the others within `flush_seconds`."""
        self._beaten.add(host)
        if self._flush is None or self._flush.done():
            self._flush = asyncio.create_task(self._flush_later(), name="heartbeats-flush")

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.flush_seconds)
        await self.flush()

    async def flush(self) -> None:
        """Write the beats received so far (a failed write: they come again next period)."""
        hosts, self._beaten = sorted(self._beaten), set()
        try:
            await self.mark_seen(hosts)
        except Exception:  # noqa: BLE001 - logged; the hosts beat again next period
            LOG.exception("recording the heartbeats of %d host(s) failed", len(hosts))

    async def mark_seen(self, hosts: list[str]) -> None:
        if not hosts:
            return
        now = utcnow()
        async with self.db.write() as s:
            for i in range(0, len(hosts), CHUNK):
                await s.execute(update(ComputeHost).where(
                    ComputeHost.name.in_(hosts[i:i + CHUNK])).values(last_seen=now))

    async def ask_silent(self, hosts: list[str], silent_after: timedelta) -> list[str]:
        """Ask the hosts not seen for `silent_after` with a `report` call; mark those that
        answered. Returns the hosts that did not answer."""
        cutoff = utcnow() - silent_after
        async with self.db.read() as s:
            fresh = set((await s.execute(select(ComputeHost.name).where(
                ComputeHost.last_seen >= cutoff))).scalars())
        silent = [h for h in hosts if h not in fresh and h not in self._beaten]

        async def ask(host: str) -> str | None:
            try:
                await self.bus.call(host, "report", timeout=10)
                return host
            except HostUnreachable:
                return None
        answered = [h for h in await asyncio.gather(*(ask(h) for h in silent)) if h]
        await self.mark_seen(answered)
        return sorted(set(silent) - set(answered))

    async def stop(self) -> None:
        """Write what was received (a clean stop loses no beat)."""
        if self._flush is not None and not self._flush.done():
            self._flush.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush
        if self._beaten:
            await self.flush()
