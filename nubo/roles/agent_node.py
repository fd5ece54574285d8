"""`nubo agent`: one hypervisor host's agents (roles/host.py) over RabbitMQ, in the foreground.

No database options, credentials or code (tests/unit/test_import_contract.py holds that for
this module and everything it imports): the controller is reached over the bus (calls to the
host's queue, reports to the controllers' queue) and over HTTP (`--controller-url`: the image
API with the service user's token, the metadata API).

Start: open the bus (a wrong URL, login or vhost ends the process with one line, exit 2);
refuse a host name whose queue another live agent consumes (exit 3); bring up the network
agent and the compute agents, whose first `compute.resources` report registers the host on
the controller; then beat every report_interval until SIGTERM or SIGINT. A restart with the
same `--host` and data dir takes the host back over (the fake driver keeps its guests in
DATA_DIR/fake-hosts/HOST.json, libvirt in libvirtd).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator

from nubo.config import Settings
from nubo.core import logs, running
from nubo.core.bus import BusOpenError, open_bus
from nubo.core.bus.amqp import AmqpBus
from nubo.core.service_auth import ServiceCredentials
from nubo.roles.host import Host, host_names

LOG = logging.getLogger("nubo.agent")

#: exit codes: the bus cannot be opened; the host is served already (or its data dir in use)
EXIT_BUS = 2
EXIT_DUPLICATE = 3


def _say(message: str) -> None:
    print(f"nubo agent: {message}", file=sys.stderr, flush=True)


async def run_agent(settings: Settings, credentials: ServiceCredentials) -> int:
    """Serve this host until a signal; the exit code."""
    host_name = settings.compute_host
    assert host_name, "nubo agent needs --host"
    logs.setup(settings.data_dir / "logs", settings.log_level)
    try:
        lock = running.hold(settings.data_dir)
    except BlockingIOError:
        _say(f"error: another nubo runs on {settings.data_dir}: give this agent its own "
             "--data-dir")
        return EXIT_DUPLICATE
    try:
        return await _serve(settings, credentials, host_name)
    finally:
        lock.close()


@contextlib.contextmanager
def _quiet_connect() -> Iterator[None]:
    """aio-pika and aiormq log each failed attempt of the first connection; BusOpenError
    says what failed in one line, so they keep quiet until it is open."""
    loggers = [logging.getLogger(n) for n in ("aio_pika", "aiormq")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


async def _serve(settings: Settings, credentials: ServiceCredentials, host_name: str) -> int:
    try:
        with _quiet_connect():
            bus = await open_bus(settings.transport_url, name=f"nubo-agent:{host_name}")
    except BusOpenError as exc:
        _say(f"error: {exc}")
        return EXIT_BUS
    if not isinstance(bus, AmqpBus):
        _say("error: --transport-url must be amqp:// or amqps:// (the in-process bus "
             "has no controller to talk to: that is `nubo up`)")
        return EXIT_BUS
    host: Host | None = None
    try:
        first = host_names(settings, settings.virt)[0]   # HOST, or HOST-fake-0
        if await bus.consumers(first) > 0:
            _say(f"error: host {first!r} is served by another live agent already (its "
                 f"queue nubo.host.{first} has a consumer): pick another --host, or "
                 "stop that agent first")
            return EXIT_DUPLICATE
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        host = Host(settings, bus, credentials, remote=True)
        await host.start_network()
        await host.connect()           # reports the resources: the controller records it
        await bus.settled()
        LOG.info("agent of %s serving", ", ".join(host.names))
        _say(f"serving host {', '.join(host.names)} (virt {host.virt}, network "
             f"{host.network_kind}) for the controller at {settings.base_url}")
        await stop.wait()
        LOG.info("stopping")
        return 0
    finally:
        if host is not None:
            await host.stop()
        await bus.close()
