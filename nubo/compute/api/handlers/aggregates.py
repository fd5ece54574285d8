"""/os-aggregates (2.1): CRUD and the add_host, remove_host, set_metadata actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.schemas import services as schemas
from nubo.compute.api.validation import read_body, validate
from nubo.compute.api.views import services as views
from nubo.compute.api.wiring import api
from nubo.compute.service.aggregates import parse_id
from nubo.core.http import context, json_response, no_content, version

P = "os_compute_api:os-aggregates:"
ACTIONS = {"add_host": schemas.ADD_HOST, "remove_host": schemas.REMOVE_HOST,
           "set_metadata": schemas.SET_METADATA}


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "index")
    return json_response({"aggregates": [views.aggregate(x, ver=version(request))
                                         for x in await a.aggregates.all()]})


async def create(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "create")
    body = (await read_body(request, schemas.AGGREGATE_CREATE, a.max_body))["aggregate"]
    zone = body.get("availability_zone")
    agg = await a.aggregates.create(body["name"].strip(), zone.strip() if zone else None)
    return json_response({"aggregate": views.aggregate(agg, full=False, ver=version(request))})


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "show")
    agg = await a.aggregates.get(parse_id(request.path_params["aggregate_id"]))
    return json_response({"aggregate": views.aggregate(agg, ver=version(request))})


async def update(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "update")
    body = (await read_body(request, schemas.AGGREGATE_UPDATE, a.max_body))["aggregate"]
    agg_id = parse_id(request.path_params["aggregate_id"])
    name = body["name"].strip() if "name" in body else None
    zone = body["availability_zone"] if "availability_zone" in body else ...
    agg = await a.aggregates.update(agg_id, name, zone)
    return json_response({"aggregate": views.aggregate(agg, ver=version(request))})


async def delete(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "delete")
    await a.aggregates.delete(parse_id(request.path_params["aggregate_id"]))
    return no_content(200)


async def action(request: Request) -> Response:
    a, ctx = api(request), context(request)
    body = await read_body(request, {"type": "object"}, a.max_body)
    name = next((k for k in body if k in ACTIONS), None)
    if name is None or len(body) != 1:
        raise errors.InvalidAction(action=", ".join(body) or "none")
    a.enforce(ctx, P + name)
    validate(ACTIONS[name], body)
    agg_id = parse_id(request.path_params["aggregate_id"])
    args = body[name]
    if name == "add_host":
        agg = await a.aggregates.add_host(agg_id, args["host"])
    elif name == "remove_host":
        agg = await a.aggregates.remove_host(agg_id, args["host"])
    else:
        agg = await a.aggregates.set_metadata(agg_id, args["metadata"])
    return json_response({"aggregate": views.aggregate(agg, ver=version(request))})
