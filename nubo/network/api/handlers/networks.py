"""Networks over HTTP: context, policy, the body read against its schema, the service
(network/service/networks.py), the view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.errors import PolicyNotAuthorized
from nubo.core.http import context, json_response, no_content
from nubo.network import models as m
from nubo.network.api import attrs, body, bulk, listing
from nubo.network.api.schemas import networks as schemas
from nubo.network.api.views import base as views
from nubo.network.api.wiring import api, check_project, get_network
from nubo.network.service import networks
from nubo.network.service.networks import PROVIDER

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def _enforce_attrs(request: Request, verb: str, a: dict[str, Any], target: dict[str, Any]
                   ) -> None:
    na, ctx = api(request), context(request)
    na.enforce(ctx, f"{verb}_network", target)
    for k in ("shared", "router:external", *PROVIDER):
        if k in a and not (verb == "update" and k in ("shared", "router:external") and
                           a[k] == target.get(k)):
            na.enforce(ctx, f"{verb}_network:{k}", target)


async def render(session: AsyncSession, ctx: RequestContext, nets: Sequence[m.Network]
                 ) -> list[dict[str, Any]]:
    segs, subnets, tags, scopes = await networks.details(session, nets)
    return [views.network(n, segs.get(n.id), subnets[n.id], tags[n.id], ctx.is_admin,
                          scopes[n.id]) for n in nets]


# ---------------------------------------------------------------------------------- handlers

async def create(request: Request) -> Response:
    na, ctx = api(request), context(request)
    items, is_bulk = await bulk.resources(request, schemas.CREATE)
    for a in items:
        networks.check_attrs(a)
        project = check_project(ctx, a)
        _enforce_attrs(request, "create", a, {"project_id": project})
    vni = (na.settings.network_vni_min, na.settings.network_vni_max)
    async with na.db.write() as s:
        made = [await networks.create_network(s, ctx, a, vni) for a in items]
        views_ = await render(s, ctx, made)
    if is_bulk:
        return json_response({"networks": views_}, 201)
    return json_response({"network": views_[0]}, 201)


async def list_(request: Request) -> Response:
    na, ctx = api(request), context(request)
    async with na.db.read() as s:
        items = await render(s, ctx, await networks.list_networks(s, ctx))
    return listing.respond(request, "networks", items, extra_filters=PROVIDER)


async def show(request: Request) -> Response:
    na, ctx = api(request), context(request)
    async with na.db.read() as s:
        n = await get_network(s, ctx, request.path_params["network_id"])
        view = (await render(s, ctx, [n]))[0]
    fields = listing.multi(request).get("fields", [])
    return json_response({"network": listing.project_fields(view, fields)})


async def update(request: Request) -> Response:
    na, ctx = api(request), context(request)
    a = await body.resource(request, schemas.UPDATE)
    networks.check_attrs(a)
    async with na.db.write() as s:
        n = await get_network(s, ctx, request.path_params["network_id"])
        target = {"project_id": n.project_id, "shared": n.shared, "router:external": n.external}
        _enforce_attrs(request, "update", a, target)
        attrs.check_if_match(request, n)
        await networks.update_network(s, n, a)
        view = (await render(s, ctx, [n]))[0]
    return json_response({"network": view})


async def delete(request: Request) -> Response:
    na, ctx = api(request), context(request)
    async with na.db.write() as s:
        n = await get_network(s, ctx, request.path_params["network_id"])
        na.enforce(ctx, "delete_network", {"project_id": n.project_id})
        attrs.check_if_match(request, n)
        await networks.delete(s, n)
    return no_content()


async def access(session: AsyncSession, ctx: RequestContext, rid: str, write: bool) -> None:
    """Who may see and tag a network (attrs.TAGGABLE)."""
    n = await get_network(session, ctx, rid)
    if write and not (ctx.is_admin or n.project_id == ctx.project_id):
        raise PolicyNotAuthorized("update_network")
