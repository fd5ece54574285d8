"""The running parts of compute in this process, wired: on the controller's side the bus,
the scheduler and the conductor with its handlers of what hosts report (hostreports.py),
plus its periodic work (host heartbeats, the reconcile that converges stuck operations); on
the host's side the agents with their drivers (one per simulated host for `--virt fake`),
which reach the controller only over the bus and the image API over HTTP.

Several controller replicas may share one database: each periodic job runs in the one
replica that holds its lease (`nubo.core.leases`), renewed every period."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from datetime import timedelta
from functools import partial

import httpx

from nubo.compute.agent.images import ImageClient
from nubo.compute.agent.manager import AgentOptions, ComputeAgent
from nubo.compute.agent.virt.base import VirtDriver
from nubo.compute.agent.virt.fake import FakeDriver
from nubo.compute.agent.virt.libvirt.wiring import build_driver, resolve_virt
from nubo.compute.api.views.servers import ServerViews
from nubo.compute.conductor.hostreports import HostReports
from nubo.compute.conductor.manager import Conductor
from nubo.compute.conductor.powersync import PowerSync
from nubo.compute.service.actions import ServerActions
from nubo.compute.service.consoles import ConsoleService
from nubo.compute.service.groups import GroupService
from nubo.compute.service.interfaces import InterfaceService
from nubo.compute.service.networking import ComputeNetworking
from nubo.compute.service.server_floating_ips import ServerFloatingIps
from nubo.compute.service.server_secgroups import ServerSecurityGroups
from nubo.compute.service.servers import ComputeCatalog, ServerService, image_props
from nubo.compute.service.tags import TagService
from nubo.config import Settings
from nubo.core.bus import InProcessBus
from nubo.core.db import Database
from nubo.core.leases import Leases
from nubo.core.service_auth import ServiceCredentials, TokenSource, stored_password
from nubo.image.api import ImageApi
from nubo.placement.service import PlacementService
from nubo.scheduler.scheduler import Scheduler

LOG = logging.getLogger("nubo.compute")
PERIOD = 10.0
#: periods a lease outlives its last renewal: a replica that died hands its jobs over
#: after this many periods
LEASE_PERIODS = 3
#: the periodic reconcile leaves an operation accepted less than this long ago to the
#: replica that accepted it (it takes the instance's lock right after its commit)
SETTLE = timedelta(seconds=10)


class ComputeRuntime:
    def __init__(self, settings: Settings, db: Database, compute: ComputeCatalog,
                 images: ImageApi, placement: PlacementService) -> None:
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
            driver: VirtDriver
            if self.virt == "libvirt":
                driver = build_driver(settings, name, self.image_client.download)
            else:
                driver = FakeDriver(host=name, state_file=settings.data_dir /
                                    "fake-hosts" / f"{name}.json")
            agent = ComputeAgent(name, driver, self.bus, self.image_client, options=AgentOptions(
                period=PERIOD, report_power=self.virt == "libvirt",
                scratch_dir=settings.data_dir / "snapshots"))
            self.agents.append(agent)
            self.bus.register(name, agent)
        self.scheduler = Scheduler(placement)
        self.groups = GroupService(db)
        networking = ComputeNetworking(db)
        self.conductor = Conductor(
            db, self.bus, placement, self.scheduler, partial(image_props, images),
            networking, images, max_attempts=settings.scheduler_max_attempts,
            group_lookup=self.groups.placement_of,
            vif_plugging_timeout=float(settings.vif_plugging_timeout),
            vif_plugging_is_fatal=settings.vif_plugging_is_fatal,
            reclaim_interval=settings.reclaim_instance_interval,
            shelved_offload_time=settings.shelved_offload_time)
        self.servers = ServerService(db, self.conductor, compute, images, networking)
        self.power_sync = PowerSync(self.conductor)
        HostReports(self.conductor, self.power_sync).subscribe(self.bus)
        # pause, shelve, migrate ... (service/actions.py asks, conductor/actions.py carries out)
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
        #: this replica's leases on the periodic jobs; `runs` counts the jobs it ran
        self.leases = Leases(db)
        self.runs: dict[str, int] = {}

    def _host_names(self) -> list[str]:
        n = 1 if self.virt == "libvirt" else max(self.settings.fake_hosts, 1)
        base = socket.gethostname().split(".")[0] or "nubo"
        return [base] if n == 1 else [f"{base}-fake-{i}" for i in range(n)]

    async def start(self) -> None:
        await self.connect()
        await self.resume()

    async def connect(self) -> None:
        """Start every host's agent: its driver connects (libvirtd may have to start) and it
        reports its resources, from which the controller records the host."""
        for agent in self.agents:
            await agent.start()

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
                await self.run_periodic()
            except Exception:  # noqa: BLE001 - next round tries again
                LOG.exception("compute periodic tasks failed")

    async def _holds(self, job: str) -> bool:
        """Whether this replica runs `job` this period (takes or renews its lease)."""
        if not await self.leases.acquire(job, PERIOD * LEASE_PERIODS):
            return False
        self.runs[job] = self.runs.get(job, 0) + 1
        return True

    async def run_periodic(self) -> None:
        """One period's jobs, each only where this replica holds its lease: the
        heartbeats, the reconcile (with the reclaim of soft-deleted and the offload of
        shelved servers). Power states and the image cache are the agents' own periodic
        work (they report up the bus)."""
        if await self._holds("compute-heartbeat"):
            silent = await self.conductor.heartbeat([a.host for a in self.agents])
            if silent:
                LOG.warning("hosts not answering: %s", ", ".join(silent[:10]))
        if await self._holds("compute-reconcile"):
            await self.conductor.reconcile(settle=SETTLE)

    async def stop(self) -> None:
        if self._periodic is not None:
            self._periodic.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._periodic
        await self.conductor.stop()
        try:
            await self.leases.release_all()
        except Exception:  # noqa: BLE001 - the leases expire on their own
            LOG.exception("giving up the periodic jobs' leases failed")
        for agent in self.agents:
            await agent.stop()
        await self._http.aclose()
