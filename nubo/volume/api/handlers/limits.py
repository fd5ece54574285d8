"""Quotas (/os-quota-sets), absolute limits (/limits) and availability zones."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.volume import errors
from nubo.volume.api.handlers.common import begin, body, flag, param, query
from nubo.volume.api.schemas import quotas as schemas
from nubo.volume.api.views import quotas as views
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
    return json_response({"quota_set": views.quota_set(
        project, await a.storage.quotas.defaults(), None)})


async def quota_class_show(request: Request) -> Response:
    """GET /os-quota-class-sets/{class}: every class is the `default` one (Cinder's
    DbQuotaDriver reads no other)."""
    a, _ctx, _v = begin(request, "volume_extension:quota_classes")
    name = param(request, "class_name")
    return json_response({"quota_class_set": views.quota_set(
        name, await a.storage.quotas.defaults(), None)})


async def quota_class_update(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:quota_classes")
    name = param(request, "class_name")
    if name != "default":
        raise errors.InvalidInput(
            reason=f"Only the 'default' quota class can be changed, not {name}.")
    spec = dict((await body(request, schemas.CLASS_UPDATE))["quota_class_set"])
    try:
        changes = {k: int(v) for k, v in spec.items()}
    except ValueError:
        raise errors.InvalidInput(reason="Quota limits must be integers.") from None
    out = views.quota_set(name, await a.storage.quotas.update_defaults(changes), None)
    out.pop("id")
    return json_response({"quota_class_set": out})


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
