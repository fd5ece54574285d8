"""`nubo up`: the controller and one host in one process, on the in-process bus.

The controller starts what the API needs (database, identity, ... the network server), the
host's network agent comes up, the controller drives it; then the API serves while the host's
compute side converges in the background (`converged` waits for it): the hypervisor's
connection and the hosts' reports, then the controller's first reconcile of compute
operations. /healthz lists what still converges in `parts`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nubo.config import Settings
from nubo.core.bus import InProcessBus
from nubo.core.stopping import bounded
from nubo.identity.bootstrap import Credentials
from nubo.image.testimage import TestImage
from nubo.roles.controller import Controller
from nubo.roles.host import Host, service_credentials

LOG = logging.getLogger("nubo.node")


@dataclass
class StartResult:
    seconds: float
    credentials: Credentials | None


class HostsStart:
    """The hosts' start after the API serves: "converging" until it ran, then "ready" or
    "failed" (with the reason in `problem`)."""

    def __init__(self, failure: str = "the hypervisor did not start") -> None:
        """`failure`: what a failed start means, said before its error in `problem`."""
        self.task: asyncio.Task[None] | None = None
        self.failure = failure

    def state(self) -> str:
        task = self.task
        if task is None or not task.done():
            return "converging"
        return "failed" if task.cancelled() or task.exception() else "ready"

    def problem(self) -> str | None:
        task = self.task
        if task is None or not task.done() or task.cancelled():
            return None
        exc = task.exception()
        return f"{self.failure}: {exc}" if exc else None


class AllInOne:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.bus = InProcessBus()
        credentials = service_credentials(settings)
        self.host = Host(settings, self.bus, credentials)
        self.hosts_start = HostsStart()
        self.controller = Controller(settings, self.bus, credentials, self.host.names,
                                     self.host.network_kind, self.hosts_start)
        self.app = self.controller.app
        self._background: set[asyncio.Task[None]] = set()

    @property
    def credentials(self) -> Credentials | None:
        """The passwords a first start made (None on a restart)."""
        return self.controller.credentials

    @property
    def test_image(self) -> TestImage | None:
        return self.controller.test_image

    async def start(self, step: Callable[[str], None] | None = None) -> StartResult:
        """What the API needs before it serves; then the parts that can wait converge in
        the background (`converged` waits for them): the hypervisor's connection and the
        hosts' reports, the first reconcile of compute operations, the dataplane's sync,
        the test image's build. /healthz lists them in `parts` until they are ready."""
        t0 = time.perf_counter()
        say = step or (lambda _: None)
        creds = await self.controller.start(say)
        await self.host.start_network()
        await self.controller.start_network_sync()
        if self.settings.test_image:
            say("test image")
            await self.controller.register_test_image()
        # calls to this node's hosts wait until their hypervisor has connected
        for name in self.host.names:
            self.bus.starting(name)
        self.hosts_start.task = asyncio.create_task(self._start_compute(),
                                                    name="compute-start")
        self.app.ready = True
        return StartResult(time.perf_counter() - t0, creds)

    async def _start_compute(self) -> None:
        """Connect the hypervisor (libvirtd may have to start, KVM be probed) and register
        the hosts; then resume the operations a restart cut off."""
        try:
            await self.controller.ensure_service_user()
            if self.host.virt == "fake" and self.settings.fake_connect_seconds:
                await asyncio.sleep(self.settings.fake_connect_seconds)
            await self.host.connect()
        except BaseException as exc:
            for name in self.host.names:
                self.bus.started(name, str(exc) or type(exc).__name__)
            raise
        for name in self.host.names:
            self.bus.started(name)
        await self.controller.resume()

    async def converged(self) -> None:
        """Until the parts that must converge after a start have (the compute part: raises
        what made it fail); the dataplane and the test image go on in their own time."""
        if self.hosts_start.task is not None:
            await asyncio.shield(self.hosts_start.task)

    @property
    def failed(self) -> bool:
        """A part that must converge failed for good (the cloud cannot run servers)."""
        return self.hosts_start.problem() is not None

    def converging(self) -> list[str]:
        """The parts still converging now."""
        return sorted(name for name, state in self.app.parts.items()
                      if state() == "converging")

    def watch(self, on_failure: Callable[[], None]) -> None:
        """Call `on_failure` when a part that must converge fails (logged as a failed
        start, as it was when it ran before readiness)."""
        async def run() -> None:
            try:
                await self.converged()
            except Exception as exc:  # noqa: BLE001 - any driver's error, said in full
                LOG.error("start failed: %s", exc, exc_info=exc)
                on_failure()
            else:
                LOG.info("converged: compute (hypervisor connected, hosts registered)")
        task = asyncio.create_task(run(), name="watch-start")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def stop(self) -> None:
        compute = self.hosts_start.task
        tasks = [*self._background, *([compute] if compute else [])]
        for task in tasks:
            task.cancel()
        await bounded(asyncio.gather(*tasks, return_exceptions=True), "the start's tasks")
        await bounded(self.controller.stop(), "the controller")
        # the host keeps its state for the next start
        await bounded(self.host.stop(), "the host's agents")
        await self.controller.close()

    def refresh_clouds_yaml(self) -> Path | None:
        return self.controller.refresh_clouds_yaml()
