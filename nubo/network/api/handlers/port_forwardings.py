"""/v2.0/floatingips/{id}/port_forwardings: the HTTP side of port forwardings; the checks
and the work are in port_forwardings.py, the transactions in service/ops/l3.py."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, no_content
from nubo.network.api import body, listing
from nubo.network.api.handlers.l3 import one
from nubo.network.api.schemas import routers as schemas
from nubo.network.api.wiring import api
from nubo.network.service import port_forwardings as pfs
from nubo.network.service.ops import l3 as ops


async def list_(request: Request) -> Response:
    rows = await ops.list_pfs(api(request).db, context(request), request.path_params["id"])
    return listing.respond(request, "port_forwardings", [pfs.view(pf) for pf in rows],
                           pfs.CREATE)


async def create(request: Request) -> Response:
    a = pfs.check_body(await body.resource(request, schemas.PORT_FORWARDING))
    pf = await ops.create_pf(api(request).db, context(request), request.path_params["id"], a)
    return one(request, "port_forwarding", pfs.view(pf), 201)


async def show(request: Request) -> Response:
    pf = await ops.show_pf(api(request).db, context(request), request.path_params["id"],
                           request.path_params["pf_id"])
    return one(request, "port_forwarding", pfs.view(pf))


async def update(request: Request) -> Response:
    a = pfs.check_body(await body.resource(request, schemas.PORT_FORWARDING))
    pf = await ops.update_pf(api(request).db, context(request), request.path_params["id"],
                             request.path_params["pf_id"], a)
    return one(request, "port_forwarding", pfs.view(pf))


async def delete(request: Request) -> Response:
    await ops.delete_pf(api(request).db, context(request), request.path_params["id"],
                        request.path_params["pf_id"])
    return no_content()
