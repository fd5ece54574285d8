"""Quotas (/os-quota-sets), absolute limits (/limits), availability zones and services."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.db import utcnow
from nubo.core.http import json_response, no_content
from nubo.volume import errors
from nubo.volume.api.handlers.common import begin, body, flag, param, query
from nubo.volume.api.schemas import quotas as schemas
from nubo.volume.api.views import quotas as views
from nubo.volume.api.views.common import ts
from nubo.volume.service.quotas import DEFAULTS
from nubo.volume.service.volumes import ZONE


async def quota_show(request: Request) -> Response:
    project = param(request, "project_id")
    a, _ctx, _v = begin(request, "volume_extension:quotas:show", target_project=project)
    usage = flag(query(request).get("usage"), "usage")
    limits = await a.storage.quotas.limits(project)
    used = await a.storage.quotas.usage(project) if usage else None
    return json_response({"quota_set": views.quota_set(project, limits, used)})


async def quota_defaults(request: Request) -> Response:
    project = param(request, "project_id")
    a, _ctx, _v = begin(request, "volume_extension:quotas:show", target_project=project)
    return json_response({"quota_set": views.quota_set(project, dict(DEFAULTS), None)})


async def quota_update(request: Request) -> Response:
    project = param(request, "project_id")
    a, _ctx, _v = begin(request, "volume_extension:quotas:update", target_project=project)
    spec = dict((await body(request, schemas.UPDATE))["quota_set"])
    spec.pop("tenant_id", None)
    try:
        changes = {k: int(v) for k, v in spec.items()}
    except ValueError:
        raise errors.InvalidInput(reason="Quota limits must be integers.") from None
    limits = await a.storage.quotas.update(project, changes)
    out = views.quota_set(project, limits, None)
    out.pop("id")
    return json_response({"quota_set": out})


async def quota_delete(request: Request) -> Response:
    project = param(request, "project_id")
    a, _ctx, _v = begin(request, "volume_extension:quotas:delete", target_project=project)
    await a.storage.quotas.reset(project)
    return no_content(200)


async def limits(request: Request) -> Response:
    a, ctx, _v = begin(request, "limits_extension:used_limits")
    project = ctx.project_id or ""
    return json_response(views.absolute(await a.storage.quotas.limits(project),
                                        await a.storage.quotas.usage(project)))


async def availability_zones(request: Request) -> Response:
    begin(request, "volume_extension:availability_zone_list")
    return json_response({"availabilityZoneInfo": [
        {"zoneName": ZONE, "zoneState": {"available": True}}]})


async def services(request: Request) -> Response:
    """The scheduler and the volume service of this cloud: both run in this process, so
    they are up whenever this answers."""
    a, _ctx, v = begin(request, "volume_extension:services:index")
    host = a.storage.host.split("@")[0]
    now = ts(utcnow())
    rows: list[dict[str, Any]] = [
        {"binary": "cinder-scheduler", "host": host, "zone": ZONE, "status": "enabled",
         "state": "up", "updated_at": now, "disabled_reason": None},
        {"binary": "cinder-volume", "host": a.storage.host.split("#")[0], "zone": ZONE,
         "status": "enabled", "state": "up", "updated_at": now, "disabled_reason": None,
         "replication_status": "disabled", "active_backend_id": None, "frozen": False}]
    q = query(request)
    rows = [r for r in rows if all(r.get(k) == q[k] for k in ("binary", "host") if k in q)]
    for r in rows:
        if v.matches("3.7"):
            r["cluster"] = None
        if v.matches("3.49") and r["binary"] == "cinder-volume":
            r["backend_state"] = "up"
    return json_response({"services": rows})
