"""The running parts of compute in this process: the bus, the agents with their drivers
(one per simulated host for `--virt fake`), the scheduler and the conductor, plus the
periodic work (host heartbeats, the reconcile that converges stuck operations)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Any

from nubo.compute.actions import ServerActions
from nubo.compute.actions_work import ActionWorker
from nubo.compute.agent import ComputeAgent
from nubo.compute.conductor import Conductor
from nubo.compute.consoles import ConsoleService
from nubo.compute.groups import GroupService
from nubo.compute.interfaces import InterfaceService
from nubo.compute.powersync import PowerSync
from nubo.compute.server_floating_ips import ServerFloatingIps
from nubo.compute.server_secgroups import ServerSecurityGroups
from nubo.compute.servers import ServerService
from nubo.compute.snapshot import Snapshotter
from nubo.compute.tags import TagService
from nubo.compute.views_servers import ServerViews
from nubo.compute.virt.fake import FakeDriver
from nubo.compute.virt.libvirt.wiring import build_driver, resolve_virt
from nubo.config import Settings
from nubo.core.bus import InProcessBus
from nubo.core.db import Database
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
        self.libvirt: Any = None    # the LibvirtDriver of this host with --virt libvirt
        for name in self._host_names():
            driver: Any = FakeDriver(host=name, state_file=settings.data_dir /
                                     "fake-hosts" / f"{name}.json")
            if self.virt == "libvirt":
                driver = self.libvirt = build_driver(settings, name, images)
            agent = ComputeAgent(name, driver)
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
        if self.libvirt is not None:
            self.libvirt.on_event = self.power_sync.on_event
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
        await self.connect()
        await self.resume()

    async def connect(self) -> None:
        """Connect the hypervisor (libvirtd may have to start) and register every host."""
        if self.libvirt is not None:
            await self.libvirt.start()
        for agent in self.agents:
            await self.conductor.register_host(await agent.report())

    async def resume(self) -> None:
        """Resume the operations a restart cut off; then the periodic work."""
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
                if self.libvirt is not None:
                    await self.power_sync.sync(self.libvirt.host, self.libvirt)
                    await asyncio.to_thread(self.libvirt.cleanup_images)
            except Exception:  # noqa: BLE001 - next round tries again
                LOG.exception("compute periodic tasks failed")

    async def stop(self) -> None:
        if self._periodic is not None:
            self._periodic.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._periodic
        await self.conductor.stop()
        if self.libvirt is not None:
            await self.libvirt.stop()
