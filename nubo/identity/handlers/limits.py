"""/v3/registered_limits and /v3/limits (Keystone's keystone/api/registered_limits.py and
limits.py)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.errors import NotFound
from nubo.core.http import context, json_response, no_content
from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.handlers.common import IdentityApi, api, body, qfilters
from nubo.identity.schemas import limits as schemas


def _registered(a: IdentityApi, r: m.RegisteredLimit) -> dict[str, Any]:
    return {"id": r.id, "service_id": r.service_id, "region_id": r.region_id,
            "resource_name": r.resource_name, "default_limit": r.default_limit,
            "description": r.description, "links": a.views.link(f"registered_limits/{r.id}")}


def _limit(a: IdentityApi, x: m.Limit) -> dict[str, Any]:
    return {"id": x.id, "project_id": x.project_id, "domain_id": x.domain_id,
            "service_id": x.service_id, "region_id": x.region_id,
            "resource_name": x.resource_name, "resource_limit": x.resource_limit,
            "description": x.description, "links": a.views.link(f"limits/{x.id}")}


async def list_registered(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:list_registered_limits")
    found = await a.limits.list_registered(
        qfilters(request, "service_id", "region_id", "resource_name"))
    return json_response(a.views.collection(
        "registered_limits", [_registered(a, r) for r in found], "registered_limits"))


async def create_registered(request: Request) -> Response:
    a = api(request)
    data = await body(request, schemas.REGISTERED_LIMITS_CREATE)
    a.enforce(context(request), "identity:create_registered_limits")
    made = await a.limits.create_registered(data["registered_limits"])
    return json_response({"registered_limits": [_registered(a, r) for r in made]}, 201)


async def get_registered(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:get_registered_limit")
    r = await a.limits.get_registered(request.path_params["registered_limit_id"])
    return json_response({"registered_limit": _registered(a, r)})


async def update_registered(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.REGISTERED_LIMIT_UPDATE))["registered_limit"]
    a.enforce(context(request), "identity:update_registered_limit")
    r = await a.limits.update_registered(request.path_params["registered_limit_id"], data)
    return json_response({"registered_limit": _registered(a, r)})


async def delete_registered(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:delete_registered_limit")
    await a.limits.delete_registered(request.path_params["registered_limit_id"])
    return no_content()


async def model(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:get_limit_model")
    return json_response({"model": a.limits.model_info()})


async def list_limits(request: Request) -> Response:
    """Everyone may list; what they see is Keystone's: admins (and system and service
    users) all, a domain-scoped token its domain's and its projects' limits, a project-scoped
    token its project's."""
    a, ctx = api(request), context(request)
    a.enforce(ctx, "identity:list_limits")
    f = qfilters(request, "service_id", "region_id", "resource_name", "project_id",
                 "domain_id")
    if ctx.system_scope or ctx.has_role("admin") or ctx.has_role("service"):
        found = await a.limits.list_limits(f)
    elif ctx.domain_id:
        projects = {p.id for p in await a.identity.list_projects(domain_id=ctx.domain_id)}
        found = [x for x in await a.limits.list_limits(f)
                 if x.project_id in projects or (x.project_id is None
                                                 and x.domain_id == ctx.domain_id)]
    elif ctx.project_id:
        found = await a.limits.list_limits(f | {"project_id": ctx.project_id}) \
            if f.get("project_id", ctx.project_id) == ctx.project_id else []
    else:
        found = []
    return json_response(a.views.collection("limits", [_limit(a, x) for x in found],
                                            "limits"))


async def create_limits(request: Request) -> Response:
    a = api(request)
    data = await body(request, schemas.LIMITS_CREATE)
    a.enforce(context(request), "identity:create_limits")
    made = await a.limits.create_limits(data["limits"])
    return json_response({"limits": [_limit(a, x) for x in made]}, 201)


async def get_limit(request: Request) -> Response:
    a, ctx = api(request), context(request)
    lid = request.path_params["limit_id"]
    target: dict[str, Any] = {}
    try:
        x = await a.limits.get_limit(lid)
    except NotFound:
        x = None
    if x is not None:
        # only what the limit has: a missing key fails its check, a None would match a
        # token's missing domain or project (as in Keystone's target)
        if x.project_id:
            p = await a.identity.get_project(x.project_id)
            target = {"target.limit.project_id": x.project_id,
                      "target.limit.project.domain_id": p.domain_id}
        else:
            target = {"target.limit.domain.id": x.domain_id}
    a.enforce(ctx, "identity:get_limit", target)
    if x is None:
        raise errors.LimitNotFound(id=lid)
    return json_response({"limit": _limit(a, x)})


async def update_limit(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.LIMIT_UPDATE))["limit"]
    a.enforce(context(request), "identity:update_limit")
    x = await a.limits.update_limit(request.path_params["limit_id"], data)
    return json_response({"limit": _limit(a, x)})


async def delete_limit(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:delete_limit")
    await a.limits.delete_limit(request.path_params["limit_id"])
    return no_content()
