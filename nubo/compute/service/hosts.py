"""Nova's deprecated host views (to 2.42): os-hosts, a host's resource rows, and the
instance usage audit log (os-instance_usage_audit_log), from the service registry and the
hypervisor figures Nubo already keeps."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from nubo.compute import errors
from nubo.compute.models import Instance
from nubo.compute.service.hypervisors import HypervisorService
from nubo.compute.service.services import COMPUTE, ServiceRegistry
from nubo.core.db import utcnow
from nubo.core.errors import NotFound


def host_not_found(host: str) -> NotFound:
    # Nova looks up the host's cell mapping first; only compute hosts have one
    return errors.HostMappingNotFound(name=host)


@dataclass
class HostService:
    services: ServiceRegistry
    hypervisors: HypervisorService

    async def list_hosts(self, zone: str | None) -> list[dict[str, str]]:
        """Every enabled service as {host_name, service (its topic), zone}; `zone` keeps
        those of one zone (computes are in their aggregates' zone, the others in
        'internal')."""
        return [{"host_name": s.host, "service": s.binary.removeprefix("nova-"),
                 "zone": s.zone}
                for s in await self.services.find()
                if not s.disabled and (not zone or s.zone == zone)]

    async def _compute(self, host: str) -> Any:
        hv = next((h for h in await self.hypervisors.all() if h.host.name == host), None)
        if hv is None:
            raise host_not_found(host)
        return hv

    async def resources(self, host: str) -> list[dict[str, Any]]:
        """(total), (used_now), (used_max) and one row per project with instances there."""
        hv = await self._compute(host)
        async with self.hypervisors.db.read() as s:
            rows = (await s.execute(select(
                Instance.project_id, Instance.vcpus, Instance.memory_mb, Instance.flavor).where(
                Instance.deleted.is_(False), Instance.host == host).order_by(
                Instance.created_at))).all()

        def row(project: str, cpu: int, mem: int, disk: int) -> dict[str, Any]:
            return {"resource": {"host": host, "project": project, "cpu": cpu,
                                 "memory_mb": mem, "disk_gb": disk}}

        projects: dict[str, list[int]] = {}
        total = [0, 0, 0]
        for project, vcpus, mem, flavor in rows:
            disk = int((flavor or {}).get("disk", 0)) + int((flavor or {}).get("ephemeral", 0))
            for acc in (projects.setdefault(project, [0, 0, 0]), total):
                acc[0] += vcpus
                acc[1] += mem
                acc[2] += disk
        out = [row("(total)", hv.host.vcpus, hv.host.memory_mb, hv.host.local_gb),
               row("(used_now)", hv.vcpus_used, hv.memory_mb_used, hv.local_gb_used),
               row("(used_max)", *total)]
        return out + [row(p, *v) for p, v in projects.items()]

    async def check(self, host: str) -> None:
        """404 unless `host` is a compute host."""
        await self._compute(host)

    async def set_enabled(self, host: str, enabled: bool) -> str:
        """The status change os-hosts makes: the compute service's disabled flag (what the
        scheduler reads)."""
        await self._compute(host)
        await self.services.update(host, COMPUTE, disabled=not enabled, disabled_reason=None)
        return "enabled" if enabled else "disabled"

    async def power_action(self, host: str) -> None:
        """startup/shutdown/reboot of a host: no driver of Nova's libvirt family does them."""
        await self._compute(host)
        raise errors.NotSupported()

    async def audit_log(self, before: datetime | None = None) -> dict[str, Any]:
        """Nova's audit log view for the last completed period (Nova's default period is a
        month). Nubo runs no instance usage audit task, so there are no task logs: every
        compute host is one that has not run, as in Nova with instance_usage_audit off."""
        begin, end = last_completed_month(before or utcnow())
        hosts = sorted({s.host for s in await self.services.find(binary=COMPUTE)})
        return {"period_beginning": str(begin), "period_ending": str(end),
                "num_hosts": len(hosts), "num_hosts_done": 0, "num_hosts_running": 0,
                "num_hosts_not_run": len(hosts), "hosts_not_run": hosts,
                "total_instances": 0, "total_errors": 0,
                "overall_status": ("ALL" if not hosts else f"0 of {len(hosts)}")
                + " hosts done. 0 errors.", "log": {}}


def last_completed_month(now: datetime) -> tuple[datetime, datetime]:
    """The month most recently completed before `now` (nova.utils.last_completed_audit_period
    with unit 'month'): [first of the previous month, first of this month)."""
    end = datetime(now.year, now.month, 1)
    if end >= now:
        end = _month_before(end)
    return _month_before(end), end


def _month_before(d: datetime) -> datetime:
    year, month = (d.year - 1, 12) if d.month == 1 else (d.year, d.month - 1)
    return datetime(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def parse_before(raw: str) -> datetime | None:
    """Nova's two accepted timestamp forms; None for anything else."""
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in raw else "%Y-%m-%d %H:%M:%S"
    try:
        return datetime.strptime(raw, fmt)
    except ValueError:
        return None
