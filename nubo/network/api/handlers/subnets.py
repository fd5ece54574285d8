"""Subnets: CIDR, gateway and allocation pools checked with Neutron's messages; the network's
DHCP port (device_owner network:dhcp) holds one address on every DHCP-enabled subnet, as
Neutron's DHCP agent makes it (the dataplane serves DHCP from that address)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content
from nubo.network import models as m
from nubo.network.api import attrs, body, bulk, listing
from nubo.network.api.schemas import subnets as schemas
from nubo.network.api.views import base as views
from nubo.network.api.wiring import api, check_network_ownership, check_project, get_network
from nubo.network.service import subnets
from nubo.network.service.subnets import get_subnet

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["access", "create", "delete", "get_subnet", "list_", "render", "show", "update"]


async def render(session: AsyncSession, subs: Sequence[m.Subnet]) -> list[dict[str, Any]]:
    tags = await attrs.tags_of(session, "subnets", [s.id for s in subs])
    return [views.subnet(s, tags[s.id]) for s in subs]


def _enforce(request: Request, action: str, net: m.Network) -> None:
    api(request).enforce(context(request), action, {
        "project_id": net.project_id, "network:project_id": net.project_id})


async def create(request: Request) -> Response:
    na, ctx = api(request), context(request)
    items, is_bulk = await bulk.resources(request, schemas.CREATE)
    for a in items:
        subnets.check_create(a)
    made = []
    async with na.db.write() as s:
        for a in items:
            project = check_project(ctx, a)
            net = await get_network(s, ctx, a["network_id"])
            check_network_ownership(ctx, net, project, "subnet")
            _enforce(request, "create_subnet", net)
            if project != ctx.project_id:
                na.enforce(ctx, "admin_only")
            made.append(await subnets.create_subnet(s, ctx, a))
            attrs.touch(net)
        views_ = await render(s, made)
    if is_bulk:
        return json_response({"subnets": views_}, 201)
    return json_response({"subnet": views_[0]}, 201)


async def list_(request: Request) -> Response:
    na, ctx = api(request), context(request)
    async with na.db.read() as s:
        items = await render(s, await subnets.list_subnets(s, ctx))
    return listing.respond(request, "subnets", items)


async def show(request: Request) -> Response:
    na, ctx = api(request), context(request)
    async with na.db.read() as s:
        sub = await get_subnet(s, ctx, request.path_params["subnet_id"])
        view = (await render(s, [sub]))[0]
    fields = listing.multi(request).get("fields", [])
    return json_response({"subnet": listing.project_fields(view, fields)})


async def update(request: Request) -> Response:
    na, ctx = api(request), context(request)
    a = await body.resource(request, schemas.UPDATE)
    subnets.check_update(a)
    async with na.db.write() as s:
        sub = await get_subnet(s, ctx, request.path_params["subnet_id"])
        _enforce(request, "update_subnet", await subnets.network_of(s, sub))
        attrs.check_if_match(request, sub)
        await subnets.update_subnet(s, ctx, sub, a)
        view = (await render(s, [sub]))[0]
    return json_response({"subnet": view})


async def delete(request: Request) -> Response:
    na, ctx = api(request), context(request)
    async with na.db.write() as s:
        sub = await get_subnet(s, ctx, request.path_params["subnet_id"])
        _enforce(request, "delete_subnet", await subnets.network_of(s, sub))
        attrs.check_if_match(request, sub)
        await subnets.delete_subnet(s, sub)
    return no_content()


async def access(session: AsyncSession, ctx: RequestContext, rid: str, write: bool) -> None:
    """Who may see and tag a subnet (attrs.TAGGABLE)."""
    sub = await get_subnet(session, ctx, rid)
    if write and not (ctx.is_admin or sub.project_id == ctx.project_id):
        from nubo.core.errors import PolicyNotAuthorized
        raise PolicyNotAuthorized("update_subnet")
