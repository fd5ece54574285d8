"""The controller's compute, built whole: the catalog (flavors, quotas, zones, aggregates,
hosts), the scheduler and the conductor with its handlers of what hosts report
(hostreports.py), the servers' service parts, the periodic jobs, and the API over them.
The hosts are reached over the bus only (roles/host.py runs their agents)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import partial

from nubo.compute.api.views.servers import ServerViews
from nubo.compute.api.wiring import Catalog, ComputeApi, ServerParts
from nubo.compute.conductor.hostreports import HostReports
from nubo.compute.conductor.manager import Conductor
from nubo.compute.conductor.periodic import PeriodicJobs
from nubo.compute.conductor.powersync import PowerSync
from nubo.compute.conductor.volume_reconcile import VolumeReconciler
from nubo.compute.service.actions import ServerActions
from nubo.compute.service.aggregates import AggregateService
from nubo.compute.service.availability_zones import AvailabilityZones
from nubo.compute.service.boot_volumes import BootPlanner
from nubo.compute.service.consoles import ConsoleService
from nubo.compute.service.flavors import FlavorService
from nubo.compute.service.groups import GroupService
from nubo.compute.service.hypervisors import HypervisorService, host_ip
from nubo.compute.service.interfaces import InterfaceService
from nubo.compute.service.keypairs import KeypairService
from nubo.compute.service.networking import ComputeNetworking
from nubo.compute.service.quotas import QuotaService
from nubo.compute.service.quotas_unified import LimitSource, UnifiedQuotaLimits
from nubo.compute.service.server_floating_ips import ServerFloatingIps
from nubo.compute.service.server_secgroups import ServerSecurityGroups
from nubo.compute.service.server_volumes import ServerVolumes
from nubo.compute.service.servers import ServerService, image_props
from nubo.compute.service.services import ServiceRegistry
from nubo.compute.service.tags import TagService
from nubo.compute.service.usage import UsageService
from nubo.compute.service.volume_attachments import VolumeAttachmentService
from nubo.config import Settings
from nubo.core.bus import Bus
from nubo.core.db import Database
from nubo.core.leases import Leases
from nubo.image.api import ImageApi
from nubo.placement.service import PlacementService
from nubo.scheduler.scheduler import Scheduler
from nubo.volume.service import BlockStorage


class ControllerCompute:
    def __init__(self, settings: Settings, db: Database, bus: Bus, images: ImageApi,
                 placement: PlacementService, limit_source: LimitSource,
                 hosts: Sequence[str] | None, vif_events: bool, storage: BlockStorage) -> None:
        """`limit_source`: identity's unified limits (settings.quota_driver
        `unified_limits`); `hosts`: the compute hosts of this process whose heartbeat this
        controller checks (None: every host in the database, `nubo controller`);
        `vif_events`: whether the hosts' dataplane reports plugged ports (Linux);
        `storage`: the block storage services (volumes attached to servers, in-process)."""
        self.scheduler = Scheduler(placement)
        groups = GroupService(db)
        self.networking = ComputeNetworking(db, vif_events=vif_events)
        server_volumes = ServerVolumes(storage)
        self.conductor = Conductor(
            db, bus, placement, self.scheduler, partial(image_props, images),
            self.networking, images, max_attempts=settings.scheduler_max_attempts,
            group_lookup=groups.placement_of,
            vif_plugging_timeout=float(settings.vif_plugging_timeout),
            vif_plugging_is_fatal=settings.vif_plugging_is_fatal,
            reclaim_interval=settings.reclaim_instance_interval,
            shelved_offload_time=settings.shelved_offload_time,
            # a deleted server's volumes: detached, deleted when delete_on_termination
            volume_release=server_volumes.release,
            # block_device_mapping_v2: volumes made and attached before the spawn
            boot_volumes=server_volumes,
            service_down_time=timedelta(seconds=settings.service_down_time),
            report_interval=float(settings.report_interval))
        self.power_sync = PowerSync(self.conductor)
        HostReports(self.conductor, self.power_sync).subscribe(bus)
        catalog = _catalog(settings, db, placement, limit_source, groups, self.conductor,
                           hosts)
        servers = ServerService(db, self.conductor, catalog, images, self.networking,
                                BootPlanner(storage))
        catalog.quotas.register_counters(("instances", "cores", "ram"), servers.counts)
        catalog.quotas.register_counter("server_groups", groups.count)
        self.parts = ServerParts(
            conductor=self.conductor, bus=bus, servers=servers,
            # pause, shelve, migrate ... (service/actions.py asks, conductor/actions.py acts)
            actions=ServerActions(servers, settings.reclaim_instance_interval),
            consoles=ConsoleService(db, bus, settings.base_url, settings.console_token_ttl),
            tags=TagService(db),
            # os-interface, a server's security groups and floating IPs
            interfaces=InterfaceService(servers, self.conductor, bus),
            server_secgroups=ServerSecurityGroups(db, servers),
            server_floating_ips=ServerFloatingIps(db, servers),
            volumes=VolumeAttachmentService(servers, self.conductor, bus, storage))
        self.periodic = PeriodicJobs(self.conductor, Leases(db), hosts,
                                     volumes=VolumeReconciler(self.parts.volumes),
                                     period=settings.periodic_interval)
        self.api = ComputeApi(settings, db, catalog, self.parts,
                              ServerViews(settings.base_url + "/compute"))

    async def stop(self) -> None:
        await self.periodic.stop()
        await self.conductor.stop()
        await self.periodic.release()


def _catalog(settings: Settings, db: Database, placement: PlacementService,
             limit_source: LimitSource, groups: GroupService, conductor: Conductor,
             hosts: Sequence[str] | None) -> Catalog:
    unified = None
    if settings.quota_driver == "unified_limits":
        unified = UnifiedQuotaLimits(
            limit_source, settings.region, settings.quota_unified_limits_resource_strategy,
            tuple(settings.quota_unified_limits_resource_list))
    quotas = QuotaService(db, unified)
    zones = AvailabilityZones(
        [z.strip() for z in settings.availability_zones.split(",") if z.strip()])
    # hosts' zones, aggregates, enabled: the scheduler's host cache must be re-read
    aggregates = AggregateService(db, placement, conductor.invalidate_hosts)
    services = ServiceRegistry(db, aggregates.host_zones, conductor.invalidate_hosts,
                               conductor.service_down_time)
    zones.register_hosts(services.zones_hosts)
    local = frozenset(hosts or ())
    return Catalog(
        flavors=FlavorService(db), quotas=quotas, keypairs=KeypairService(db, quotas),
        groups=groups, availability_zones=zones, aggregates=aggregates, services=services,
        hypervisors=HypervisorService(db, services, host_ip(settings.host),
                                      lambda: set(local)),
        usage=UsageService(db))
