"""/v2.0/address-scopes (extension address-scope): CRUD with Neutron's attributes, checks,
messages and default policy (create by a member, shared only by an admin, update and delete
by the owner; a scope subnet pools use cannot be deleted)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.network.api import body, bulk, listing
from nubo.network.api.schemas import subnetpools as schemas
from nubo.network.api.views import base as views
from nubo.network.api.wiring import api, check_project
from nubo.network.service import address_scopes
from nubo.network.service.ops import subnetpools as ops

CREATE = ("name", "shared", "ip_version", "project_id", "tenant_id")


def _one(request: Request, item: dict[str, Any], status: int = 200) -> Response:
    fields = [f for fv in request.query_params.getlist("fields") for f in fv.split(",") if f]
    return json_response({"address_scope": listing.project_fields(item, fields)}, status)


async def create(request: Request) -> Response:
    na, ctx = api(request), context(request)
    items, is_bulk = await bulk.resources(request, schemas.CREATE_SCOPE)
    projects = []
    for a in items:
        address_scopes.check_attrs(a)
        body.string(a, "project_id")
        body.string(a, "tenant_id")
        project = check_project(ctx, a)
        na.enforce(ctx, "create_address_scope", {"project_id": project})
        if a.get("shared"):
            na.enforce(ctx, "create_address_scope:shared", {"project_id": project})
        projects.append(project)
    made = await ops.create_scopes(na.db, list(zip(projects, items, strict=True)))
    out = [views.address_scope(a) for a in made]
    if is_bulk:
        return json_response({"address_scopes": out}, 201)
    return _one(request, out[0], 201)


async def list_(request: Request) -> Response:
    ctx = context(request)
    items = [views.address_scope(a) for a in await ops.list_scopes(api(request).db, ctx)]
    return listing.respond(request, "address_scopes", items, CREATE)


async def show(request: Request) -> Response:
    ctx = context(request)
    a = await ops.show_scope(api(request).db, ctx, request.path_params["id"])
    return _one(request, views.address_scope(a))


async def update(request: Request) -> Response:
    na, ctx = api(request), context(request)
    a = await body.resource(request, schemas.UPDATE_SCOPE)
    address_scopes.check_update(a)
    row = await ops.update_scope(na.db, ctx, request.path_params["id"], a,
                                 lambda action, target: na.enforce(ctx, action, target))
    return _one(request, views.address_scope(row))


async def delete(request: Request) -> Response:
    na, ctx = api(request), context(request)
    await ops.delete_scope(na.db, ctx, request.path_params["id"],
                           lambda action, target: na.enforce(ctx, action, target))
    return no_content()
