"""The controller role: everything that needs the database. The API app (identity, image,
compute, placement, networking on one port, the noVNC relay, the metadata API), the conductor
with the scheduler and the periodic jobs (roles/compute.py), placement, the network server
with the NetworkSync that drives the hosts' network agents over the bus.

The hosts are reached over the bus only; what they are (their names, their dataplane's kind)
is given to the constructor: `nubo up` names its own hosts, `nubo controller` none (hosts
appear as their agents report, controller_main.py). Several controller replicas may share
one database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from nubo.compute.api import legacy_v2, novnc
from nubo.compute.api.openapi import SPEC as COMPUTE_SPEC
from nubo.compute.api.versions import VERSIONS as COMPUTE_VERSIONS
from nubo.compute.api.wiring import PREFIX as COMPUTE_PREFIX
from nubo.compute.service.external_events import record_events
from nubo.compute.service.server_pages import ServerPages
from nubo.compute.service.server_password import PasswordStore
from nubo.config import Settings
from nubo.core.app import Metrics, NuboApp
from nubo.core.bus import Bus
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.http import ServiceApp
from nubo.core.openapi import with_openapi
from nubo.core.service_auth import ServiceCredentials
from nubo.core.stopping import bounded
from nubo.dashboard import wiring as dashboard
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
from nubo.metadata.secret import metadata_secret
from nubo.metadata.source import InstanceSource
from nubo.network.api import wiring as network_api
from nubo.network.api.handlers import agents as network_agents
from nubo.network.api.openapi import SPEC as NETWORK_SPEC
from nubo.network.service import bootstrap as network_bootstrap
from nubo.network.service.hostsync.fleet import NetworkFleet
from nubo.network.service.hostsync.loop import NetworkSync
from nubo.network.service.hostsync.wiring import build_sync
from nubo.ops.metrics import CloudCollector
from nubo.orchestration.api import wiring as orchestration_api
from nubo.orchestration.api.routes import ROUTES as ORCHESTRATION_ROUTES
from nubo.placement import api as placement_api
from nubo.placement.openapi import SPEC as PLACEMENT_SPEC
from nubo.placement.versions import VERSIONS as PLACEMENT_VERSIONS
from nubo.roles import clouds_yaml
from nubo.roles.compute import ControllerCompute
from nubo.volume.api import rewrite as volume_rewrite
from nubo.volume.api import wiring as volume_api
from nubo.volume.api.openapi import SPEC as VOLUME_SPEC
from nubo.volume.api.versions import VERSIONS as VOLUME_VERSIONS

LOG = logging.getLogger("nubo.controller")
#: Nova's metadata API (its port 8775) as a path of the one port
METADATA_PREFIX = "/metadata"

#: What the catalog lists: only services that this controller really serves.
CATALOG = [CatalogEntry("identity", "keystone", "/identity/v3"),
           CatalogEntry("image", "glance", "/image"),
           CatalogEntry("compute", "nova", "/compute/v2.1"),
           CatalogEntry("placement", "placement", "/placement"),
           CatalogEntry("network", "neutron", "/networking"),
           # block storage: Cinder's type and the `volumev3` alias older clients look up
           CatalogEntry("block-storage", "cinder", "/volume/v3"),
           CatalogEntry("volumev3", "cinderv3", "/volume/v3"),
           # orchestration: Heat's v1 with the project in the path, as Heat's endpoint
           CatalogEntry("orchestration", "heat", "/orchestration/v1/%(project_id)s")]


class Converging(Protocol):
    """The hosts' start, which converges after the API serves (/healthz `parts`)."""

    def state(self) -> str:
        """"converging", "ready" or "failed"."""
        ...

    def problem(self) -> str | None:
        """Why the hosts did not start (the cloud cannot run servers), or None."""
        ...


