"""Serve a node over HTTP with uvicorn until SIGTERM or SIGINT.

The listener opens first, before the services are even imported: a start-up gate
(`core/gate.py`) answers /healthz at once and holds the other requests. The services load in
a worker thread (imports and construction; the event loop keeps answering), the node starts
what the API needs (database, identity, ...) and the gate hands every request to it. What can
wait (the hypervisor's connection, the first reconcile, the dataplane's sync, the test image)
converges afterwards, listed in /healthz `parts` until it is ready.

`nubo controller` (role "controller") starts the same way, its node being the controller
alone (roles/controller_node.py): the bus to RabbitMQ opens once the listener is up (a URL
it cannot open fails the start with its one-line reason), then the node is built on the
event loop (the bus subscribes there) after its modules were imported in the worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import uvicorn

from nubo.config import Settings
from nubo.core import lazy, logs, running
from nubo.core.bus.errors import BusOpenError
from nubo.core.faults import FaultStyle
from nubo.core.gate import StartGate

if TYPE_CHECKING:
    from nubo.roles.all_in_one import AllInOne
    from nubo.roles.controller_node import ControllerNode

    Node = AllInOne | ControllerNode

Role = Literal["all-in-one", "controller"]

LOG = logging.getLogger("nubo")
#: seconds an idle HTTP connection is kept open for the client's next request
KEEP_ALIVE_SECONDS = 75
#: the fault format of each service's path, for what the gate answers before they load
STYLES: dict[str, FaultStyle] = {"/identity": "keystone", "/compute": "nova",
                                 "/image": "glance", "/placement": "placement",
                                 "/networking": "neutron", "/volume": "nova",
                                 "/orchestration": "heat"}


async def serve(settings: Settings, role: Role = "all-in-one") -> int:
    logs.setup(settings.data_dir / "logs", settings.log_level)
    # Start-up allocates a lot and frees little: the cyclic collector's passes over the
    # growing heap cost ~10% of it. One full collection (then freeze) follows readiness.
    gc.disable()
    gate = StartGate(STYLES)
    config = uvicorn.Config(gate, host=settings.host, port=settings.port,
                            log_config=None, access_log=False, lifespan="off",
                            server_header=False, timeout_graceful_shutdown=10,
                            # uvicorn's 5 s default equals the openstack CLI's `--wait` poll
                            # interval: the server closed an idle connection just as the client
                            # reused it ("Connection reset by peer" in CI). Longer than any
                            # client's poll, as nginx's 75 s
                            timeout_keep_alive=KEEP_ALIVE_SECONDS)
    sock = config.bind_socket()         # a port in use fails here, before anything started
    # held while this process runs: `nubo host cleanup` refuses a data dir in use
    try:
        lock = running.hold(settings.data_dir)
    except BlockingIOError:
        sock.close()
        LOG.error("another nubo runs on %s (it holds %s): stop it first",
                  settings.data_dir, settings.data_dir / running.PID_FILE)
        return 3
    server = uvicorn.Server(config)
    # Our own signal handling: uvicorn would re-raise SIGTERM after its shutdown and so
    # kill the process before the node has closed its database.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _stop, server, sig)
    listening = asyncio.create_task(server.serve(sockets=[sock]), name="http")
    node: Node | None = None
    try:
        node = await _start(settings, gate, server, role)
        if node is None:
            server.should_exit = True
        await listening
    finally:
        if not listening.done():
            server.should_exit = True
            await listening
        if node is not None:
            await node.stop()
        lock.close()
    return 0 if node is not None and not node.failed and server.started else 1


async def _start(settings: Settings, gate: StartGate, server: uvicorn.Server,
                 role: Role) -> Node | None:
    """Load and start the node while the gate answers; None if that failed (logged)."""
    try:
        node: Node = (await asyncio.to_thread(_load, settings) if role == "all-in-one"
                      else await _load_controller(settings))
    except BusOpenError as exc:      # its message says it all: no traceback
        LOG.error("start failed: %s", exc)
        gate.fail(str(exc))
        return None
    except Exception as exc:
        LOG.exception("start failed: %s", exc)
        gate.fail(str(exc))
        return None
    try:
        result = await node.start(step=gate.move_to)
    except Exception as exc:
        LOG.exception("start failed: %s", exc)
        gate.fail(str(exc))
        await node.stop()
        return None
    gate.move_to("serving")
    gate.open(node.app)
    if server.should_exit:         # a signal came while starting
        return node
    clouds = node.refresh_clouds_yaml()
    _announce(node, clouds, result.credentials is not None)
    node.watch(lambda: _fatal(server))
    asyncio.get_running_loop().call_later(1.0, _freeze_heap)
    return node


def _load(settings: Settings) -> AllInOne:
    """Import and build the node (the controller and its host, roles/all_in_one.py): the
    bulk of start-up, off the event loop."""
    lazy.defer()
    from nubo.roles.all_in_one import AllInOne
    return AllInOne(settings)


async def _load_controller(settings: Settings) -> ControllerNode:
    """Import the controller's modules off the event loop, open the bus, build the node."""
    from nubo.core.bus import open_bus
    from nubo.core.bus.amqp import AmqpBus

    def load() -> type[ControllerNode]:
        lazy.defer()
        from nubo.roles.controller_node import ControllerNode
        return ControllerNode
    node_class = await asyncio.to_thread(load)
    bus = await open_bus(settings.transport_url, name="nubo-controller")
    assert isinstance(bus, AmqpBus), "nubo controller runs on RabbitMQ (cli.py checks)"
    return node_class(settings, bus)


def _fatal(server: uvicorn.Server) -> None:
    """A part that must converge failed for good (the hypervisor did not start)."""
    server.should_exit = True


def _freeze_heap() -> None:
    """Everything loaded at start lives as long as the process: keep the cyclic garbage
    collector from walking it again and again (it showed as 100 ms p95 spikes). Run a second
    after the API serves, not before: the full collection takes 0.1-0.2 s."""
    gc.collect()
    gc.freeze()
    gc.enable()


def _stop(server: uvicorn.Server, sig: signal.Signals) -> None:
    LOG.info("%s received: stopping", sig.name)
    if server.should_exit:          # a second signal: do not wait for open connections
        server.force_exit = True
    server.should_exit = True


def _announce(node: Node, clouds: Path | None, first: bool) -> None:
    from nubo.banner import ready_banner
    s = node.settings
    test_image = node.test_image.state if node.test_image else None
    lines = ready_banner(s.base_url, node.controller.identity.base_url, clouds, first,
                         s.data_dir, s.clients_bin, test_image, converging=node.converging())
    print("\n".join(lines), file=sys.stderr, flush=True)
    LOG.info("ready", extra={"url": s.base_url})
