"""Events of a stack (its own, the stack-level ones `stack create --wait` waits for, and its
resources') and of one resource."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response
from nubo.orchestration.api import views
from nubo.orchestration.api.handlers.common import begin, stack_of
from nubo.orchestration.errors import EntityNotFound, HTTPBadRequest


async def list_(request: Request) -> Response:
    a, ctx = begin(request, "events:index")
    stack = await stack_of(request, a, ctx)
    q = request.query_params
    name = request.path_params.get("resource_name")
    if name is not None and name != stack.name and name not in {
            r.name for r in await a.store.resources(stack.id, with_replaced=True)}:
        raise EntityNotFound(entity="Resource", name=name)
    limit = q.get("limit")
    if limit is not None and not limit.isdigit():
        raise HTTPBadRequest(msg="Only integer is acceptable by 'limit'.")
    sort_dir = q.get("sort_dir", "asc")
    if sort_dir not in ("asc", "desc"):
        raise HTTPBadRequest(msg="Unknown sort direction, must be one of: asc, desc")
    filters = {k: q.getlist(k) for k in ("resource_status", "resource_action",
                                         "resource_name", "resource_type") if k in q}
    rows = await a.store.events(stack.id, name, q.get("marker"),
                                int(limit) if limit else None, sort_dir, filters)
    return json_response({"events": [views.event(a.base_url, stack, e) for e in rows]})


async def show(request: Request) -> Response:
    a, ctx = begin(request, "events:show")
    stack = await stack_of(request, a, ctx)
    e = await a.store.event(stack.id, request.path_params["event_id"])
    if e is None or e.resource_name != request.path_params["resource_name"]:
        raise EntityNotFound(entity="Event", name=request.path_params["event_id"])
    return json_response({"event": views.event(a.base_url, stack, e, full=True)})
