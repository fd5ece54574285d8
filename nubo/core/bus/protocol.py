"""What every transport of the bus offers, and the envelope the messages travel in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from nubo.core.logs import request_id_var

RPC_VERSION = "1.2"   # 1.2: compute hosts report events; snapshot_to_image (compute/rpc.py)

#: A controller-side handler of a message from a host: `handler(host, **args)`.
EventHandler = Callable[..., Awaitable[None]]


class RpcEndpoint(Protocol):
    """An object that answers calls: the methods on its whitelist, with JSON arguments."""

    RPC_METHODS: frozenset[str]


class Bus(Protocol):
    async def call(self, host: str, method: str, timeout: float = 60.0,
                   **kwargs: Any) -> Any:
        """Run `method` on `host`'s agent and return its (JSON) result. Raises the fault's
        class (faults.py) when the agent failed, `HostUnreachable` when none answered in
        `timeout` seconds."""
        ...

    async def cast(self, host: str, method: str, **kwargs: Any) -> None:
        """Send `method` to `host`'s agent without waiting for it to run."""
        ...

    async def report(self, host: str, event: str, /, **kwargs: Any) -> None:
        """From a host to the controller: deliver `event` to its handlers (see `on`)."""
        ...

    def on(self, event: str, handler: EventHandler) -> None:
        """On the controller: run `handler(host, **args)` for every `event` a host reports."""
        ...

    async def settled(self) -> None:
        """Return once no host this bus reaches is starting (started, or failed to)."""
        ...

    async def broadcast(self, event: str, /, **kwargs: Any) -> None:
        """To every process listening (`on_broadcast`), this one included; not kept for a
        process that is not listening now (a hint, never the only record of a fact)."""
        ...

    def on_broadcast(self, event: str, handler: EventHandler) -> None:
        """Run `handler(sender, **args)` for each `event` broadcast from now on."""
        ...


def envelope(kind: str, name: str, args: dict[str, Any],
             version: str = RPC_VERSION) -> dict[str, Any]:
    """The message as it travels: kind is "method" (down) or "event" (up)."""
    return {"v": version, kind: name, "args": args, "request_id": request_id_var.get()}


def compatible(message_version: str, own: str = RPC_VERSION) -> bool:
    """Whether a receiver at `own` serves a message at `message_version`: same major, and a
    minor no newer than its own."""
    try:
        m_major, m_minor = (int(x) for x in message_version.split("."))
        o_major, o_minor = (int(x) for x in own.split("."))
    except ValueError:
        return False
    return m_major == o_major and m_minor <= o_minor


def speak_version(own: str, agent: str) -> str | None:
    """The version a controller at `own` talks to an agent at `agent` in: its own if the
    agent serves it, the agent's if that is one minor behind (rolling upgrade), else None
    (the agent is too old or of another major)."""
    if compatible(own, agent):
        return own
    o_major, o_minor = (int(x) for x in own.split("."))
    try:
        a_major, a_minor = (int(x) for x in agent.split("."))
    except ValueError:
        return None
    return agent if a_major == o_major and a_minor == o_minor - 1 else None
