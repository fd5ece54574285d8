"""A Nubo node: the roles this process runs. `nubo up` runs all of them in one process."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from nubo.compute.api import legacy_v2, novnc
from nubo.compute.api import wiring as compute_api
from nubo.compute.api.openapi import SPEC as COMPUTE_SPEC
from nubo.compute.api.versions import VERSIONS as COMPUTE_VERSIONS
from nubo.compute.runtime import ComputeRuntime
from nubo.compute.service import consoles
from nubo.compute.service.external_events import record_events
from nubo.compute.service.server_password import PasswordStore
from nubo.config import Settings
from nubo.core.app import Metrics, NuboApp
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.http import ServiceApp
from nubo.core.openapi import with_openapi
from nubo.identity import api as identity_api
from nubo.identity.bootstrap import (
    CatalogEntry,
    Credentials,
    bootstrap,
    ensure_service_user,
    mark_bootstrapped,
    sync_catalog,
)
from nubo.identity.openapi import SPEC as IDENTITY_SPEC
from nubo.image import api as image_api
from nubo.image.openapi import SPEC as IMAGE_SPEC
from nubo.image.testimage import TestImage
from nubo.metadata.app import MetadataApp, Mounted
from nubo.metadata.serve import metadata_secret
from nubo.metadata.source import InstanceSource
from nubo.network.agent.manager import NetworkAgent
from nubo.network.agent.metadata_agent import MetadataAgent, socket_path
from nubo.network.api import wiring as network_api
from nubo.network.api.handlers import agents as network_agents
from nubo.network.api.openapi import SPEC as NETWORK_SPEC
from nubo.network.service import bootstrap as network_bootstrap
from nubo.network.service import ports as nports
from nubo.network.service.hostsync.wiring import build_dataplane, build_sync, resolve_network
from nubo.ops.metrics import CloudCollector
from nubo.placement import api as placement_api
from nubo.placement.openapi import SPEC as PLACEMENT_SPEC
from nubo.placement.versions import VERSIONS as PLACEMENT_VERSIONS
from nubo.volume.api import rewrite as volume_rewrite  # block storage (volume) hook
from nubo.volume.api import wiring as volume_api  # block storage (volume) hook
from nubo.volume.api.openapi import SPEC as VOLUME_SPEC  # block storage (volume) hook
from nubo.volume.api.versions import VERSIONS as VOLUME_VERSIONS  # block storage hook

LOG = logging.getLogger("nubo.node")
#: Nova's metadata API (its port 8775) as a path of the one port
METADATA_PREFIX = "/metadata"

#: What the catalog lists: only services that this node really serves.
CATALOG = [CatalogEntry("identity", "keystone", "/identity/v3"),
           CatalogEntry("image", "glance", "/image"),
           CatalogEntry("compute", "nova", "/compute/v2.1"),
           CatalogEntry("placement", "placement", "/placement"),
           CatalogEntry("network", "neutron", "/networking"),
           # block storage: Cinder's type and the `volumev3` alias older clients look up
           CatalogEntry("block-storage", "cinder", "/volume/v3"),
           CatalogEntry("volumev3", "cinderv3", "/volume/v3")]


@dataclass
class StartResult:
    seconds: float
    credentials: Credentials | None


class Node:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(settings.db_url)
        self.identity = identity_api.IdentityApi(settings, self.db)
        ident = ServiceApp("identity", identity_api.PREFIX, with_openapi(IDENTITY_SPEC),
                           "keystone", self.identity.auth.context_for, state=self.identity)
        ident.unauthorized_headers = {
            "WWW-Authenticate": f'Keystone uri="{self.identity.base_url}"'}
        self.image = image_api.ImageApi(settings, self.db)
        auth = self.identity.auth.context_for
        image = ServiceApp("image", image_api.PREFIX, with_openapi(IMAGE_SPEC), "glance", auth,
                           state=self.image)
        image.strict_slashes = True
        self.compute = compute_api.ComputeApi(settings, self.db, self.identity.limits)
        compute = ServiceApp("compute", compute_api.PREFIX, with_openapi(COMPUTE_SPEC), "nova",
                             auth, state=self.compute, versions=COMPUTE_VERSIONS)
        compute.rewrite = legacy_v2.rewrite      # /compute/v2: Nova's legacy v2.0 API
        self.placement = placement_api.PlacementApi(settings, self.db)
        placement = ServiceApp("placement", placement_api.PREFIX, with_openapi(PLACEMENT_SPEC),
                               "placement", auth, state=self.placement,
                               versions=PLACEMENT_VERSIONS)
        self.runtime = ComputeRuntime(settings, self.db, self.compute, self.image,
                                      self.placement.service)
        self.compute.attach_runtime(self.runtime)
        self.network = network_api.NetworkApi(settings, self.db)
        network = ServiceApp("network", network_api.PREFIX, with_openapi(NETWORK_SPEC),
                             "neutron", auth, state=self.network)
        # The host's network agent (nubo/network/agent) on the bus, driven from the network
        # tables by the controller's NetworkSync (nubo/network/service/hostsync).
        self.network_kind = resolve_network(settings, self.runtime.virt)
        self.dataplane = build_dataplane(self.network_kind, settings,
                                         socket_path(settings.data_dir))
        hosts = [a.host for a in self.runtime.agents]
        self.network_agent = NetworkAgent(hosts[0], self.dataplane, self.runtime.bus,
                                          hosts=hosts)
        self.runtime.bus.register(self.network_agent.address, self.network_agent)
        self.network_sync = build_sync(self.db, self.runtime.bus, self.network_kind, hosts[0],
                                       hosts, self.network.hostname, self._vif_event)
        secret = metadata_secret(settings)
        self.metadata_agent = MetadataAgent(self.network_agent.instance_of,
                                            settings.metadata_api_url, secret,
                                            socket_path(settings.data_dir))
        self.runtime.servers.networking.vif_events = self.network_sync.events_enabled
        # --- block storage (volume) hook: the API and its in-process backend
        self.volume = volume_api.VolumeApi(settings, self.db)
        volume = ServiceApp("volume", volume_api.PREFIX, with_openapi(VOLUME_SPEC), "nova", auth,
                            state=self.volume, versions=VOLUME_VERSIONS)
        volume.rewrite = volume_rewrite.rewrite     # /volume/v3/{project_id}/...
        # --- end of block storage hook
        self.metrics = Metrics()
        self.metrics.add_scraped(CloudCollector(self.db, self.runtime.conductor.queue_depth))
        vnc = novnc.NoVncApp(consoles.validate_console_token, settings.console_token_ttl)
        health = self.network_sync.health
        checks = {"compute": self._compute_problem}
        if health:
            checks["network_agent"] = health.problem
        self.app = NuboApp([ident, image, compute, placement, network, volume], self.metrics,
                           mounts={novnc.PREFIX: vnc,
                                   METADATA_PREFIX: self._metadata_api(secret)},
                           checks=checks,
                           parts={"compute": self._compute_part,
                                  "network": lambda: self.network_sync.state,
                                  "test-image": self._test_image_part})
        self.credentials: Credentials | None = None
        self.test_image: TestImage | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._compute: asyncio.Task[None] | None = None

    def _metadata_api(self, secret: bytes) -> Mounted:
        """Nova's metadata API for the hosts' metadata agents (signed X-Instance-ID only)."""
        glue = self.runtime.servers.networking
        app = MetadataApp(InstanceSource(self.db, glue.port_facts).load, None, secret,
                          passwords=PasswordStore(self.db))
        return Mounted(app, METADATA_PREFIX)

    async def start(self, step: Callable[[str], None] | None = None) -> StartResult:
        """What the API needs before it serves; then the parts that can wait converge in
        the background (`converged` waits for them): the hypervisor's connection and the
        hosts' reports, the first reconcile of compute operations, the dataplane's sync,
        the test image's build. /healthz lists them in `parts` until they are ready."""
        t0 = time.perf_counter()
        say = step or (lambda _: None)
        say("database")
        await self.db.migrate()
        self.identity.keys.setup()
        say("identity")
        creds = await bootstrap(self.identity, self.settings.admin_password)
        self.credentials = creds
        if creds is not None:
            self.write_clouds_yaml(creds)
            await mark_bootstrapped(self.identity)
        await sync_catalog(self.identity, CATALOG, self.settings.region)
        await self.identity.auth.revocations.refresh(force=True)
        say("image")
        repaired = await self.image.start()
        if any(repaired.values()):
            LOG.info("image store reconciled: %s", repaired)
        say("compute")
        await self.compute.start()
        say("volume")
        await self.volume.start()       # block storage hook: default type, resumed work
        say("network")
        await network_agents.ensure_agents(self.db, self.network.hostname,
                                           self.settings.vtep_ip)
        await network_bootstrap.bootstrap(self.db, self.settings)
        nports.set_status_from_agent(self.network_sync.events_enabled)
        self.network_sync.listen()
        await self.network_agent.start()
        if self.network_kind == "linux":    # only the Linux dataplane's proxies ask it
            await self.metadata_agent.start()
        await self.network_sync.start()
        if self.settings.test_image:
            say("test image")
            await self._test_image()
        # calls to this node's hosts wait until their hypervisor has connected
        for agent in self.runtime.agents:
            self.runtime.bus.starting(agent.host)
        self._compute = asyncio.create_task(self._start_compute(), name="compute-start")
        self.app.ready = True
        return StartResult(time.perf_counter() - t0, creds)

    async def _start_compute(self) -> None:
        """Connect the hypervisor (libvirtd may have to start, KVM be probed) and register
        the hosts; then resume the operations a restart cut off."""
        try:
            # what the compute hosts log in to the image API with (a bcrypt check: after
            # readiness; a boot waits for the host to have started)
            svc = self.runtime.service_credentials
            await ensure_service_user(self.identity, svc.username, svc.password)
            if self.runtime.virt == "fake" and self.settings.fake_connect_seconds:
                await asyncio.sleep(self.settings.fake_connect_seconds)
            await self.runtime.connect()
        except BaseException as exc:
            for agent in self.runtime.agents:
                self.runtime.bus.started(agent.host, str(exc) or type(exc).__name__)
            raise
        for agent in self.runtime.agents:
            self.runtime.bus.started(agent.host)
        await self.runtime.resume()

    async def converged(self) -> None:
        """Until the parts that must converge after a start have (the compute part: raises
        what made it fail); the dataplane and the test image go on in their own time."""
        if self._compute is not None:
            await asyncio.shield(self._compute)

    @property
    def failed(self) -> bool:
        """A part that must converge failed for good (the cloud cannot run servers)."""
        return self._compute_problem() is not None

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

    def _compute_part(self) -> str:
        task = self._compute
        if task is None or not task.done():
            return "converging"
        return "failed" if task.cancelled() or task.exception() else "ready"

    def _compute_problem(self) -> str | None:
        task = self._compute
        if task is None or not task.done() or task.cancelled():
            return None
        exc = task.exception()
        return f"the hypervisor did not start: {exc}" if exc else None

    async def _vif_event(self, instance_id: str, port_id: str, status: str) -> None:
        """The dataplane plugged a server's port: Neutron's notice to Nova."""
        ctx = RequestContext(request_id="req-network-sync", roles=("admin",))
        await record_events(self.db, self.runtime.conductor.events, ctx, [{
            "name": "network-vif-plugged", "server_uuid": instance_id, "tag": port_id,
            "status": status}])

    async def _test_image(self) -> None:
        """Register a cached test image now, or its queued record and build it later."""
        projects = await self.identity.identity.list_projects(name="admin",
                                                              domain_id="default")
        if not projects:
            return
        cache = self.settings.guest_cache_dir or self.settings.data_dir / "cache" / "guest"
        self.test_image = TestImage(self.image, cache, projects[0].id)
        try:
            build = await self.test_image.prepare()
        except Exception:  # noqa: BLE001 - the cloud runs on without its test image
            LOG.exception("registering the test image failed")
            return
        if build:
            self._background.add(asyncio.create_task(self._finish_test_image(self.test_image)))

    def _test_image_part(self) -> str:
        if self.test_image is None:
            return "off"
        status = self.test_image.state.status
        return {"queued": "building", "saving": "building", "active": "ready"}.get(status,
                                                                                    status)

    @staticmethod
    async def _finish_test_image(test: TestImage) -> None:
        try:
            await test.finish()
        except Exception:  # noqa: BLE001 - the cloud runs on without its test image
            LOG.exception("registering the test image failed")

    async def stop(self) -> None:
        for task in (*self._background, *([self._compute] if self._compute else [])):
            task.cancel()
        await asyncio.gather(*self._background, *([self._compute] if self._compute else []),
                             return_exceptions=True)
        await self.network_sync.stop()      # the host keeps its state for the next start
        await self.volume.stop()            # block storage hook
        await self.network_agent.stop()
        await self.metadata_agent.stop()
        nports.set_status_from_agent(False)
        await self.runtime.stop()
        self.app.ready = False
        await self.db.dispose()

    def write_clouds_yaml(self, creds: Credentials) -> Path:
        auth_url = self.identity.base_url + "/v3"

        def cloud(user: str, pw: str, project: str | None) -> dict[str, object]:
            auth: dict[str, object] = {"auth_url": auth_url, "username": user, "password": pw,
                                       "user_domain_name": "Default"}
            if project:
                auth |= {"project_name": project, "project_domain_name": "Default"}
            else:
                auth |= {"system_scope": "all"}
            return {"auth": auth, "region_name": self.settings.region,
                    "identity_api_version": 3, "interface": "public"}
        doc = {"clouds": {
            "nubo": cloud("admin", creds.admin_password, "admin"),
            "nubo-system": cloud("admin", creds.admin_password, None),
            "nubo-demo": cloud("demo", creds.demo_password, "demo"),
        }}
        path = self.settings.data_dir / "clouds.yaml"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            yaml.safe_dump(doc, f, sort_keys=False)
        os.replace(tmp, path)
        return path

    def refresh_clouds_yaml(self) -> Path | None:
        """On a restart, keep clouds.yaml's passwords and point it at our current URL."""
        path = self.settings.data_dir / "clouds.yaml"
        if not path.exists():
            return None
        doc = yaml.safe_load(path.read_text()) or {}
        for c in (doc.get("clouds") or {}).values():
            c.setdefault("auth", {})["auth_url"] = self.identity.base_url + "/v3"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            yaml.safe_dump(doc, f, sort_keys=False)
        os.replace(tmp, path)
        return path
