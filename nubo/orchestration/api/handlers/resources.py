"""/stacks/{name}/{id}/resources: list, show, metadata."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response
from nubo.orchestration.api import views
from nubo.orchestration.api.handlers.common import begin, stack_of
from nubo.orchestration.errors import EntityNotFound, HTTPBadRequest


async def list_(request: Request) -> Response:
    a, ctx = begin(request, "resource:index")
    stack = await stack_of(request, a, ctx)
    q = request.query_params
    depth = q.get("nested_depth", "0")
    if not depth.isdigit():
        raise HTTPBadRequest(msg="Only integer is acceptable by 'nested_depth'.")
    rows = await a.store.resources(stack.id)
    for key, attr in (("name", "name"), ("type", "type"), ("id", "physical_id")):
        wanted = q.getlist(key)
        if wanted:
            rows = [r for r in rows if getattr(r, attr) in wanted]
    statuses = q.getlist("status")
    if statuses:
        rows = [r for r in rows if r.status in statuses or f"{r.action}_{r.status}" in
                statuses]
    actions = q.getlist("action")
    if actions:
        rows = [r for r in rows if r.action in actions]
    with_detail = q.get("with_detail", "").lower() in ("true", "1", "yes")
    return json_response({"resources": [views.resource(a.base_url, stack, r, with_detail)
                                        for r in rows]})


async def show(request: Request) -> Response:
    a, ctx = begin(request, "resource:show")
    stack = await stack_of(request, a, ctx)
    name = request.path_params["resource_name"]
    rows = await a.engine.live_attributes(stack)
    for r in rows:
        if r.name == name:
            return json_response({"resource": views.resource(a.base_url, stack, r, True)})
    raise EntityNotFound(entity="Resource", name=name)


async def metadata(request: Request) -> Response:
    a, ctx = begin(request, "resource:metadata")
    stack = await stack_of(request, a, ctx)
    name = request.path_params["resource_name"]
    for r in await a.store.resources(stack.id):
        if r.name == name:
            return json_response({"metadata": r.metadata_ or {}})
    raise EntityNotFound(entity="Resource", name=name)
