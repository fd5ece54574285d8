"""/v2.0/subnetpools, with add_prefixes/remove_prefixes (subnetpool-prefix-ops) and tags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content
from nubo.network import errors
from nubo.network.api import attrs, body, bulk, listing
from nubo.network.api.schemas import subnetpools as schemas
from nubo.network.api.views import base as views
from nubo.network.api.wiring import api, check_project
from nubo.network.models_subnetpools import SubnetPool
from nubo.network.service import subnetpools

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

CREATE = ("name", "description", "prefixes", "default_prefixlen", "min_prefixlen",
          "max_prefixlen", "default_quota", "is_default", "shared", "address_scope_id",
          "project_id", "tenant_id", "tags")
READ_ONLY = ("id", "ip_version", "shared", "project_id", "tenant_id")


async def render(s: AsyncSession, rows: Sequence[SubnetPool]) -> list[dict[str, Any]]:
    ids = [p.id for p in rows]
    prefixes = await subnetpools.prefixes_of(s, ids)
    tags = await attrs.tags_of(s, "subnetpools", ids)
    return [views.subnetpool(p, prefixes[p.id], tags[p.id]) for p in rows]


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
        subnetpools.check_attrs(a)
        body.string(a, "project_id")
        body.string(a, "tenant_id")
        _enforce_create(request, ctx, a)
    async with api(request).db.write() as s:
        made = [await subnetpools.create_pool(s, ctx, a) for a in items]
        out = await render(s, made)
    if is_bulk:
        return json_response({"subnetpools": out}, 201)
    return _one(request, out[0], 201)


async def list_(request: Request) -> Response:
    ctx = context(request)
    async with api(request).db.read() as s:
        items = await render(s, await subnetpools.list_pools(s, ctx))
    return listing.respond(request, "subnetpools", items, CREATE + ("ip_version",))


async def show(request: Request) -> Response:
    ctx = context(request)
    async with api(request).db.read() as s:
        p = await subnetpools.get_pool(s, ctx, request.path_params["id"])
        out = (await render(s, [p]))[0]
    return _one(request, out)


async def update(request: Request) -> Response:
    na, ctx = api(request), context(request)
    a = await body.resource(request, schemas.UPDATE_POOL)
    for k in READ_ONLY:
        if k in a:
            raise errors.bad_request(f"Cannot update read-only attribute {k}")
    subnetpools.check_attrs(a)
    async with na.db.write() as s:
        p = await subnetpools.get_pool(s, ctx, request.path_params["id"])
        subnetpools.check_owner(ctx, p, "update_subnetpool")
        if "is_default" in a and a["is_default"] != p.is_default:
            na.enforce(ctx, "update_subnetpool:is_default", {"project_id": p.project_id})
        attrs.check_if_match(request, p)
        p = await subnetpools.update_pool(s, ctx, p, a)
        out = (await render(s, [p]))[0]
    return _one(request, out)


async def delete(request: Request) -> Response:
    ctx = context(request)
    async with api(request).db.write() as s:
        p = await subnetpools.get_pool(s, ctx, request.path_params["id"])
        subnetpools.check_owner(ctx, p, "delete_subnetpool")
        attrs.check_if_match(request, p)
        await subnetpools.delete_pool(s, p)
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
    async with api(request).db.write() as s:
        p = await subnetpools.get_pool(s, ctx, request.path_params["id"])
        subnetpools.check_owner(ctx, p, "add_prefixes")
        have = (await subnetpools.prefixes_of(s, [p.id]))[p.id]
        await subnetpools.update_pool(s, ctx, p, {"prefixes": have + new})
        out = (await subnetpools.prefixes_of(s, [p.id]))[p.id]
    return json_response({"prefixes": out})


async def remove_prefixes(request: Request) -> Response:
    ctx = context(request)
    gone = subnetpools.parse_prefixes(await _prefix_body(request))
    async with api(request).db.write() as s:
        p = await subnetpools.get_pool(s, ctx, request.path_params["id"])
        subnetpools.check_owner(ctx, p, "remove_prefixes")
        await subnetpools.remove_prefixes(s, p, gone)
        out = (await subnetpools.prefixes_of(s, [p.id]))[p.id]
    return json_response({"prefixes": out})


async def access(session: AsyncSession, ctx: RequestContext, rid: str, write: bool) -> None:
    """Who may see and tag a subnet pool (attrs.TAGGABLE)."""
    p = await subnetpools.get_pool(session, ctx, rid)
    if write:
        subnetpools.check_owner(ctx, p, "update_subnetpool")
