"""Hosts on their way to serving, as every transport of the bus tracks them on the controller.

An agent may be registered before it serves (`nubo up` answers the API while its hypervisor
still connects): a call to a host marked `starting` waits, within the call's own timeout,
until the host has `started`, as a message waits in a host's queue until its agent consumes
it. A host whose start failed answers every call with HostUnreachable and the reason.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from nubo.core.bus.faults import HostUnreachable
from nubo.core.metrics import BUS_ERRORS


@dataclass
class _Start:
    """A host's agent on its way to serving: `done` once it serves or its start failed."""
    done: asyncio.Event = field(default_factory=asyncio.Event)
    error: str | None = None


class HostStarts:
    """The `starting`/`started`/`settled` part of a bus (a base of each transport)."""

    def __init__(self) -> None:
        self._starts: dict[str, _Start] = {}

    def starting(self, host: str) -> None:
        """Calls to `host` wait from now on until `started(host)`."""
        self._starts[host] = _Start()

    def started(self, host: str, error: str | None = None) -> None:
        """`host` serves (error None) or will not (its calls fail with `error`)."""
        start = self._starts.get(host)
        if start is None:
            return
        if error is None:
            del self._starts[host]
        start.error = error
        start.done.set()

    def start_error(self, host: str) -> str | None:
        start = self._starts.get(host)
        return start.error if start is not None else None

    async def settled(self) -> None:
        """Until no host of this bus is starting any more (started or failed)."""
        for start in list(self._starts.values()):
            await start.done.wait()

    async def _wait_started(self, host: str, method: str, timeout: float) -> float:
        """Wait while `host` starts; the time left of `timeout`."""
        start = self._starts.get(host)
        if start is None:
            return timeout
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(start.done.wait(), timeout)
        except TimeoutError:
            BUS_ERRORS.labels(method, "starting").inc()
            raise HostUnreachable(f"host {host} is still starting: it did not serve "
                                  f"{method} within {timeout}s") from None
        if start.error is not None:
            BUS_ERRORS.labels(method, "unreachable").inc()
            raise HostUnreachable(f"host {host} failed to start: {start.error}")
        return max(timeout - (time.monotonic() - t0), 0.001)