class Controller:
    def __init__(self, settings: Settings, bus: Bus, credentials: ServiceCredentials,
                 hosts: Sequence[str] | None, network_kind: str,
                 hosts_start: Converging) -> None:
        """`hosts`: the compute hosts of this process (the first one's network agent carries
        every one's ports), or None: the hosts in the database, registered as their agents
        report; `network_kind`: their dataplane, "linux" or "noop"; `credentials`: the
        service user the hosts log in with (made sure of by `ensure_service_user`)."""
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.service_credentials = credentials
        self.db = Database(settings.db_url)
        self.identity = identity_api.IdentityApi(settings, self.db)
        auth = self.identity.auth.context_for
        ident = ServiceApp("identity", identity_api.PREFIX, with_openapi(IDENTITY_SPEC),
                           "keystone", auth, state=self.identity, unauthorized_headers={
                               "WWW-Authenticate": f'Keystone uri="{self.identity.base_url}"'})
        self.image = image_api.ImageApi(settings, self.db)
        image = ServiceApp("image", image_api.PREFIX, with_openapi(IMAGE_SPEC), "glance", auth,
                           state=self.image, strict_slashes=True)
        self.placement = placement_api.PlacementApi(settings, self.db)
        placement = ServiceApp("placement", placement_api.PREFIX, with_openapi(PLACEMENT_SPEC),
                               "placement", auth, state=self.placement,
                               versions=PLACEMENT_VERSIONS)
        self.network = network_api.NetworkApi(settings, self.db,
                                              status_from_agent=network_kind == "linux")
        network = ServiceApp("network", network_api.PREFIX, with_openapi(NETWORK_SPEC),
                             "neutron", auth, state=self.network)
        # built before compute: compute attaches its volumes in-process
        self.volume = volume_api.VolumeApi(settings, self.db, self.image.images, credentials)
        self.servers = ControllerCompute(settings, self.db, bus, self.image,
                                         self.placement.service, self.identity.limits, hosts,
                                         vif_events=network_kind == "linux",
                                         storage=self.volume.storage)
        self.conductor = self.servers.conductor
        self.compute = self.servers.api
        compute = ServiceApp("compute", COMPUTE_PREFIX, with_openapi(COMPUTE_SPEC), "nova",
                             auth, state=self.compute, versions=COMPUTE_VERSIONS,
                             rewrite=legacy_v2.rewrite)   # /compute/v2: Nova's legacy v2.0
        # drives the hosts' network agents (nubo/network/agent) from the network tables: one
        # agent carrying every host of this process, or (hosts that come and go, Linux
        # dataplanes) each host its own (hostsync/fleet.py; with noop hosts it records their
        # agents only)
        self.network_sync: NetworkSync | NetworkFleet
        if hosts is None:
            self.network_sync = NetworkFleet(
                self.db, bus, on_vif_event=self._vif_event if network_kind == "linux" else None)
        else:
            self.network_sync = build_sync(self.db, bus, network_kind,
                                           hosts[0] if hosts else self.network.hostname,
                                           hosts or (), self.network.hostname,
                                           self._vif_event)
        # block storage: the API and (until volume hosts come on the bus) its backend in
        # this process; Cinder's fault bodies are Nova's ({"badRequest": {code, message}});
        # Cinder's router is strict: /volumes/ is an empty id (a 404), not the list
        volume = ServiceApp("volume", volume_api.PREFIX, with_openapi(VOLUME_SPEC), "nova",
                            auth, state=self.volume, versions=VOLUME_VERSIONS,
                            strict_slashes=True,
                            rewrite=volume_rewrite.rewrite)   # /volume/v3/{project_id}/...
        # orchestration: Heat's API and its engine, which calls the services above
        # in-process through their own API layer (never their tables)
        self.orchestration = orchestration_api.OrchestrationApi(
            settings, self.db, {"network": network, "compute": compute, "image": image,
                                "volume": volume})
        orchestration = ServiceApp("orchestration", orchestration_api.PREFIX,
                                   ORCHESTRATION_ROUTES, "heat", auth,
                                   state=self.orchestration)
        self.metrics = Metrics()
        self.metrics.add_scraped(CloudCollector(self.db, self.conductor.queue_depth,
                                                 self.conductor.service_down_time))
        vnc = novnc.NoVncApp(self.servers.parts.consoles.validate,
                             settings.console_token_ttl)
        checks: dict[str, Callable[[], str | None]] = {"compute": hosts_start.problem}
        if self.network_sync.health is not None:
            checks["network_agent"] = self.network_sync.health.problem
        services = [ident, image, compute, placement, network, volume, orchestration]
        self.dashboard = dashboard.build(
            services, auth, compute=self.compute.policy, network=self.network.policy,
            volume=self.volume.policy, identity=self.identity.policy,
            orchestration=self.orchestration.policy,
            servers=ServerPages(self.db, self.compute.servers.networking),
            https=settings.base_url.startswith("https:"))
        self.app = NuboApp(services, self.metrics, fallback=self.dashboard,
                           mounts={novnc.PREFIX: vnc, METADATA_PREFIX: self._metadata_api()},
                           checks=checks,
                           parts={"compute": hosts_start.state,
                                  "network": lambda: self.network_sync.state,
                                  "test-image": self._test_image_part})
        self.credentials: Credentials | None = None
        self.test_image: TestImage | None = None
        self._background: set[asyncio.Task[None]] = set()

    def _metadata_api(self) -> Mounted:
        """Nova's metadata API for the hosts' metadata agents (signed X-Instance-ID only)."""
        app = MetadataApp(InstanceSource(self.db, self.servers.networking.port_facts).load,
                          None, metadata_secret(self.settings),
                          passwords=PasswordStore(self.db))
        return Mounted(app, METADATA_PREFIX)

    async def start(self, say: Callable[[str], None]) -> Credentials | None:
        """What the API needs before it serves, up to the network server listening for the
        hosts' agents; the credentials made on a first start (None on a restart)."""
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
        await self.volume.start()       # the default type, work a restart cut off
        say("network")
        if isinstance(self.network_sync, NetworkSync):    # a fleet's hosts register so
            await network_agents.ensure_agents(self.db, self.network.hostname,
                                               self.settings.vtep_ip)
        await network_bootstrap.bootstrap(self.db, self.settings)
        self.network_sync.listen()
        return creds

    async def start_network_sync(self) -> None:
        """Drive the hosts' network agents (once they started)."""
        await self.network_sync.start()

    async def ensure_service_user(self) -> None:
        """The user the hosts log in to the image API with (a bcrypt check: after
        readiness; a boot waits for the hosts to have started)."""
        creds = self.service_credentials
        await ensure_service_user(self.identity, creds.username, creds.password)

    async def resume(self) -> None:
        """Once the hosts reported: resume the operations a restart cut off; then the
        periodic work."""
        await self.servers.periodic.start()
        # stacks a restart cut off carry on once the hosts can take their servers
        await self.orchestration.start()

    async def _vif_event(self, instance_id: str, port_id: str, status: str) -> None:
        """The dataplane plugged a server's port: Neutron's notice to Nova."""
        ctx = RequestContext(request_id="req-network-sync", roles=("admin",))
        await record_events(self.db, self.conductor.events, ctx, [{
            "name": "network-vif-plugged", "server_uuid": instance_id, "tag": port_id,
            "status": status}])

    async def register_test_image(self) -> None:
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
            task = asyncio.create_task(self._finish_test_image(self.test_image))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

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
        """Stop driving the hosts and the compute work (the hosts keep their state for the
        next start)."""
        for task in self._background:
            task.cancel()
        await bounded(asyncio.gather(*self._background, return_exceptions=True),
                      "the controller's background tasks")
        await bounded(self.network_sync.stop(), "the network sync")
        await bounded(self.orchestration.stop(), "the orchestration engine")
        await bounded(self.volume.stop(), "the volume work")
        await bounded(self.servers.stop(), "the conductor")

    async def close(self) -> None:
        """Last: the API stops being ready and the database closes."""
        self.app.ready = False
        await self.db.dispose()

    def write_clouds_yaml(self, creds: Credentials) -> Path:
        return clouds_yaml.write(self.settings.data_dir / "clouds.yaml",
                          self.identity.base_url + "/v3", self.settings.region, creds)

    def refresh_clouds_yaml(self) -> Path | None:
        """On a restart, keep clouds.yaml's passwords and point it at our current URL."""
        return clouds_yaml.refresh(self.settings.data_dir / "clouds.yaml",
                            self.identity.base_url + "/v3")
