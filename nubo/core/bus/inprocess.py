"""The bus inside one process (`nubo up`): the same messages as over a broker, serialised
through JSON both ways, so a test catches whatever would not cross RabbitMQ."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from nubo.core.bus.dispatch import serve, wire
from nubo.core.bus.faults import HostUnreachable, RpcVersionMismatch, from_record
from nubo.core.bus.protocol import (
    RPC_VERSION,
    EventHandler,
    RpcEndpoint,
    envelope,
    speak_version,
)
from nubo.core.bus.starts import HostStarts
from nubo.core.metrics import BUS_ERRORS, BUS_MESSAGES

LOG = logging.getLogger("nubo.bus")
#: the sender a broadcast names in one process (there is no other)
BROADCAST_SENDER = "local"


class InProcessBus(HostStarts):
    def __init__(self, version: str = RPC_VERSION) -> None:
        super().__init__()
        self._endpoints: dict[str, tuple[RpcEndpoint, str]] = {}
        self._handlers: dict[str, list[EventHandler]] = {}
        self._broadcast_handlers: dict[str, list[EventHandler]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.version = version

    # -- hosts (agents) ------------------------------------------------------------------
    def register(self, host: str, endpoint: RpcEndpoint, version: str = RPC_VERSION) -> None:
        """`host`'s agent answers at RPC `version` (an older agent during an upgrade)."""
        self._endpoints[host] = (endpoint, version)

    def unregister(self, host: str) -> None:
        self._endpoints.pop(host, None)

    def hosts(self) -> list[str]:
        return sorted(self._endpoints)

    def version_of(self, host: str) -> str | None:
        found = self._endpoints.get(host)
        return found[1] if found else None

    # -- down: call and cast -------------------------------------------------------------
    async def call(self, host: str, method: str, timeout: float = 60.0, **kwargs: Any) -> Any:
        BUS_MESSAGES.labels(method).inc()
        found = self._endpoints.get(host)
        if found is None:
            BUS_ERRORS.labels(method, "unreachable").inc()
            raise HostUnreachable(f"no agent for host {host}")
        endpoint, agent_version = found
        # talk to an agent one minor behind at its own version (rolling upgrade)
        version = speak_version(self.version, agent_version)
        if version is None:
            BUS_ERRORS.labels(method, "version").inc()
            raise RpcVersionMismatch(f"agent of {host} speaks v{agent_version}, this "
                                     f"controller v{self.version}")
        message = wire(envelope("method", method, kwargs, version))
        timeout = await self._wait_started(host, method, timeout)
        try:
            reply = await asyncio.wait_for(self._serve(endpoint, agent_version, message),
                                           timeout)
        except TimeoutError:
            BUS_ERRORS.labels(method, "timeout").inc()
            raise HostUnreachable(f"host {host} did not answer {method} in {timeout}s") from None
        if "fault" in reply:
            BUS_ERRORS.labels(method, reply["fault"]["code"]).inc()
            raise from_record(reply["fault"])
        return reply["result"]

    async def cast(self, host: str, method: str, **kwargs: Any) -> None:
        async def run() -> None:
            try:
                await self.call(host, method, **kwargs)
            except Exception:  # noqa: BLE001 - a cast has no one to answer to
                LOG.exception("cast %s to %s failed", method, host)
        self._spawn(run())

    async def _serve(self, endpoint: RpcEndpoint, own: str,
                     message: dict[str, Any]) -> dict[str, Any]:
        """The agent's side: check, run, and answer with a JSON reply."""
        return await serve(endpoint, own, message)

    # -- up: reports from hosts ----------------------------------------------------------
    def on(self, event: str, handler: EventHandler) -> None:
        self._handlers.setdefault(event, []).append(handler)

    async def report(self, host: str, event: str, /, **kwargs: Any) -> None:
        """Delivered in order to each handler; a failing handler is logged, not raised to
        the host (as a broker would not)."""
        BUS_MESSAGES.labels(event).inc()
        message = wire(envelope("event", event, kwargs))
        for handler in self._handlers.get(event, []):
            try:
                await handler(host, **message["args"])
            except Exception:  # noqa: BLE001
                BUS_ERRORS.labels(event, "handler").inc()
                LOG.exception("handler of %s from %s failed", event, host)

    # -- broadcasts: in one process, to this bus's listeners -------------------------------
    async def broadcast(self, event: str, /, **kwargs: Any) -> None:
        BUS_MESSAGES.labels(event).inc()
        message = wire(envelope("event", event, kwargs))
        for handler in self._broadcast_handlers.get(event, []):
            try:
                await handler(BROADCAST_SENDER, **message["args"])
            except Exception:  # noqa: BLE001 - one listener's failure is not the sender's
                BUS_ERRORS.labels(event, "handler").inc()
                LOG.exception("handler of broadcast %s failed", event)

    def on_broadcast(self, event: str, handler: EventHandler) -> None:
        self._broadcast_handlers.setdefault(event, []).append(handler)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
