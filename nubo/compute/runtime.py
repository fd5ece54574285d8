"""The running parts of compute in this process, wired: on the controller's side the bus,
the scheduler and the conductor with its handlers of what hosts report (hostreports.py),
plus its periodic work (host heartbeats, the reconcile that converges stuck operations); on
the host's side the agents with their drivers (one per simulated host for `--virt fake`),
which reach the controller only over the bus and the image API over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Any

import httpx

from nubo.compute.agent.images import ImageClient
from nubo.compute.agent.manager import AgentOptions, ComputeAgent
from nubo.compute.agent.virt.fake import FakeDriver
from nubo.compute.agent.virt.libvirt.wiring import build_driver, resolve_virt
from nubo.compute.api.views.servers import ServerViews
from nubo.compute.conductor.actions import ActionWorker
from nubo.compute.conductor.hostreports import HostReports
from nubo.compute.conductor.manager import Conductor
from nubo.compute.conductor.powersync import PowerSync
from nubo.compute.conductor.snapshot import Snapshotter
from nubo.compute.service.actions import ServerActions
from nubo.compute.service.consoles import ConsoleService
from nubo.compute.service.groups import GroupService
from nubo.compute.service.interfaces import InterfaceService
from nubo.compute.service.server_floating_ips import ServerFloatingIps
from nubo.compute.service.server_secgroups import ServerSecurityGroups
from nubo.compute.service.servers import ServerService
from nubo.compute.service.tags import TagService
from nubo.config import Settings
from nubo.core.bus import InProcessBus
from nubo.core.db import Database
from nubo.core.service_auth import ServiceCredentials, TokenSource, stored_password
from nubo.placement.service import PlacementService
from nubo.scheduler.scheduler import Scheduler

LOG = logging.getLogger("nubo.compute")
PERIOD = 10.0


class ComputeRuntime:
    def __init__(self, settings: Settings, db: Database, compute: Any, images: Any,
                 placement: PlacementService) -> None:
        self.settings = settings
        self.bus = InProcessBus()
        self.agents: list[ComputeAgent] = []
        self.virt = resolve_virt(settings)
        self.service_credentials = ServiceCredentials(
            settings.base_url + "/identity/v3", settings.service_user,
            settings.service_password or stored_password(settings.data_dir))
        # the hosts' way to image data: the image API over HTTP, with the service token
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0))
        self.image_client = ImageClient(settings.base_url + "/image",
                                        TokenSource(self.service_credentials, self._http),
                                        self._http)
        for name in self._host_names():
            driver: Any = FakeDriver(host=name, state_file=settings.data_dir /
                                     "fake-hosts" / f"{name}.json")
            if self.virt == "libvirt":
                driver = build_driver(settings, name, self.image_client.download)
            agent = ComputeAgent(name, driver, self.bus, self.image_client, options=AgentOptions(
                period=PERIOD, report_power=self.virt == "libvirt",
                scratch_dir=settings.data_dir / "snapshots"))
            self.agents.append(agent)
            self.bus.register(name, agent)
        self.scheduler = Scheduler(placement)
        self.groups = GroupService(db)
        self.servers = ServerService(db, None, compute, images)  # type: ignore[arg-type]
        self.conductor = Conductor(db, self.bus, placement, self.scheduler,
                                   self.servers.image_props,
                                   max_attempts=settings.scheduler_max_attempts,
                                   group_lookup=self.groups.placement_of)
        self.servers.conductor = self.conductor
        self.conductor.networking = self.servers.networking
        self.conductor.vifs.timeout = float(settings.vif_plugging_timeout)
        self.conductor.vifs.is_fatal = settings.vif_plugging_is_fatal
        self.conductor.snapshotter = Snapshotter(self.conductor, images)
        self.power_sync = PowerSync(self.conductor)
        HostReports(self.conductor, self.power_sync).subscribe(self.bus)
        # pause, shelve, migrate ... (actions.py asks, actions_work.py carries out)
        self.conductor.actions = ActionWorker(self.conductor, settings.reclaim_instance_interval,
                                              settings.shelved_offload_time)
        self.actions = ServerActions(self.servers, settings.reclaim_instance_interval)
        self.consoles = ConsoleService(db, self.bus, settings.base_url,
                                       settings.console_token_ttl)
        self.consoles.register()
        self.tags = TagService(db)
        # os-interface, a server's security groups and floating IPs
        self.interfaces = InterfaceService(self.servers, self.conductor, self.bus)
        self.server_secgroups = ServerSecurityGroups(db, self.servers)
        self.server_floating_ips = ServerFloatingIps(db, self.servers)
        self.views = ServerViews(settings.base_url + "/compute")
        self._periodic: asyncio.Task[None] | None = None

    def _host_names(self) -> list[str]:
        n = 1 if self.virt == "libvirt" else max(self.settings.fake_hosts, 1)
        base = socket.gethostname().split(".")[0] or "nubo"
        return [base] if n == 1 else [f"{base}-fake-{i}" for i in range(n)]

    async def start(self) -> None:
        for agent in self.agents:       # each reports its resources: the host is recorded
            await agent.start()
        counts = await self.conductor.reconcile()
        if any(counts.values()):
            LOG.info("compute reconciled on start: %s", counts)
        self._periodic = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(PERIOD)
            try:
                silent = await self.conductor.heartbeat([a.host for a in self.agents])
                if silent:
                    LOG.warning("hosts not answering: %s", ", ".join(silent[:10]))
                await self.conductor.reconcile()
            except Exception:  # noqa: BLE001 - next round tries again
                LOG.exception("compute periodic tasks failed")

    async def stop(self) -> None:
        if self._periodic is not None:
            self._periodic.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._periodic
        await self.conductor.stop()
        for agent in self.agents:
            await agent.stop()
        await self._http.aclose()
