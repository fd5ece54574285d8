"""Wiring of the compute service: the objects its handlers use, built once per process.
Areas (flavors, keypairs, servers...) hang their service objects here."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from nubo.compute.api.policies.base import RULES
from nubo.compute.service.aggregates import AggregateService
from nubo.compute.service.availability_zones import AvailabilityZones
from nubo.compute.service.flavors import FlavorService
from nubo.compute.service.hypervisors import HypervisorService, host_ip
from nubo.compute.service.keypairs import KeypairService
from nubo.compute.service.quotas import QuotaService
from nubo.compute.service.quotas_unified import LimitSource, UnifiedQuotaLimits
from nubo.compute.service.servers import ensure_seq_lock
from nubo.compute.service.services import ServiceRegistry
from nubo.compute.service.usage import UsageService
from nubo.config import Settings
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.errors import BadRequest
from nubo.core.policy import Policy

PREFIX = "/compute"


class ComputeApi:
    def __init__(self, settings: Settings, db: Database,
                 limit_source: LimitSource | None = None) -> None:
        """`limit_source`: identity's unified limits, read when settings.quota_driver is
        `unified_limits`."""
        self.settings = settings
        self.db = db
        self.base_url = settings.base_url + PREFIX
        self.policy = Policy(RULES, settings.effective_policy_file)
        self.max_body = max(settings.max_request_body_size, 1024 * 1024)
        self.flavors = FlavorService(db)
        unified = None
        if settings.quota_driver == "unified_limits":
            if limit_source is None:
                raise ValueError("the unified_limits quota driver needs identity's limits")
            unified = UnifiedQuotaLimits(
                limit_source, settings.region, settings.quota_unified_limits_resource_strategy,
                tuple(settings.quota_unified_limits_resource_list))
        self.quotas = QuotaService(db, unified)
        self.keypairs = KeypairService(db, self.quotas)
        self.availability_zones = AvailabilityZones(
            [z.strip() for z in settings.availability_zones.split(",") if z.strip()])
        # admin areas: services, hypervisors, aggregates, usage
        self.aggregates = AggregateService(
            db, lambda: self.runtime.conductor.placement if self.runtime else None,
            self._hosts_changed)
        self.services = ServiceRegistry(db, self.aggregates.host_zones, self._hosts_changed)
        self.hypervisors = HypervisorService(
            db, self.services, host_ip(settings.host),
            lambda: {a.host for a in self.runtime.agents} if self.runtime else set())
        self.usage = UsageService(db)
        self.availability_zones.register_hosts(self.services.zones_hosts)
        # servers: set by attach_runtime() once placement and images exist
        self.runtime: Any = None
        self.servers: Any = None
        self.server_views: Any = None
        self.groups: Any = None

    def attach_runtime(self, runtime: Any) -> None:
        """Hang the servers machinery (conductor, scheduler, agents) on the API and make
        the quota counters count real servers."""
        self.runtime = runtime
        self.servers = runtime.servers
        self.server_views = runtime.views
        self.groups = runtime.groups
        self.quotas.register_counters(("instances", "cores", "ram"), runtime.servers.counts)
        self.quotas.register_counter("server_groups", runtime.groups.count)

    def _hosts_changed(self) -> None:
        if self.runtime is not None:
            self.runtime.conductor.invalidate_hosts()

    async def start(self) -> None:
        """Called once the database is migrated, before the API serves."""
        await self.flavors.ensure_defaults()
        await ensure_seq_lock(self.db)

    async def verify_project(self, project_id: str) -> None:
        """A 400 for a project Keystone does not know (Nova asks Keystone the same)."""
        from nubo.identity.models import Project

        async with self.db.read() as s:
            if await s.get(Project, project_id) is None:
                raise BadRequest(f"Project ID {project_id} is not a valid project.")

    def enforce(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> None:
        self.policy.enforce(ctx, action, target)


def api(request: Request) -> ComputeApi:
    state: ComputeApi = request.scope["nubo.state"]
    return state
