"""/os-security-groups and /os-security-group-rules: Nova's proxy onto Neutron's security
groups, to microversion 2.35 (the routes are 404 from 2.36, as Nova's)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.wiring import ComputeApi, api
from nubo.compute.service.proxy_secgroups import SecurityGroupProxy, check_property
from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content, read_json


def _proxy(request: Request, action: str) -> tuple[ComputeApi, RequestContext,
                                                   SecurityGroupProxy]:
    a, ctx = api(request), context(request)
    a.enforce(ctx, f"os_compute_api:os-security-groups:{action}",
              {"project_id": ctx.project_id})
    return a, ctx, SecurityGroupProxy(a.db)


async def _from_body(request: Request, a: ComputeApi, key: str) -> dict[str, Any]:
    """Nova's _from_body: a 400 for an empty body or a missing or non-object `key`."""
    body = await read_json(request, None, a.max_body)
    if not body:
        raise errors.RequestBodyEmpty()
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise errors.MissingParameter(param=key)
    return value


def _limited(items: list[dict[str, Any]], query: Any) -> list[dict[str, Any]]:
    """Nova's common.limited: offset and limit as non-negative integers."""
    bounds = {}
    for key in ("offset", "limit"):
        raw = query.get(key)
        if raw is None:
            continue
        try:
            bounds[key] = int(raw)
        except ValueError:
            raise errors.ParamNotInteger(param=key) from None
        if bounds[key] < 0:
            raise errors.ParamNotPositive(param=key)
    start = bounds.get("offset", 0)
    limit = bounds.get("limit") or len(items)
    return items[start:start + limit]


async def list_(request: Request) -> Response:
    _, ctx, proxy = _proxy(request, "get")
    groups = await proxy.list(ctx, dict(request.query_params))
    return json_response({"security_groups": _limited(groups, request.query_params)})


async def show(request: Request) -> Response:
    _, ctx, proxy = _proxy(request, "show")
    return json_response({"security_group": await proxy.show(
        ctx, request.path_params["group_id"])})


async def create(request: Request) -> Response:
    a, ctx, proxy = _proxy(request, "create")
    body = await _from_body(request, a, "security_group")
    name = check_property(body.get("name"), "name")
    description = check_property(body.get("description"), "description")
    return json_response({"security_group": await proxy.create(ctx, name, description)})


async def update(request: Request) -> Response:
    a, ctx, proxy = _proxy(request, "update")
    body = await _from_body(request, a, "security_group")
    name = check_property(body.get("name"), "name")
    description = check_property(body.get("description"), "description")
    return json_response({"security_group": await proxy.update(
        ctx, request.path_params["group_id"], name, description)})


async def delete(request: Request) -> Response:
    _, ctx, proxy = _proxy(request, "delete")
    await proxy.delete(ctx, request.path_params["group_id"])
    return no_content(202)


async def not_found(request: Request) -> Response:
    """DELETE without an id: Nova has no such route, so a 404 (not a 405)."""
    raise errors.ResourceNotFound()


async def rule_create(request: Request) -> Response:
    a, ctx, proxy = _proxy(request, "rule:create")
    body = await _from_body(request, a, "security_group_rule")
    return json_response({"security_group_rule": await proxy.create_rule(ctx, body)})


async def rule_delete(request: Request) -> Response:
    _, ctx, proxy = _proxy(request, "rule:delete")
    await proxy.delete_rule(ctx, request.path_params["rule_id"])
    return no_content(202)
