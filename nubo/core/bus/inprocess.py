"""The bus inside one process (`nubo up`): the same messages as over a broker, serialised
through JSON both ways, so a test catches whatever would not cross RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from nubo.core.bus.faults import (
    HostUnreachable,
    RpcVersionMismatch,
    UnknownMethod,
    from_record,
    to_record,
)
from nubo.core.bus.protocol import (
    RPC_VERSION,
    EventHandler,
    RpcEndpoint,
    compatible,
    envelope,
    speak_version,
)
from nubo.core.logs import request_id_var
from nubo.core.metrics import BUS_ERRORS, BUS_MESSAGES

LOG = logging.getLogger("nubo.bus")


@dataclass
class _Start:
    """A host's agent on its way to serving: `done` once it serves or its start failed."""
    done: asyncio.Event = field(default_factory=asyncio.Event)
    error: str | None = None


def _wire(message: dict[str, Any]) -> dict[str, Any]:
    """What the other side receives: the message through JSON (TypeError if it cannot)."""
    decoded: dict[str, Any] = json.loads(json.dumps(message, allow_nan=False))
    return decoded


class InProcessBus:
    def __init__(self, version: str = RPC_VERSION) -> None:
        self._endpoints: dict[str, tuple[RpcEndpoint, str]] = {}
        self._handlers: dict[str, list[EventHandler]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._starts: dict[str, _Start] = {}
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

    # -- hosts on their way to serving ---------------------------------------------------
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
        message = _wire(envelope("method", method, kwargs, version))
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
        token = request_id_var.set(message.get("request_id"))
        try:
            name = message["method"]
            if not compatible(message["v"], own):
                raise RpcVersionMismatch(f"message v{message['v']} is newer than this "
                                         f"agent's v{own}")
            if name not in endpoint.RPC_METHODS:
                raise UnknownMethod(f"{name} is not an RPC method of the agent (v{own})")
            result = await getattr(endpoint, name)(**message["args"])
            return _wire({"result": result})
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure crosses as a record
            if type(exc).__module__.startswith(("builtins", "json")) or not hasattr(exc, "code"):
                LOG.exception("RPC %s failed on the agent", message.get("method"))
            return _wire({"fault": to_record(exc)})
        finally:
            request_id_var.reset(token)

    # -- up: reports from hosts ----------------------------------------------------------
    def on(self, event: str, handler: EventHandler) -> None:
        self._handlers.setdefault(event, []).append(handler)

    async def report(self, host: str, event: str, /, **kwargs: Any) -> None:
        """Delivered in order to each handler; a failing handler is logged, not raised to
        the host (as a broker would not)."""
        BUS_MESSAGES.labels(event).inc()
        message = _wire(envelope("event", event, kwargs))
        for handler in self._handlers.get(event, []):
            try:
                await handler(host, **message["args"])
            except Exception:  # noqa: BLE001
                BUS_ERRORS.labels(event, "handler").inc()
                LOG.exception("handler of %s from %s failed", event, host)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
