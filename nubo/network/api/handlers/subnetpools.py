"""/v2.0/subnetpools, with add_prefixes/remove_prefixes (subnetpool-prefix-ops) and tags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content
from nubo.network import errors
from nubo.network.api import body, bulk, listing
from nubo.network.api.schemas import enforce
from nubo.network.api.schemas import subnetpools as schemas
from nubo.network.api.views import base as views
from nubo.network.api.wiring import api, check_project, if_match
from nubo.network.service import subnetpools
from nubo.network.service.ops import subnetpools as ops

CREATE = ("name", "description", "prefixes", "default_prefixlen", "min_prefixlen",
          "max_prefixlen", "default_quota", "is_default", "shared", "address_scope_id",
          "project_id", "tenant_id", "tags")
READ_ONLY = ("id", "ip_version", "shared", "project_id", "tenant_id")


def render(shown: Sequence[ops.Shown]) -> list[dict[str, Any]]:
    return [views.subnetpool(x.pool, x.prefixes, x.tags) for x in shown]


def _one(request: Request, item: dict[str, Any], status: int = 200) -> Response:
    fields = [f for fv in request.query_params.getlist("fields") for f in fv.split(",") if f]
    return json_response({"subnetpool": listing.project_fields(item, fields)}, status)


def _enforce_create(request: Request, ctx: RequestContext, a: dict[str, Any]) -> None:
    na = api(request)
    project = check_project(ctx, a)
    na.enforce(ctx, "create_subnetpool", {"project_id": project or ctx.project_id})
    if project and project != ctx.project_id:
        na.enforce(ctx, "admin_only")
    for k in ("shared", "is_default"):
        if a.get(k):
            na.enforce(ctx, f"create_subnetpool:{k}", {"project_id": project or ctx.project_id})


async def create(request: Request) -> Response:
    ctx = context(request)
    items, is_bulk = await bulk.resources(request, schemas.CREATE_POOL)
    for a in items:
        enforce.check(a, schemas.CREATE_POOL, ("name",))
        subnetpools.check_attrs(a)
        body.string(a, "project_id")
        body.string(a, "tenant_id")
        _enforce_create(request, ctx, a)
    out = render(await ops.create(api(request).db, ctx, items))
    if is_bulk:
        return json_response({"subnetpools": out}, 201)
    return _one(request, out[0], 201)


async def list_(request: Request) -> Response:
    ctx = context(request)
    items = render(await ops.list_(api(request).db, ctx))
    return listing.respond(request, "subnetpools", items, CREATE + ("ip_version",))


async def show(request: Request) -> Response:
    ctx = context(request)
    return _one(request, render([await ops.show(api(request).db, ctx,
                                                request.path_params["id"])])[0])


async def update(request: Request) -> Response:
    na, ctx = api(request), context(request)
    a = await body.resource(request, schemas.UPDATE_POOL)
    for k in READ_ONLY:
        if k in a:
            raise errors.bad_request(f"Cannot update read-only attribute {k}")
    enforce.check(a, schemas.CREATE_POOL, ("name",))
    subnetpools.check_attrs(a)
    shown = await ops.update(na.db, ctx, request.path_params["id"], a,
                             if_match(request),
                             lambda action, target: na.enforce(ctx, action, target))
    return _one(request, render([shown])[0])


async def delete(request: Request) -> Response:
    ctx = context(request)
    await ops.delete(api(request).db, ctx, request.path_params["id"],
                     if_match(request))
    return no_content()


async def _prefix_body(request: Request) -> list[Any]:
    """subnetpool-prefix-ops: `{"prefixes": [cidr, ...]}`, a non-empty list."""
    b = await body.document(request, schemas.PREFIX_OPS)
    prefixes = b.get("prefixes") if isinstance(b, dict) else None
    if not prefixes or not isinstance(prefixes, list):
        raise errors.bad_request("Request body contains invalid data")
    return prefixes


async def add_prefixes(request: Request) -> Response:
    ctx = context(request)
    new = await _prefix_body(request)
    out = await ops.add_prefixes(api(request).db, ctx, request.path_params["id"], new)
    return json_response({"prefixes": out})


async def remove_prefixes(request: Request) -> Response:
    ctx = context(request)
    gone = subnetpools.parse_prefixes(await _prefix_body(request))
    out = await ops.remove_prefixes(api(request).db, ctx, request.path_params["id"], gone)
    return json_response({"prefixes": out})
