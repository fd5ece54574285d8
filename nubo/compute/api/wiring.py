"""What the compute API's handlers use: the service objects the controller built
(roles/controller.py), grouped as the catalog (flavors, quotas, zones, hosts...) and the
servers' parts (conductor, actions, consoles...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from nubo.compute import errors
from nubo.compute.api.policies.base import RULES
from nubo.compute.api.views.servers import ServerViews
from nubo.compute.conductor.manager import Conductor
from nubo.compute.service.actions import ServerActions
from nubo.compute.service.aggregates import AggregateService
from nubo.compute.service.availability_zones import AvailabilityZones
from nubo.compute.service.consoles import ConsoleService
from nubo.compute.service.flavors import FlavorService
from nubo.compute.service.groups import GroupService
from nubo.compute.service.hypervisors import HypervisorService
from nubo.compute.service.interfaces import InterfaceService
from nubo.compute.service.keypairs import KeypairService
from nubo.compute.service.quotas import QuotaService
from nubo.compute.service.server_floating_ips import ServerFloatingIps
from nubo.compute.service.server_secgroups import ServerSecurityGroups
from nubo.compute.service.servers import ServerService, ensure_seq_lock
from nubo.compute.service.services import ServiceRegistry
from nubo.compute.service.tags import TagService
from nubo.compute.service.usage import UsageService
from nubo.compute.service.volume_attachments import VolumeAttachmentService
from nubo.config import Settings
from nubo.core.bus import Bus
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.policy import Policy

PREFIX = "/compute"


@dataclass(frozen=True)
class Catalog:
    """What a server is made of and counted against: flavors, keypairs, quotas, server
    groups (the `ComputeCatalog` servers need), and where it may run: availability zones,
    aggregates, compute services, hypervisors, usage."""

    flavors: FlavorService
    quotas: QuotaService
    keypairs: KeypairService
    groups: GroupService
    availability_zones: AvailabilityZones
    aggregates: AggregateService
    services: ServiceRegistry
    hypervisors: HypervisorService
    usage: UsageService


@dataclass(frozen=True)
class ServerParts:
    """The servers machinery the handlers drive: the conductor and the bus to the hosts,
    the server service and what hangs off a server (actions, consoles, tags, interfaces,
    security groups, floating IPs)."""

    conductor: Conductor
    bus: Bus
    servers: ServerService
    actions: ServerActions
    consoles: ConsoleService
    tags: TagService
    interfaces: InterfaceService
    server_secgroups: ServerSecurityGroups
    server_floating_ips: ServerFloatingIps
    #: os-volume_attachments (the volume service's attachments, in-process)
    volumes: VolumeAttachmentService


class ComputeApi:
    def __init__(self, settings: Settings, db: Database, catalog: Catalog,
                 parts: ServerParts, views: ServerViews) -> None:
        """Everything built by the controller (roles/controller.py)."""
        self.settings = settings
        self.db = db
        self.base_url = settings.base_url + PREFIX
        self.policy = Policy(RULES, settings.effective_policy_file)
        self.max_body = max(settings.max_request_body_size, 1024 * 1024)
        self.flavors = catalog.flavors
        self.quotas = catalog.quotas
        self.keypairs = catalog.keypairs
        self.groups = catalog.groups
        self.availability_zones = catalog.availability_zones
        # admin areas: services, hypervisors, aggregates, usage
        self.aggregates = catalog.aggregates
        self.services = catalog.services
        self.hypervisors = catalog.hypervisors
        self.usage = catalog.usage
        self.parts = parts
        self.servers = parts.servers
        self.server_views = views

    async def start(self) -> None:
        """Called once the database is migrated, before the API serves."""
        await self.flavors.ensure_defaults()
        await ensure_seq_lock(self.db)

    async def verify_project(self, project_id: str) -> None:
        """A 400 for a project Keystone does not know (Nova asks Keystone the same)."""
        from nubo.identity.models import Project

        async with self.db.read() as s:
            if await s.get(Project, project_id) is None:
                raise errors.InvalidProject(project_id=project_id)

    def enforce(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> None:
        self.policy.enforce(ctx, action, target)


def api(request: Request) -> ComputeApi:
    state: ComputeApi = request.scope["nubo.state"]
    return state
