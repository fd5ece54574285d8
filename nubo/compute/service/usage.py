"""os-simple-tenant-usage: instance-hours per project over a period, from the instance rows
(deleted ones included: what ran in the period counts), as Nova computes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select

from nubo.compute import errors
from nubo.compute.models import Instance
from nubo.core.db import Database, utcnow

FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")


def _ts(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


def parse_time(raw: str | None) -> datetime:
    """Nova's accepted forms, as naive UTC; now when absent."""
    if not raw:
        return utcnow()
    for fmt in FORMATS:
        try:
            value = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    raise errors.InvalidDatetime()


def parse_period(params: Any) -> tuple[datetime, datetime, bool]:
    start, stop = parse_time(params.get("start")), parse_time(params.get("end"))
    if not start < stop:
        raise errors.InvalidStartTime()
    return start, stop, params.get("detailed", "0") == "1"


def _hours(inst: Instance, start: datetime, stop: datetime) -> float:
    launched, ended = inst.launched_at, inst.terminated_at
    if launched is None or (ended and ended < start) or launched > stop:
        return 0
    return (min(stop, ended or stop) - max(launched, start)).total_seconds() / 3600.0


class UsageService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def usages(self, start: datetime, stop: datetime, project_id: str | None = None,
                     detailed: bool = True) -> list[dict[str, Any]]:
        """One summary per project with instances active in [start, stop]."""
        stop = min(stop, utcnow())
        q = select(Instance).where(
            Instance.launched_at.is_not(None), Instance.launched_at < stop,
            or_(Instance.terminated_at.is_(None), Instance.terminated_at > start)).order_by(
            Instance.launched_at)
        if project_id is not None:
            q = q.where(Instance.project_id == project_id)
        async with self.db.read() as s:
            rows = list((await s.execute(q)).scalars())
        now = utcnow()
        out: dict[str, dict[str, Any]] = {}
        for inst in rows:
            flavor = inst.flavor or {}
            hours = _hours(inst, start, stop)
            local_gb = int(flavor.get("disk", 0)) + int(flavor.get("ephemeral", 0))
            ended = inst.terminated_at
            launched = inst.launched_at or now
            info = {"instance_id": inst.id, "name": inst.name, "tenant_id": inst.project_id,
                    "flavor": flavor.get("name", ""), "hours": hours,
                    "memory_mb": inst.memory_mb, "local_gb": local_gb, "vcpus": inst.vcpus,
                    "started_at": _ts(launched), "ended_at": _ts(ended),
                    "state": "terminated" if ended else inst.vm_state,
                    "uptime": int(((ended or now) - launched).total_seconds())}
            summary = out.get(inst.project_id)
            if summary is None:
                summary = out[inst.project_id] = {
                    "tenant_id": inst.project_id, "total_local_gb_usage": 0,
                    "total_vcpus_usage": 0, "total_memory_mb_usage": 0, "total_hours": 0,
                    "start": _ts(start), "stop": _ts(stop),
                    **({"server_usages": []} if detailed else {})}
            summary["total_local_gb_usage"] += local_gb * hours
            summary["total_vcpus_usage"] += inst.vcpus * hours
            summary["total_memory_mb_usage"] += inst.memory_mb * hours
            summary["total_hours"] += hours
            if detailed:
                summary["server_usages"].append(info)
        return list(out.values())
