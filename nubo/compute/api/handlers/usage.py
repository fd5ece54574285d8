"""/os-simple-tenant-usage (2.1): every project's usage (admin) or one project's."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.wiring import api
from nubo.compute.service.usage import parse_period
from nubo.core.http import context, json_response

P = "os_compute_api:os-simple-tenant-usage:"


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    if request.scope.get("raw_path", b"").split(b"?")[0].endswith(b"/"):
        # `/os-simple-tenant-usage/` is a show of the empty project id: Nova has no route
        raise errors.ResourceNotFound()
    a.enforce(ctx, P + "list")
    start, stop, detailed = parse_period(request.query_params)
    return json_response({"tenant_usages": await a.usage.usages(start, stop,
                                                                 detailed=detailed)})


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    project_id = request.path_params["project_id"]
    a.enforce(ctx, P + "show", {"project_id": project_id})
    start, stop, _ = parse_period(request.query_params)
    found = await a.usage.usages(start, stop, project_id=project_id)
    return json_response({"tenant_usage": found[0] if found else {}})
