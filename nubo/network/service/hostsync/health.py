"""This host's network agents as the API shows them (GET /v2.0/agents, /healthz).

While the dataplane keeps up, the agents' heartbeat is kept fresh (at most twice a minute).
While its sync rounds fail, the heartbeat stops and the agents' rows say why
(`configurations.sync_error`), so that `openstack network agent list` shows them not alive at
once (not only after Neutron's agent_down_time) and compute can tell a user whose port was
never plugged what went wrong on the host. The first good round clears it.
"""

from __future__ import annotations

import time

from sqlalchemy import select, update

from nubo.core.db import Database, utcnow
from nubo.network import models as m

#: configurations key of a failing agent: what its last sync round could not do
SYNC_ERROR = "sync_error"
#: Neutron's agent_down_time: an agent whose heartbeat is older is not alive
AGENT_DOWN_SECONDS = 75.0
BEAT_EVERY = 30.0


class AgentHealth:
    def __init__(self, db: Database, host: str) -> None:
        self.db, self.host = db, host
        self.error: str | None = None       # what is failing now (None: healthy)
        self.since: float | None = None     # monotonic time it started failing
        self._written: str | None = None    # the sync_error the rows hold
        self._last_beat = 0.0

    async def ok(self) -> None:
        """A round succeeded: healthy again; the heartbeat is fresh."""
        self.error, self.since = None, None
        if self._written is not None:
            await self._write(None)
        if time.monotonic() - self._last_beat >= BEAT_EVERY:
            self._last_beat = time.monotonic()
            async with self.db.write() as s:
                await s.execute(update(m.Agent).where(m.Agent.host == self.host).values(
                    heartbeat_timestamp=utcnow()))

    async def failing(self, errors: list[str]) -> None:
        """A round failed: no heartbeat; the rows say why (written when it changes)."""
        why = "; ".join(errors[:3])[:1000] or "the network sync round failed"
        if self.since is None:
            self.since = time.monotonic()
        self.error = why
        if why != self._written:
            await self._write(why)

    def problem(self) -> str | None:
        """For /healthz: None when healthy, else what fails and for how long."""
        if self.error is None or self.since is None:
            return None
        return f"network sync failing for {time.monotonic() - self.since:.0f} s: {self.error}"

    async def _write(self, why: str | None) -> None:
        async with self.db.write() as s:
            for a in (await s.execute(select(m.Agent).where(
                    m.Agent.host == self.host))).scalars():
                conf = {k: v for k, v in (a.configurations or {}).items() if k != SYNC_ERROR}
                a.configurations = {**conf, **({SYNC_ERROR: why} if why else {})}
        self._written = why
