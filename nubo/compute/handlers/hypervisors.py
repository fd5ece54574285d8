"""/os-hypervisors (2.1): list, detail, show, statistics, uptime, search and servers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import services_views as views
from nubo.compute.api import api
from nubo.core.http import context, json_response

P = "os_compute_api:os-hypervisors:"


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "list")
    return json_response({"hypervisors": [views.hypervisor(h)
                                          for h in await a.hypervisors.all()]})


async def detail(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "list-detail")
    ip = a.hypervisors.host_ip
    return json_response({"hypervisors": [views.hypervisor(h, True, ip)
                                          for h in await a.hypervisors.all()]})


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "show")
    hv = await a.hypervisors.get(request.path_params["hypervisor_id"])
    return json_response({"hypervisor": views.hypervisor(hv, True, a.hypervisors.host_ip)})


async def statistics(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "statistics")
    return json_response({"hypervisor_statistics": await a.hypervisors.statistics()})


async def uptime(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "uptime")
    hv, text = await a.hypervisors.uptime(request.path_params["hypervisor_id"])
    return json_response({"hypervisor": {**views.hypervisor(hv), "uptime": text}})


async def search(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "search")
    found = await a.hypervisors.search(request.path_params["pattern"])
    return json_response({"hypervisors": [views.hypervisor(h) for h in found]})


async def servers(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "servers")
    found = await a.hypervisors.search(request.path_params["pattern"], servers=True)
    return json_response({"hypervisors": [views.hypervisor(h, servers=True) for h in found]})
