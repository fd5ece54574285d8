"""`nubo controller`: the controller role alone (roles/controller.py), on a shared database
(PostgreSQL or MariaDB) and RabbitMQ, for hosts that run `nubo agent`.

No host is fixed at start: a host exists once its agent reported its resources
(`compute.resources` registers it and its placement provider); the scheduler reads the hosts
from the database, the periodic heartbeat check asks those recorded there, and os-services
shows each up until it was silent for service_down_time. With `--network linux` the hosts'
network agents (`nubo agent --network linux --vtep-ip IP`) each get their own dataplane from
the network fleet (nubo/network/service/hostsync/fleet.py): their ports on VXLAN segments,
FDB entries towards the other hosts on the same networks; and, unless `--no-network-node`
(then an agent started with `--network-node` is one), this process runs a network agent of
its own as the network node: the DHCP servers, the routers with SNAT and floating IPs, the
metadata proxies, whose metadata agent reaches this controller's metadata API over HTTP.

The same start as `nubo up` (server.py): the API listener opens first, the controller starts
what the API needs, and the compute part (the service user the agents log in with, the first
reconcile, the periodic jobs) converges after the API serves.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from nubo.config import Settings
from nubo.core.bus.amqp import AmqpBus
from nubo.identity.bootstrap import Credentials
from nubo.image.testimage import TestImage
from nubo.metadata.secret import metadata_secret
from nubo.network.agent.manager import NetworkAgent
from nubo.network.agent.metadata_agent import MetadataAgent, socket_path
from nubo.network.agent.wiring import build_dataplane
from nubo.roles.all_in_one import HostsStart, StartResult
from nubo.roles.controller import Controller
from nubo.roles.host import service_credentials

LOG = logging.getLogger("nubo.controller")


class LocalNetworkNode:
    """The controller host's own network agent, the network node: its Linux dataplane under
    DATA_DIR/network, the metadata agent its routers' proxies ask (which signs for this
    controller's metadata API), beating to the fleet like any host's agent."""

    def __init__(self, settings: Settings, bus: AmqpBus, host: str) -> None:
        self.dataplane = build_dataplane("linux", settings, socket_path(settings.data_dir))
        self.agent = NetworkAgent(host, self.dataplane, bus, identity={
            "dataplane": "linux", "vtep_ip": settings.vtep_ip, "network_node": True,
            "instance": uuid.uuid4().hex},
            beat=float(settings.report_interval))
        bus.register(self.agent.address, self.agent)
        self.metadata = MetadataAgent(self.agent.instance_of, settings.metadata_api_url,
                                      metadata_secret(settings),
                                      socket_path(settings.data_dir))

    async def start(self) -> None:
        await self.metadata.start()
        await self.agent.start()

    async def stop(self) -> None:
        await self.agent.stop()
        await self.metadata.stop()


class ControllerNode:
    def __init__(self, settings: Settings, bus: AmqpBus) -> None:
        """Build on the event loop: the bus subscribes to the hosts' reports here."""
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.bus = bus
        self.compute_start = HostsStart("compute did not start (the service user, the first "
                                        "reconcile)")
        kind = "linux" if settings.network == "linux" else "noop"
        self.controller = Controller(settings, bus, service_credentials(settings), None,
                                     kind, self.compute_start)
        self.app = self.controller.app
        self.network_node = LocalNetworkNode(settings, bus, self.controller.network.hostname) \
            if kind == "linux" and settings.network_node else None
        self._background: set[asyncio.Task[None]] = set()

    @property
    def credentials(self) -> Credentials | None:
        return self.controller.credentials

    @property
    def test_image(self) -> TestImage | None:
        return self.controller.test_image

    async def start(self, step: Callable[[str], None] | None = None) -> StartResult:
        t0 = time.perf_counter()
        say = step or (lambda _: None)
        creds = await self.controller.start(say)
        await self.controller.start_network_sync()
        if self.network_node is not None:
            say("network node")
            await self.network_node.start()
        if self.settings.test_image:
            say("test image")
            await self.controller.register_test_image()
        self.compute_start.task = asyncio.create_task(self._start_compute(),
                                                      name="compute-start")
        self.app.ready = True
        return StartResult(time.perf_counter() - t0, creds)

    async def _start_compute(self) -> None:
        """The service user the agents log in with, the hosts' reports consumed; then the
        first reconcile and the periodic jobs."""
        await self.controller.ensure_service_user()
        await self.bus.settled()
        await self.controller.resume()

    async def converged(self) -> None:
        if self.compute_start.task is not None:
            await asyncio.shield(self.compute_start.task)

    @property
    def failed(self) -> bool:
        return self.compute_start.problem() is not None

    def converging(self) -> list[str]:
        return sorted(name for name, state in self.app.parts.items()
                      if state() == "converging")

    def watch(self, on_failure: Callable[[], None]) -> None:
        async def run() -> None:
            try:
                await self.converged()
            except Exception as exc:  # noqa: BLE001 - said in full, then the process ends
                LOG.error("start failed: %s", exc, exc_info=exc)
                on_failure()
            else:
                LOG.info("converged: compute (service user, first reconcile)")
        task = asyncio.create_task(run(), name="watch-start")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def stop(self) -> None:
        compute = self.compute_start.task
        tasks = [*self._background, *([compute] if compute else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.network_node is not None:
            await self.network_node.stop()
        await self.controller.stop()
        await self.controller.close()
        await self.bus.close()

    def refresh_clouds_yaml(self) -> Path | None:
        return self.controller.refresh_clouds_yaml()
