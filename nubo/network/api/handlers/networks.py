"""Networks over HTTP: context, policy, the body read against its schema, the service
(network/service/ops/networks.py owns the transaction), the view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content
from nubo.network.api import body, bulk, listing
from nubo.network.api.schemas import enforce
from nubo.network.api.schemas import networks as schemas
from nubo.network.api.views import base as views
from nubo.network.api.wiring import api, check_project, if_match
from nubo.network.service import networks
from nubo.network.service.networks import PROVIDER
from nubo.network.service.ops import networks as ops

#: enforced by their schemas, before the service's checks of the rest
STRINGS = ("name", "description", "dns_domain")


def _enforce_attrs(request: Request, verb: str, a: dict[str, Any], target: dict[str, Any]
                   ) -> None:
    na, ctx = api(request), context(request)
    na.enforce(ctx, f"{verb}_network", target)
    for k in ("shared", "router:external", *PROVIDER):
        if k in a and not (verb == "update" and k in ("shared", "router:external") and
                           a[k] == target.get(k)):
            na.enforce(ctx, f"{verb}_network:{k}", target)


def render(ctx: RequestContext, shown: Sequence[ops.Shown]) -> list[dict[str, Any]]:
    return [views.network(x.net, x.segment, x.subnets, x.tags, ctx.is_admin, x.scopes)
            for x in shown]


# ---------------------------------------------------------------------------------- handlers

async def create(request: Request) -> Response:
    na, ctx = api(request), context(request)
    items, is_bulk = await bulk.resources(request, schemas.CREATE)
    for a in items:
        enforce.check(a, schemas.CREATE, STRINGS)
        networks.check_attrs(a)
        project = check_project(ctx, a)
        _enforce_attrs(request, "create", a, {"project_id": project})
    vni = (na.settings.network_vni_min, na.settings.network_vni_max)
    views_ = render(ctx, await ops.create(na.db, ctx, items, vni))
    if is_bulk:
        return json_response({"networks": views_}, 201)
    return json_response({"network": views_[0]}, 201)


async def list_(request: Request) -> Response:
    na, ctx = api(request), context(request)
    items = render(ctx, await ops.list_(na.db, ctx))
    return listing.respond(request, "networks", items, extra_filters=PROVIDER)


async def show(request: Request) -> Response:
    na, ctx = api(request), context(request)
    view = render(ctx, [await ops.show(na.db, ctx, request.path_params["network_id"])])[0]
    fields = listing.multi(request).get("fields", [])
    return json_response({"network": listing.project_fields(view, fields)})


async def update(request: Request) -> Response:
    na, ctx = api(request), context(request)
    a = await body.resource(request, schemas.UPDATE)
    enforce.check(a, schemas.CREATE, STRINGS)
    networks.check_attrs(a)
    shown = await ops.update(na.db, ctx, request.path_params["network_id"], a,
                             if_match(request),
                             lambda target: _enforce_attrs(request, "update", a, target))
    return json_response({"network": render(ctx, [shown])[0]})


async def delete(request: Request) -> Response:
    na, ctx = api(request), context(request)
    await ops.delete(na.db, ctx, request.path_params["network_id"],
                     if_match(request),
                     lambda action, target: na.enforce(ctx, action, target))
    return no_content()
