"""/os-quota-sets, /os-quota-class-sets, /limits and /os-availability-zone."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.schemas import quotas as schemas
from nubo.compute.api.validation import read_body
from nubo.compute.api.views import quotas as views
from nubo.compute.api.wiring import api
from nubo.compute.service.flavors import parse_bool
from nubo.core.http import context, json_response, no_content, version

QS = "os_compute_api:os-quota-sets:"
QC = "os_compute_api:os-quota-class-sets:"


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    project_id = request.path_params["project_id"]
    a.enforce(ctx, QS + "show", {"project_id": project_id})
    await a.verify_project(project_id)
    values = await a.quotas.limits(project_id, request.query_params.get("user_id"))
    return json_response(views.quota_set(values, project_id, version(request)))


async def detail(request: Request) -> Response:
    a, ctx = api(request), context(request)
    project_id = request.path_params["project_id"]
    a.enforce(ctx, QS + "detail", {"project_id": project_id})
    await a.verify_project(project_id)
    usages = await a.quotas.usages(project_id, request.query_params.get("user_id"))
    return json_response(views.quota_detail(usages, project_id, version(request)))


async def defaults(request: Request) -> Response:
    a, ctx = api(request), context(request)
    project_id = request.path_params["project_id"]
    a.enforce(ctx, QS + "defaults", {"project_id": project_id})
    await a.verify_project(project_id)
    return json_response(views.quota_set(await a.quotas.class_limits(), project_id,
                                         version(request)))


async def update(request: Request) -> Response:
    a, ctx = api(request), context(request)
    project_id = request.path_params["project_id"]
    a.enforce(ctx, QS + "update", {"project_id": project_id})
    schema = schemas.update_schema(views.hidden(version(request)))
    body = (await read_body(request, schema, a.max_body))["quota_set"]
    await a.verify_project(project_id)
    user_id = request.query_params.get("user_id")
    force = bool(parse_bool(body.get("force", False)))
    values = {k: int(v) for k, v in body.items() if k != "force"}
    await a.quotas.update(project_id, user_id, values, force)
    return json_response(views.quota_set(await a.quotas.limits(project_id, user_id),
                                         ver=version(request)))


async def delete(request: Request) -> Response:
    a, ctx = api(request), context(request)
    project_id = request.path_params["project_id"]
    a.enforce(ctx, QS + "delete", {"project_id": project_id})
    await a.quotas.reset(project_id, request.query_params.get("user_id"))
    return no_content(202)


async def class_show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, QC + "show")
    name = request.path_params["class_name"]
    return json_response(views.quota_class(await a.quotas.class_limits(name), name,
                                           version(request)))


async def class_update(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, QC + "update")
    name = request.path_params["class_name"]
    if not 1 <= len(name) <= 255:
        raise errors.InvalidInput(reason="quota_class_name has more than 255 characters.")
    schema = schemas.class_update_schema(views.hidden(version(request)))
    body = (await read_body(request, schema, a.max_body))["quota_class_set"]
    await a.quotas.update_class(name, {k: int(v) for k, v in body.items()})
    return json_response(views.quota_class(await a.quotas.class_limits(name),
                                           ver=version(request)))


async def limits(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "os_compute_api:limits")
    project_id = ctx.project_id or ""
    if "tenant_id" in request.query_params:
        project_id = request.query_params["tenant_id"]
        a.enforce(ctx, "os_compute_api:limits:other_project")
    return json_response(views.limits(await a.quotas.usages(project_id), version(request)))


async def zones(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "os_compute_api:os-availability-zone:list")
    return json_response({"availabilityZoneInfo": await a.availability_zones.summary()})


async def zones_detail(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "os_compute_api:os-availability-zone:detail")
    return json_response({"availabilityZoneInfo": await a.availability_zones.detail()})
