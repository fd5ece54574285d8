"""The controller <-> agent bus: versioned RPC calls addressed to a host.

In one process (`nubo up`) calls go straight to the agent object; across hosts they will go
over RabbitMQ with the same contract. Arguments and results are plain JSON-able values, so
both transports carry the same messages.

An agent may be registered before it serves (`nubo up` answers the API while its hypervisor
still connects): a call to a host marked `starting` waits, within the call's own timeout,
until the host has `started`, as a message waits in a host's queue until its agent consumes
it. A host whose start failed answers every call with HostUnreachable and the reason.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from nubo.core.metrics import BUS_ERRORS, BUS_MESSAGES

RPC_VERSION = "1.0"


class HostUnreachable(Exception):
    """No agent answers for that host (down, unknown, or timed out)."""


class RpcEndpoint(Protocol):
    RPC_METHODS: frozenset[str]


class Bus(Protocol):
    async def call(self, host: str, method: str, timeout: float = 60.0,
                   **kwargs: Any) -> Any: ...

    async def settled(self) -> None:
        """Return once no host this bus reaches is starting (started, or failed to)."""


@dataclass
class _Start:
    """A host's agent on its way to serving: `done` once it serves or its start failed."""
    done: asyncio.Event = field(default_factory=asyncio.Event)
    error: str | None = None


class InProcessBus:
    def __init__(self) -> None:
        self._endpoints: dict[str, RpcEndpoint] = {}
        self._starts: dict[str, _Start] = {}

    def register(self, host: str, endpoint: RpcEndpoint) -> None:
        self._endpoints[host] = endpoint

    def unregister(self, host: str) -> None:
        self._endpoints.pop(host, None)

    def hosts(self) -> list[str]:
        return sorted(self._endpoints)

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

    async def call(self, host: str, method: str, timeout: float = 60.0, **kwargs: Any) -> Any:
        ep = self._endpoints.get(host)
        BUS_MESSAGES.labels(method).inc()
        if ep is None:
            BUS_ERRORS.labels(method, "unreachable").inc()
            raise HostUnreachable(f"no agent for host {host}")
        if method not in ep.RPC_METHODS:
            BUS_ERRORS.labels("-", "unknown_method").inc()
            raise ValueError(f"{method} is not an RPC method of the agent (v{RPC_VERSION})")
        timeout = await self._wait_started(host, method, timeout)
        try:
            return await asyncio.wait_for(getattr(ep, method)(**kwargs), timeout)
        except TimeoutError:
            BUS_ERRORS.labels(method, "timeout").inc()
            raise HostUnreachable(f"host {host} did not answer {method} in {timeout}s") from None
        except Exception:
            BUS_ERRORS.labels(method, "error").inc()
            raise
