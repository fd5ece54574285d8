"""/v2.0/routers (with add/remove_router_interface and add/remove_extraroutes) and
/v2.0/floatingips."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content
from nubo.network.api import attrs, body, listing
from nubo.network.api.schemas import routers as schemas
from nubo.network.api.views import l3 as views
from nubo.network.models_l3 import FloatingIP, Router
from nubo.network.service import floatingips, router_interfaces, routers

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

ROUTER_ATTRS = ("name", "description", "admin_state_up", "external_gateway_info",
                "project_id", "tenant_id", "routes", "availability_zone_hints", "tags")
FIP_ATTRS = ("floating_network_id", "floating_ip_address", "subnet_id", "port_id",
             "fixed_ip_address", "description", "project_id", "tenant_id", "tags")
GW_KEYS = {"network_id", "enable_snat", "external_fixed_ips"}


def _db(request: Request) -> Any:
    return request.scope["nubo.state"].db


def _one(request: Request, key: str, item: dict[str, Any], status: int = 200) -> Response:
    fields = [f for fv in request.query_params.getlist("fields") for f in fv.split(",") if f]
    return json_response({key: listing.project_fields(item, fields)}, status)


# ------------------------------------------------------------------------------- routers

async def _render_routers(s: AsyncSession, ctx: RequestContext,
                          rows: list[Router]) -> list[dict[str, Any]]:
    gws, ips, tags = await routers.details(s, rows)
    return [views.router(r, gws.get(r.id), ips.get(r.gw_port_id or "", []), tags[r.id],
                         ctx.is_admin) for r in rows]


def _router_attrs(a: dict[str, Any]) -> dict[str, Any]:
    for k in ("name", "project_id", "tenant_id"):
        body.string(a, k)
    body.string(a, "description", nullable=True)
    body.boolean(a, "admin_state_up")
    gw = a.get("external_gateway_info")
    if gw is not None:
        if not isinstance(gw, dict):
            raise _bad_gw(gw)
        if gw:
            unknown = set(gw) - GW_KEYS
            if unknown or "network_id" not in gw:
                raise _bad_gw(gw)
            body.uuid_or_none(gw, "network_id")
            body.boolean(gw, "enable_snat")
            fixed = gw.get("external_fixed_ips")
            if fixed is not None and (not isinstance(fixed, list) or
                                      not all(isinstance(f, dict) for f in fixed)):
                raise _bad_gw(gw)
    return a


def _bad_gw(gw: Any) -> Exception:
    from nubo.network import errors
    return errors.bad_request(f"Invalid input for external_gateway_info. Reason: Validation "
                              f"of dictionary's keys failed. Expected keys: {{'network_id'}} "
                              f"Provided keys: {set(gw) if isinstance(gw, dict) else gw}.")


async def list_routers(request: Request) -> Response:
    ctx = context(request)
    async with _db(request).read() as s:
        items = await _render_routers(s, ctx, await routers.list_routers(s, ctx))
    return listing.respond(request, "routers", items, ROUTER_ATTRS + (
        "routes", "availability_zones"))


async def create_router(request: Request) -> Response:
    ctx = context(request)
    a = _router_attrs(await body.resource(request, schemas.CREATE_ROUTER))
    async with _db(request).write() as s:
        r = await routers.create_router(s, ctx, a)
        if a.get("routes"):
            r.routes = await routers.check_routes(s, r, a["routes"])
        if a.get("tags"):
            await attrs.set_tags(s, "routers", r.id, a["tags"])
        out = (await _render_routers(s, ctx, [r]))[0]
    return _one(request, "router", out, 201)


async def show_router(request: Request) -> Response:
    ctx = context(request)
    async with _db(request).read() as s:
        r = await routers.get_router(s, ctx, request.path_params["id"])
        out = (await _render_routers(s, ctx, [r]))[0]
    return _one(request, "router", out)


async def update_router(request: Request) -> Response:
    ctx = context(request)
    a = _router_attrs(await body.resource(request, schemas.UPDATE_ROUTER))
    async with _db(request).write() as s:
        r = await routers.get_router(s, ctx, request.path_params["id"])
        attrs.check_if_match(request, r)
        r = await routers.update_router(s, ctx, r, a)
        out = (await _render_routers(s, ctx, [r]))[0]
    return _one(request, "router", out)


async def delete_router(request: Request) -> Response:
    ctx = context(request)
    async with _db(request).write() as s:
        r = await routers.get_router(s, ctx, request.path_params["id"])
        attrs.check_if_match(request, r)
        await routers.delete_router(s, ctx, r)
    return no_content()


async def add_interface(request: Request) -> Response:
    ctx = context(request)
    info = await body.document(request, schemas.INTERFACE)
    async with _db(request).write() as s:
        r = await routers.get_router(s, ctx, request.path_params["id"])
        out = await router_interfaces.add(s, ctx, r, info)
    return json_response(out)


async def remove_interface(request: Request) -> Response:
    ctx = context(request)
    info = await body.document(request, schemas.INTERFACE)
    async with _db(request).write() as s:
        r = await routers.get_router(s, ctx, request.path_params["id"])
        out = await router_interfaces.remove(s, ctx, r, info)
    return json_response(out)


async def _extraroutes(request: Request, add: bool) -> Response:
    ctx = context(request)
    a = await body.resource(request, schemas.EXTRAROUTES)
    async with _db(request).write() as s:
        r = await routers.get_router(s, ctx, request.path_params["id"])
        if add:
            await routers.add_routes(s, r, a["routes"])
        else:
            await routers.remove_routes(s, r, a["routes"])
        out = (await _render_routers(s, ctx, [r]))[0]
    return json_response({"router": out})


async def add_extraroutes(request: Request) -> Response:
    return await _extraroutes(request, True)


async def remove_extraroutes(request: Request) -> Response:
    return await _extraroutes(request, False)


# --------------------------------------------------------------------------- floating IPs

async def _render_fips(s: AsyncSession, rows: list[FloatingIP]) -> list[dict[str, Any]]:
    from nubo.network.service import port_forwardings
    fixed, ips, tags, forwards = await port_forwardings.fip_details(s, rows)
    return [views.floatingip(f, fixed.get(f.id), ips.get(f.fixed_port_id or "", []), tags[f.id],
                             [port_forwardings.fip_view(p) for p in forwards[f.id]])
            for f in rows]


def _fip_attrs(a: dict[str, Any]) -> dict[str, Any]:
    body.uuid(a, "floating_network_id")
    for key in ("subnet_id", "port_id"):
        body.uuid_or_none(a, key)
    for key in ("floating_ip_address", "fixed_ip_address"):
        if a.get(key) is not None:
            _ip(a, key)
    body.string(a, "description", nullable=True)
    body.string(a, "project_id")
    body.string(a, "tenant_id")
    return a


def _ip(a: dict[str, Any], key: str) -> None:
    import ipaddress

    from nubo.network import errors
    try:
        a[key] = str(ipaddress.ip_address(str(a[key])))
    except ValueError:
        raise errors.bad_request(f"Invalid input for {key}. Reason: '{a[key]}' is not a valid "
                                 "IP address.") from None


async def list_fips(request: Request) -> Response:
    ctx = context(request)
    async with _db(request).read() as s:
        items = await _render_fips(s, await floatingips.list_fips(s, ctx))
    return listing.respond(request, "floatingips", items, FIP_ATTRS + (
        "router_id", "status", "port_details", "dns_name", "dns_domain"))


async def create_fip(request: Request) -> Response:
    ctx = context(request)
    a = _fip_attrs(await body.resource(request, schemas.CREATE_FIP))
    async with _db(request).write() as s:
        f = await floatingips.create_fip(s, ctx, a)
        if a.get("tags"):
            await attrs.set_tags(s, "floatingips", f.id, a["tags"])
        out = (await _render_fips(s, [f]))[0]
    return _one(request, "floatingip", out, 201)


async def show_fip(request: Request) -> Response:
    ctx = context(request)
    async with _db(request).read() as s:
        f = await floatingips.get_fip(s, ctx, request.path_params["id"])
        out = (await _render_fips(s, [f]))[0]
    return _one(request, "floatingip", out)


async def update_fip(request: Request) -> Response:
    ctx = context(request)
    a = _fip_attrs(await body.resource(request, schemas.UPDATE_FIP))
    async with _db(request).write() as s:
        f = await floatingips.get_fip(s, ctx, request.path_params["id"])
        attrs.check_if_match(request, f)
        f = await floatingips.update_fip(s, ctx, f, a)
        out = (await _render_fips(s, [f]))[0]
    return _one(request, "floatingip", out)


async def delete_fip(request: Request) -> Response:
    ctx = context(request)
    async with _db(request).write() as s:
        f = await floatingips.get_fip(s, ctx, request.path_params["id"])
        attrs.check_if_match(request, f)
        await floatingips.delete_fip(s, f)
    return no_content()


async def _access_router(s: AsyncSession, ctx: RequestContext, id_: str, write: bool) -> None:
    await routers.get_router(s, ctx, id_)


async def _access_fip(s: AsyncSession, ctx: RequestContext, id_: str, write: bool) -> None:
    await floatingips.get_fip(s, ctx, id_)


attrs.TAGGABLE["routers"] = ("routers", _access_router)
attrs.TAGGABLE["floatingips"] = ("floatingips", _access_fip)
