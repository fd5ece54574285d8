"""`nubo controller`: the controller role alone (roles/controller.py), on a shared database
(PostgreSQL or MariaDB) and RabbitMQ, for hosts that run `nubo agent`.

No host is fixed at start: a host exists once its agent reported its resources
(`compute.resources` registers it and its placement provider); the scheduler reads the hosts
from the database, the periodic heartbeat check asks those recorded there, and os-services
shows each up until it was silent for service_down_time. The hosts' network agents must be
`--network noop` for now: the network sync drives no dataplane across hosts yet (multi-host
Linux networking, VXLAN FDB, is a later step).

The same start as `nubo up` (server.py): the API listener opens first, the controller starts
what the API needs, and the compute part (the service user the agents log in with, the first
reconcile, the periodic jobs) converges after the API serves.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from nubo.config import Settings
from nubo.core.bus.amqp import AmqpBus
from nubo.identity.bootstrap import Credentials
from nubo.image.testimage import TestImage
from nubo.roles.all_in_one import HostsStart, StartResult
from nubo.roles.controller import Controller
from nubo.roles.host import service_credentials

LOG = logging.getLogger("nubo.controller")


class ControllerNode:
    def __init__(self, settings: Settings, bus: AmqpBus) -> None:
        """Build on the event loop: the bus subscribes to the hosts' reports here."""
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.bus = bus
        self.compute_start = HostsStart("compute did not start (the service user, the first "
                                        "reconcile)")
        self.controller = Controller(settings, bus, service_credentials(settings), None,
                                     "noop", self.compute_start)
        self.app = self.controller.app
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
        await self.controller.stop()
        await self.controller.close()
        await self.bus.close()

    def refresh_clouds_yaml(self) -> Path | None:
        return self.controller.refresh_clouds_yaml()
