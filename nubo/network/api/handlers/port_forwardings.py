"""/v2.0/floatingips/{id}/port_forwardings: the HTTP side of port forwardings; the checks
and the work are in port_forwardings.py."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, no_content
from nubo.network.api import body, listing
from nubo.network.api.handlers.l3 import _db, _one
from nubo.network.api.schemas import routers as schemas
from nubo.network.service import floatingips
from nubo.network.service import port_forwardings as pfs


async def list_(request: Request) -> Response:
    ctx = context(request)
    async with _db(request).read() as s:
        fip = await floatingips.get_fip(s, ctx, request.path_params["id"])
        rows = (await pfs.of_fips(s, [fip.id]))[fip.id]
        items = [pfs.view(pf) for pf in rows]
    return listing.respond(request, "port_forwardings", items, pfs.CREATE)


async def create(request: Request) -> Response:
    ctx = context(request)
    a = pfs.check_body(await body.resource(request, schemas.PORT_FORWARDING))
    async with _db(request).write() as s:
        fip = await floatingips.get_fip(s, ctx, request.path_params["id"])
        out = pfs.view(await pfs.create(s, ctx, fip, a))
    return _one(request, "port_forwarding", out, 201)


async def show(request: Request) -> Response:
    ctx = context(request)
    async with _db(request).read() as s:
        fip = await floatingips.get_fip(s, ctx, request.path_params["id"])
        out = pfs.view(await pfs.get_pf(s, fip, request.path_params["pf_id"]))
    return _one(request, "port_forwarding", out)


async def update(request: Request) -> Response:
    ctx = context(request)
    a = pfs.check_body(await body.resource(request, schemas.PORT_FORWARDING))
    async with _db(request).write() as s:
        fip = await floatingips.get_fip(s, ctx, request.path_params["id"])
        pf = await pfs.get_pf(s, fip, request.path_params["pf_id"])
        out = pfs.view(await pfs.update(s, ctx, fip, pf, a))
    return _one(request, "port_forwarding", out)


async def delete(request: Request) -> Response:
    ctx = context(request)
    async with _db(request).write() as s:
        fip = await floatingips.get_fip(s, ctx, request.path_params["id"])
        await pfs.delete(s, fip, await pfs.get_pf(s, fip, request.path_params["pf_id"]))
    return no_content()
