"""The controller <-> host bus: versioned messages between the controller and the agents.

Down (controller -> host): `call` (waits for the reply) and `cast` (no reply) addressed to a
host. Up (host -> controller): `report(event, **args)`, delivered to the handlers that the
controller registered with `on(event, handler)` (lifecycle events, power states, port
status, vif plugged, resource and heartbeat reports).

Every message is plain JSON: an envelope `{"v": RPC_VERSION, "method"|"event": name,
"args": {...}, "request_id": ...}` and a reply `{"result": ...}` or `{"fault": record}`
(faults.py). The in-process transport (`nubo up`) serialises each envelope and each reply
through JSON exactly as a broker would carry them, so anything that could not cross
RabbitMQ (a Python object, an exception by reference, a datetime) fails in every test.
`open_bus(url)` (transport.py) opens the one a process is configured for: in-process, or
RabbitMQ (amqp/, aio-pika, a durable quorum queue per host).

Versions: `major.minor`. A receiver serves a message of its own major and a minor up to its
own; a message one minor newer than a receiver is refused with `RpcVersionMismatch`, so the
controller must talk to an agent one minor behind at that agent's version (rolling upgrade).

An agent may be registered before it serves (`nubo up` answers the API while its hypervisor
still connects): a call to a host marked `starting` waits, within the call's own timeout,
until the host has `started`, as a message waits in a host's queue until its agent consumes
it. A host whose start failed answers every call with HostUnreachable and the reason.
"""

from __future__ import annotations

from nubo.core.bus.faults import (
    Fault,
    FaultRecord,
    HostUnreachable,
    RpcVersionMismatch,
    UnknownMethod,
    from_record,
    to_record,
)
from nubo.core.bus.inprocess import InProcessBus
from nubo.core.bus.protocol import (
    RPC_VERSION,
    Bus,
    EventHandler,
    RpcEndpoint,
    compatible,
    envelope,
    speak_version,
)
from nubo.core.bus.transport import BusOpenError, open_bus

__all__ = ["RPC_VERSION", "Bus", "BusOpenError", "EventHandler", "Fault", "FaultRecord",
           "HostUnreachable", "InProcessBus", "RpcEndpoint", "RpcVersionMismatch",
           "UnknownMethod", "compatible", "envelope", "from_record", "open_bus",
           "speak_version", "to_record"]
