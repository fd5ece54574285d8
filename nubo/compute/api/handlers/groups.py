"""/os-server-groups: 2.13 shows project_id and user_id, 2.15 allows the soft policies,
2.64 takes one `policy` plus `rules` (anti-affinity's max_server_per_host) instead of a
`policies` list."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.wiring import api
from nubo.compute.models_groups import ServerGroup
from nubo.compute.service.groups import rules_view
from nubo.core.http import context, json_response, no_content, read_json, version
from nubo.core.microversion import APIVersion
from nubo.core.validation import validate

CREATE = {"type": "object", "properties": {"server_group": {
    "type": "object", "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255,
                 "pattern": r"^(?! )[^\x00-\x1f]*(?<! )$"},
        "policies": {"type": "array", "minItems": 1, "maxItems": 1,
                     "items": {"type": "string"}, "uniqueItems": True}},
    "required": ["name", "policies"], "additionalProperties": False}},
    "required": ["server_group"], "additionalProperties": False}


CREATE_264 = {"type": "object", "properties": {"server_group": {
    "type": "object", "properties": {
        "name": CREATE["properties"]["server_group"]["properties"]["name"],  # type: ignore
        "policy": {"type": "string", "enum": ["anti-affinity", "affinity",
                                              "soft-anti-affinity", "soft-affinity"]},
        "rules": {"type": "object", "properties": {"max_server_per_host": {
            "type": ["integer", "string"], "pattern": "^[0-9]*$", "minimum": 1,
            "minLength": 1}},
            "additionalProperties": False}},
    "required": ["name", "policy"], "additionalProperties": False}},
    "required": ["server_group"], "additionalProperties": False}


def _view(g: ServerGroup, members: list[str], ver: APIVersion) -> dict[str, Any]:
    out: dict[str, Any] = {"id": g.id, "name": g.name, "members": members}
    if ver >= APIVersion(2, 64):
        out.update({"policy": g.policy, "rules": rules_view(g)})
    else:
        out.update({"policies": [g.policy], "metadata": {}})
    if ver >= APIVersion(2, 13):
        out.update({"project_id": g.project_id, "user_id": g.user_id})
    return out


def _policies(body: dict[str, Any], ver: APIVersion) -> tuple[list[str], dict[str, int]]:
    if ver < APIVersion(2, 64):
        if ver < APIVersion(2, 15) and body["policies"][0].startswith("soft-"):
            raise errors.SoftPoliciesNeedMicroversion(policies=body['policies'])
        return list(body["policies"]), {}
    rules = body.get("rules") or {}
    if rules and body["policy"] != "anti-affinity":
        raise errors.RulesOnlyForAntiAffinity()
    if "max_server_per_host" in rules:
        n = int(rules["max_server_per_host"])
        if n < 1:   # "0" passes Nova's schema (minimum binds integers only)
            raise errors.InvalidMaxServerPerHost(value=rules['max_server_per_host'])
        return [body["policy"]], {"max_server_per_host": n}
    return [body["policy"]], {}


async def create(request: Request) -> Response:
    a, ctx, ver = api(request), context(request), version(request)
    raw = await read_json(request, None, a.max_body)
    validate(CREATE_264 if ver >= APIVersion(2, 64) else CREATE, raw)
    body = raw["server_group"]
    a.enforce(ctx, "os_compute_api:os-server-groups:create", {"project_id": ctx.project_id})
    policies, rules = _policies(body, ver)
    await a.quotas.check(ctx, ctx.project_id or "", ctx.user_id, {"server_groups": 1})
    g = await a.groups.create(ctx, body["name"], policies, rules)
    return json_response({"server_group": _view(g, [], ver)})


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "os_compute_api:os-server-groups:index", {"project_id": ctx.project_id})
    everyone = "all_projects" in request.query_params
    groups = await a.groups.list_groups(ctx, everyone)
    members = await a.groups.members([g.id for g in groups])
    ver = version(request)
    return json_response({"server_groups": [_view(g, members[g.id], ver) for g in groups]})


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    g = await a.groups.get(ctx, request.path_params["group_id"])
    a.enforce(ctx, "os_compute_api:os-server-groups:show", {"project_id": g.project_id})
    return json_response({"server_group": _view(g, (await a.groups.members([g.id]))[g.id],
                                                version(request))})


async def delete(request: Request) -> Response:
    a, ctx = api(request), context(request)
    g = await a.groups.get(ctx, request.path_params["group_id"])
    a.enforce(ctx, "os_compute_api:os-server-groups:delete", {"project_id": g.project_id})
    await a.groups.delete(ctx, g.id)
    return no_content()
