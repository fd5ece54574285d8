"""/stacks/{name}/{id}/resources: list, show, metadata."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response
from nubo.orchestration.api import views
from nubo.orchestration.api.handlers.common import begin, stack_of
from nubo.orchestration.errors import EntityNotFound, HTTPBadRequest
from nubo.orchestration.models import Stack, StackResource

#: the types whose physical id is a child stack
NESTING = ("OS::Heat::ResourceGroup", "OS::Heat::Stack")


async def list_(request: Request) -> Response:
    a, ctx = begin(request, "resource:index")
    stack = await stack_of(request, a, ctx)
    q = request.query_params
    depth = q.get("nested_depth", "0")
    if not depth.isdigit():
        raise HTTPBadRequest(msg="Only integer is acceptable by 'nested_depth'.")
    found: list[tuple[Stack, StackResource, str | None]] = [
        (stack, r, None) for r in await a.store.resources(stack.id)]
    # the resources of child stacks, down to nested_depth (Heat's parent_resource)
    level = found
    for _ in range(min(int(depth), 20)):
        deeper: list[tuple[Stack, StackResource, str | None]] = []
        for _s, r, _p in level:
            if r.type not in NESTING and not r.type.endswith((".yaml", ".yml", ".template")) \
                    or not r.physical_id:
                continue
            child = await a.store.get(r.physical_id)
            if child is None or child.deleted_at is not None:
                continue
            deeper += [(child, x, r.name) for x in await a.store.resources(child.id)]
        found += deeper
        level = deeper
    owner = {r.id: (s, p) for s, r, p in found}
    rows = [r for _s, r, _p in found]
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
    return json_response({"resources": [
        views.resource(a.base_url, owner[r.id][0], r, with_detail, owner[r.id][1])
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
