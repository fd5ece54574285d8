"""The controller <-> agent bus: versioned RPC calls addressed to a host.

In one process (`nubo up`) calls go straight to the agent object; across hosts they will go
over RabbitMQ with the same contract. Arguments and results are plain JSON-able values, so
both transports carry the same messages.
"""

from __future__ import annotations

import asyncio
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


class InProcessBus:
    def __init__(self) -> None:
        self._endpoints: dict[str, RpcEndpoint] = {}

    def register(self, host: str, endpoint: RpcEndpoint) -> None:
        self._endpoints[host] = endpoint

    def unregister(self, host: str) -> None:
        self._endpoints.pop(host, None)

    def hosts(self) -> list[str]:
        return sorted(self._endpoints)

    async def call(self, host: str, method: str, timeout: float = 60.0, **kwargs: Any) -> Any:
        ep = self._endpoints.get(host)
        BUS_MESSAGES.labels(method).inc()
        if ep is None:
            BUS_ERRORS.labels(method, "unreachable").inc()
            raise HostUnreachable(f"no agent for host {host}")
        if method not in ep.RPC_METHODS:
            BUS_ERRORS.labels("-", "unknown_method").inc()
            raise ValueError(f"{method} is not an RPC method of the agent (v{RPC_VERSION})")
        try:
            return await asyncio.wait_for(getattr(ep, method)(**kwargs), timeout)
        except TimeoutError:
            BUS_ERRORS.labels(method, "timeout").inc()
            raise HostUnreachable(f"host {host} did not answer {method} in {timeout}s") from None
        except Exception:
            BUS_ERRORS.labels(method, "error").inc()
            raise
