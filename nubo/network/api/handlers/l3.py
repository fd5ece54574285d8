"""/v2.0/routers (with add/remove_router_interface and add/remove_extraroutes) and
/v2.0/floatingips; the service (network/service/ops/l3.py) owns the transactions."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content
from nubo.network import errors
from nubo.network.api import body, listing
from nubo.network.api.schemas import enforce
from nubo.network.api.schemas import routers as schemas
from nubo.network.api.views import l3 as views
from nubo.network.api.wiring import api, if_match
from nubo.network.service.ops import l3 as ops

ROUTER_ATTRS = ("name", "description", "admin_state_up", "external_gateway_info",
                "project_id", "tenant_id", "routes", "availability_zone_hints", "tags")
FIP_ATTRS = ("floating_network_id", "floating_ip_address", "subnet_id", "port_id",
             "fixed_ip_address", "description", "project_id", "tenant_id", "tags")
GW_KEYS = {"network_id", "enable_snat", "external_fixed_ips"}


def one(request: Request, key: str, item: dict[str, Any], status: int = 200) -> Response:
    fields = [f for fv in request.query_params.getlist("fields") for f in fv.split(",") if f]
    return json_response({key: listing.project_fields(item, fields)}, status)


# ------------------------------------------------------------------------------- routers

def _router_views(ctx: RequestContext, shown: Sequence[ops.ShownRouter]
                  ) -> list[dict[str, Any]]:
    return [views.router(x.router, x.gw_port, x.gw_ips, x.tags, ctx.is_admin) for x in shown]


def _router_attrs(a: dict[str, Any]) -> dict[str, Any]:
    enforce.check(a, schemas.CREATE_ROUTER, ("name", "project_id", "tenant_id", "description"))
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
    return errors.bad_request(f"Invalid input for external_gateway_info. Reason: Validation "
                              f"of dictionary's keys failed. Expected keys: {{'network_id'}} "
                              f"Provided keys: {set(gw) if isinstance(gw, dict) else gw}.")


async def list_routers(request: Request) -> Response:
    ctx = context(request)
    items = _router_views(ctx, await ops.list_routers(api(request).db, ctx))
    return listing.respond(request, "routers", items, ROUTER_ATTRS + (
        "routes", "availability_zones"))


async def create_router(request: Request) -> Response:
    ctx = context(request)
    a = _router_attrs(await body.resource(request, schemas.CREATE_ROUTER))
    shown = await ops.create_router(api(request).db, ctx, a)
    return one(request, "router", _router_views(ctx, [shown])[0], 201)


async def show_router(request: Request) -> Response:
    ctx = context(request)
    shown = await ops.show_router(api(request).db, ctx, request.path_params["id"])
    return one(request, "router", _router_views(ctx, [shown])[0])


async def update_router(request: Request) -> Response:
    ctx = context(request)
    a = _router_attrs(await body.resource(request, schemas.UPDATE_ROUTER))
    shown = await ops.update_router(api(request).db, ctx, request.path_params["id"], a,
                                    if_match(request))
    return one(request, "router", _router_views(ctx, [shown])[0])


async def delete_router(request: Request) -> Response:
    await ops.delete_router(api(request).db, context(request), request.path_params["id"],
                            if_match(request))
    return no_content()


async def add_interface(request: Request) -> Response:
    info = await body.document(request, schemas.INTERFACE)
    return json_response(await ops.router_interface(
        api(request).db, context(request), request.path_params["id"], info, add=True))


async def remove_interface(request: Request) -> Response:
    info = await body.document(request, schemas.INTERFACE)
    return json_response(await ops.router_interface(
        api(request).db, context(request), request.path_params["id"], info, add=False))


async def _extraroutes(request: Request, add: bool) -> Response:
    ctx = context(request)
    a = await body.resource(request, schemas.EXTRAROUTES)
    shown = await ops.extraroutes(api(request).db, ctx, request.path_params["id"], a["routes"],
                                  add)
    return json_response({"router": _router_views(ctx, [shown])[0]})


async def add_extraroutes(request: Request) -> Response:
    return await _extraroutes(request, True)


async def remove_extraroutes(request: Request) -> Response:
    return await _extraroutes(request, False)


# --------------------------------------------------------------------------- floating IPs

def _fip_views(shown: Sequence[ops.ShownFip]) -> list[dict[str, Any]]:
    return [views.floatingip(x.fip, x.port, x.port_ips, x.tags, x.forwardings) for x in shown]


def _fip_attrs(a: dict[str, Any]) -> dict[str, Any]:
    enforce.check(a, schemas.CREATE_FIP, ("floating_network_id", "subnet_id", "port_id"))
    for key in ("floating_ip_address", "fixed_ip_address"):
        if a.get(key) is not None:
            _ip(a, key)
    body.string(a, "description", nullable=True)
    body.string(a, "project_id")
    body.string(a, "tenant_id")
    return a


def _ip(a: dict[str, Any], key: str) -> None:
    try:
        a[key] = str(ipaddress.ip_address(str(a[key])))
    except ValueError:
        raise errors.bad_request(f"Invalid input for {key}. Reason: '{a[key]}' is not a valid "
                                 "IP address.") from None


async def list_fips(request: Request) -> Response:
    items = _fip_views(await ops.list_fips(api(request).db, context(request)))
    return listing.respond(request, "floatingips", items, FIP_ATTRS + (
        "router_id", "status", "port_details", "dns_name", "dns_domain"))


async def create_fip(request: Request) -> Response:
    a = _fip_attrs(await body.resource(request, schemas.CREATE_FIP))
    shown = await ops.create_fip(api(request).db, context(request), a)
    return one(request, "floatingip", _fip_views([shown])[0], 201)


async def show_fip(request: Request) -> Response:
    shown = await ops.show_fip(api(request).db, context(request), request.path_params["id"])
    return one(request, "floatingip", _fip_views([shown])[0])


async def update_fip(request: Request) -> Response:
    a = _fip_attrs(await body.resource(request, schemas.UPDATE_FIP))
    shown = await ops.update_fip(api(request).db, context(request), request.path_params["id"],
                                 a, if_match(request))
    return one(request, "floatingip", _fip_views([shown])[0])


async def delete_fip(request: Request) -> Response:
    await ops.delete_fip(api(request).db, context(request), request.path_params["id"],
                         if_match(request))
    return no_content()
