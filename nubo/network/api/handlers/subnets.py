"""Subnets: CIDR, gateway and allocation pools checked with Neutron's messages; the network's
DHCP port (device_owner network:dhcp) holds one address on every DHCP-enabled subnet, as
Neutron's DHCP agent makes it (the dataplane serves DHCP from that address). The service
(network/service/ops/subnets.py) owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.network.api import body, bulk, listing
from nubo.network.api.schemas import enforce
from nubo.network.api.schemas import subnets as schemas
from nubo.network.api.views import base as views
from nubo.network.api.wiring import api, if_match
from nubo.network.service import subnets
from nubo.network.service.ops import Enforce
from nubo.network.service.ops import subnets as ops

__all__ = ["create", "delete", "list_", "render", "show", "update"]

#: enforced by their schemas, before the service's checks of the rest
STRINGS = ("name", "description")


def render(shown: Sequence[ops.Shown]) -> list[dict[str, Any]]:
    return [views.subnet(x.sub, x.tags) for x in shown]


def _enforce(request: Request) -> Enforce:
    na, ctx = api(request), context(request)
    return lambda action, target: na.enforce(ctx, action, target)


async def create(request: Request) -> Response:
    na, ctx = api(request), context(request)
    items, is_bulk = await bulk.resources(request, schemas.CREATE)
    for a in items:
        enforce.check(a, schemas.CREATE, STRINGS)
        subnets.check_create(a)
    views_ = render(await ops.create(na.db, ctx, items, _enforce(request)))
    if is_bulk:
        return json_response({"subnets": views_}, 201)
    return json_response({"subnet": views_[0]}, 201)


async def list_(request: Request) -> Response:
    na, ctx = api(request), context(request)
    return listing.respond(request, "subnets", render(await ops.list_(na.db, ctx)))


async def show(request: Request) -> Response:
    na, ctx = api(request), context(request)
    view = render([await ops.show(na.db, ctx, request.path_params["subnet_id"])])[0]
    fields = listing.multi(request).get("fields", [])
    return json_response({"subnet": listing.project_fields(view, fields)})


async def update(request: Request) -> Response:
    na, ctx = api(request), context(request)
    a = await body.resource(request, schemas.UPDATE)
    subnets.check_read_only(a)
    enforce.check(a, schemas.CREATE, STRINGS)
    subnets.check_update(a)
    shown = await ops.update(na.db, ctx, request.path_params["subnet_id"], a,
                             if_match(request), _enforce(request))
    return json_response({"subnet": render([shown])[0]})


async def delete(request: Request) -> Response:
    na, ctx = api(request), context(request)
    await ops.delete(na.db, ctx, request.path_params["subnet_id"],
                     if_match(request), _enforce(request))
    return no_content()
