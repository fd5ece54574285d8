"""Regions, services and endpoints."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.identity import schemas
from nubo.identity.handlers.common import api, body, qfilters


async def list_regions(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:list_regions")
    found = await a.catalog.list_regions(request.query_params.get("parent_region_id"))
    return json_response(a.views.collection("regions", [a.views.region(r) for r in found],
                                            "regions"))


async def create_region(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.REGION_CREATE))["region"]
    a.enforce(context(request), "identity:create_region")
    r = await a.catalog.create_region(data, request.path_params.get("region_id"))
    return json_response({"region": a.views.region(r)}, 201)


async def get_region(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:get_region")
    r = await a.catalog.get_region(request.path_params["region_id"])
    return json_response({"region": a.views.region(r)})


async def update_region(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.REGION_UPDATE))["region"]
    a.enforce(context(request), "identity:update_region")
    r = await a.catalog.update_region(request.path_params["region_id"], data)
    return json_response({"region": a.views.region(r)})


async def delete_region(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:delete_region")
    await a.catalog.delete_region(request.path_params["region_id"])
    return no_content()


async def list_services(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:list_services")
    found = await a.catalog.list_services(**qfilters(request, "type", "name"))
    return json_response(a.views.collection("services", [a.views.service(s) for s in found],
                                            "services"))


async def create_service(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.SERVICE_CREATE))["service"]
    a.enforce(context(request), "identity:create_service")
    return json_response({"service": a.views.service(await a.catalog.create_service(data))},
                         201)


async def get_service(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:get_service")
    s = await a.catalog.get_service(request.path_params["service_id"])
    return json_response({"service": a.views.service(s)})


async def update_service(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.SERVICE_UPDATE))["service"]
    a.enforce(context(request), "identity:update_service")
    s = await a.catalog.update_service(request.path_params["service_id"], data)
    return json_response({"service": a.views.service(s)})


async def delete_service(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:delete_service")
    await a.catalog.delete_service(request.path_params["service_id"])
    return no_content()


async def list_endpoints(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:list_endpoints")
    f = qfilters(request, "service_id", "interface", "region_id", "enabled")
    if "region" in request.query_params:
        f["region_id"] = request.query_params["region"]
    found = await a.catalog.list_endpoints(**f)
    return json_response(a.views.collection("endpoints", [a.views.endpoint(e) for e in found],
                                            "endpoints"))


async def create_endpoint(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.ENDPOINT_CREATE))["endpoint"]
    a.enforce(context(request), "identity:create_endpoint")
    e = await a.catalog.create_endpoint(data)
    return json_response({"endpoint": a.views.endpoint(e)}, 201)


async def get_endpoint(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:get_endpoint")
    e = await a.catalog.get_endpoint(request.path_params["endpoint_id"])
    return json_response({"endpoint": a.views.endpoint(e)})


async def update_endpoint(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.ENDPOINT_UPDATE))["endpoint"]
    a.enforce(context(request), "identity:update_endpoint")
    e = await a.catalog.update_endpoint(request.path_params["endpoint_id"], data)
    return json_response({"endpoint": a.views.endpoint(e)})


async def delete_endpoint(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:delete_endpoint")
    await a.catalog.delete_endpoint(request.path_params["endpoint_id"])
    return no_content()


async def list_endpoint_groups(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:list_endpoint_groups")
    found = await a.catalog.list_endpoint_groups(request.query_params.get("name"))
    return json_response(a.views.collection(
        "endpoint_groups", [a.views.endpoint_group(g) for g in found],
        "OS-EP-FILTER/endpoint_groups"))


async def create_endpoint_group(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.ENDPOINT_GROUP_CREATE))["endpoint_group"]
    a.enforce(context(request), "identity:create_endpoint_group")
    g = await a.catalog.create_endpoint_group(data)
    return json_response({"endpoint_group": a.views.endpoint_group(g)}, 201)


async def get_endpoint_group(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:get_endpoint_group")
    g = await a.catalog.get_endpoint_group(request.path_params["endpoint_group_id"])
    return json_response({"endpoint_group": a.views.endpoint_group(g)})


async def update_endpoint_group(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.ENDPOINT_GROUP_UPDATE))["endpoint_group"]
    a.enforce(context(request), "identity:update_endpoint_group")
    g = await a.catalog.update_endpoint_group(request.path_params["endpoint_group_id"], data)
    return json_response({"endpoint_group": a.views.endpoint_group(g)})


async def delete_endpoint_group(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:delete_endpoint_group")
    await a.catalog.delete_endpoint_group(request.path_params["endpoint_group_id"])
    return no_content()
