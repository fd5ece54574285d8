"""/os-hypervisors: list, detail, show, statistics, uptime, search and servers; from 2.53
by uuid, with `hypervisor_hostname_pattern` and `with_servers` instead of the search and
servers paths; from 2.88 without resource figures, statistics and the uptime path."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.views import services as views
from nubo.compute.api.wiring import api
from nubo.core.http import context, json_response, version
from nubo.core.microversion import APIVersion

P = "os_compute_api:os-hypervisors:"


V253, V288 = APIVersion(2, 53), APIVersion(2, 88)


async def _listed(request: Request, detail: bool) -> Response:
    a, ver, q = api(request), version(request), request.query_params
    with_servers = ver >= V253 and q.get("with_servers", "").lower() in ("1", "true", "yes")
    if ver >= V253 and q.get("hypervisor_hostname_pattern"):
        found = await a.hypervisors.search(q["hypervisor_hostname_pattern"],
                                           servers=with_servers)
    else:
        found = await a.hypervisors.all(servers=with_servers)
    ip = a.hypervisors.host_ip
    uptime = hypervisor_uptime() if detail and ver >= V288 else None
    return json_response({"hypervisors": [views.hypervisor(h, detail, ip, with_servers, ver,
                                                           uptime) for h in found]})


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "list")
    return await _listed(request, False)


async def detail(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "list-detail")
    return await _listed(request, True)


async def show(request: Request) -> Response:
    a, ctx, ver = api(request), context(request), version(request)
    a.enforce(ctx, P + "show")
    hv = await a.hypervisors.get(request.path_params["hypervisor_id"], by_uuid=ver >= V253)
    with_servers = ver >= V253 and request.query_params.get(
        "with_servers", "").lower() in ("1", "true", "yes")
    if with_servers:
        hv = next(h for h in await a.hypervisors.all(servers=True) if h.id == hv.id)
    return json_response({"hypervisor": views.hypervisor(
        hv, True, a.hypervisors.host_ip, with_servers, ver,
        hypervisor_uptime() if ver >= V288 else None)})


def hypervisor_uptime() -> str | None:
    from nubo.compute.service.hypervisors import host_uptime
    return host_uptime()


async def statistics(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "statistics")
    if version(request) >= V288:
        raise errors.ResourceNotFound()   # gone in 2.88
    return json_response({"hypervisor_statistics": await a.hypervisors.statistics()})


async def uptime(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "uptime")
    if version(request) >= V288:
        raise errors.ResourceNotFound()   # in show from 2.88
    if version(request) >= V253:
        hv0 = await a.hypervisors.get(request.path_params["hypervisor_id"], by_uuid=True)
        request.path_params["hypervisor_id"] = str(hv0.id)
    hv, text = await a.hypervisors.uptime(request.path_params["hypervisor_id"])
    return json_response({"hypervisor": {**views.hypervisor(hv, ver=version(request)),
                                         "uptime": text}})


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
