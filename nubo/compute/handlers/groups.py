"""/os-server-groups (2.1 forms)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute.api import api
from nubo.compute.models_groups import ServerGroup
from nubo.core.http import context, json_response, no_content, read_json

CREATE = {"type": "object", "properties": {"server_group": {
    "type": "object", "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255,
                 "pattern": r"^(?! )[^\x00-\x1f]*(?<! )$"},
        "policies": {"type": "array", "minItems": 1, "maxItems": 1,
                     "items": {"type": "string"}, "uniqueItems": True}},
    "required": ["name", "policies"], "additionalProperties": False}},
    "required": ["server_group"], "additionalProperties": False}


def _view(g: ServerGroup, members: list[str]) -> dict[str, Any]:
    return {"id": g.id, "name": g.name, "policies": [g.policy], "members": members,
            "metadata": {}}


async def create(request: Request) -> Response:
    a, ctx = api(request), context(request)
    body = (await read_json(request, CREATE, a.max_body))["server_group"]
    a.enforce(ctx, "os_compute_api:os-server-groups:create", {"project_id": ctx.project_id})
    await a.quotas.check(ctx, ctx.project_id or "", ctx.user_id, {"server_groups": 1})
    g = await a.groups.create(ctx, body["name"], body["policies"])
    return json_response({"server_group": _view(g, [])})


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "os_compute_api:os-server-groups:index", {"project_id": ctx.project_id})
    everyone = "all_projects" in request.query_params
    groups = await a.groups.list_groups(ctx, everyone)
    members = await a.groups.members([g.id for g in groups])
    return json_response({"server_groups": [_view(g, members[g.id]) for g in groups]})


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    g = await a.groups.get(ctx, request.path_params["group_id"])
    a.enforce(ctx, "os_compute_api:os-server-groups:show", {"project_id": g.project_id})
    return json_response({"server_group": _view(g, (await a.groups.members([g.id]))[g.id])})


async def delete(request: Request) -> Response:
    a, ctx = api(request), context(request)
    g = await a.groups.get(ctx, request.path_params["group_id"])
    a.enforce(ctx, "os_compute_api:os-server-groups:delete", {"project_id": g.project_id})
    await a.groups.delete(ctx, g.id)
    return no_content()
