"""Handlers of the nova-network era proxies (/os-floating-ips, /os-floating-ip-pools,
/os-networks, /os-tenant-networks; to 2.35) and of /extensions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.extensions import extension, extensions
from nubo.compute.api.legacy_v2 import is_legacy_v2
from nubo.compute.api.proxies.networks import network_view, tenant_network_view
from nubo.compute.api.wiring import api
from nubo.compute.service.proxy_floating_ips import FloatingIpProxy
from nubo.compute.service.proxy_networks import NetworkProxy
from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content, read_json
from nubo.core.validation import validate

_CREATE_FIP = {"type": ["object", "null"],
               "properties": {"pool": {"type": ["string", "null"]}}}


def _enforce(request: Request, action: str, own_project: bool = True) -> RequestContext:
    a, ctx = api(request), context(request)
    a.enforce(ctx, action, {"project_id": ctx.project_id} if own_project else {})
    return ctx


# ------------------------------------------------------------------------- floating IPs

def _fips(request: Request, action: str) -> tuple[RequestContext, FloatingIpProxy]:
    ctx = _enforce(request, f"os_compute_api:os-floating-ips:{action}")
    return ctx, FloatingIpProxy(api(request).db)


async def fip_list(request: Request) -> Response:
    ctx, proxy = _fips(request, "list")
    return json_response({"floating_ips": await proxy.list_(ctx)})


async def fip_show(request: Request) -> Response:
    ctx, proxy = _fips(request, "show")
    return json_response({"floating_ip": await proxy.show(ctx, request.path_params["id"])})


async def fip_create(request: Request) -> Response:
    ctx, proxy = _fips(request, "create")
    body = await read_json(request, None, api(request).max_body)
    if body is not None:
        validate(_CREATE_FIP, body)
    pool = body.get("pool") if isinstance(body, dict) else None
    return json_response({"floating_ip": await proxy.create(ctx, pool)})


async def fip_delete(request: Request) -> Response:
    ctx, proxy = _fips(request, "delete")
    await proxy.delete(ctx, request.path_params["id"])
    return no_content(202)


async def pools(request: Request) -> Response:
    ctx = _enforce(request, "os_compute_api:os-floating-ip-pools", own_project=False)
    return json_response({"floating_ip_pools": await FloatingIpProxy(api(request).db).pools(
        ctx)})


# ------------------------------------------------------------------------------ networks

async def net_list(request: Request) -> Response:
    ctx = _enforce(request, "os_compute_api:os-networks:list")
    nets = await NetworkProxy(api(request).db).list_(ctx)
    return json_response({"networks": [network_view(ctx, n) for n in nets]})


async def net_show(request: Request) -> Response:
    ctx = _enforce(request, "os_compute_api:os-networks:show")
    net = await NetworkProxy(api(request).db).show(ctx, request.path_params["id"])
    return json_response({"network": network_view(ctx, net)})


async def tenant_net_list(request: Request) -> Response:
    ctx = _enforce(request, "os_compute_api:os-tenant-networks:list")
    nets = await NetworkProxy(api(request).db).list_(ctx)
    return json_response({"networks": [tenant_network_view(n) for n in nets]})


async def tenant_net_show(request: Request) -> Response:
    ctx = _enforce(request, "os_compute_api:os-tenant-networks:show")
    net = await NetworkProxy(api(request).db).show(ctx, request.path_params["id"])
    return json_response({"network": tenant_network_view(net)})


_NET_ACTIONS = ("disassociate", "disassociate_host", "disassociate_project", "associate_host")


async def gone(request: Request) -> Response:
    """The nova-network operations Nova removed in Ussuri: 410 at every microversion."""
    raise errors.ResourceGone()


async def net_action(request: Request) -> Response:
    body: Any = await read_json(request, None, api(request).max_body)
    name = next(iter(body), None) if isinstance(body, dict) and len(body) == 1 else None
    if name not in _NET_ACTIONS:
        if name:
            raise errors.InvalidAction(action=name)
        raise errors.MalformedRequestBody()
    return await gone(request)


# ---------------------------------------------------------------------------- extensions

async def ext_list(request: Request) -> Response:
    _enforce(request, "os_compute_api:extensions", own_project=False)
    return json_response({"extensions": extensions(is_legacy_v2(request.scope))})


async def ext_show(request: Request) -> Response:
    _enforce(request, "os_compute_api:extensions", own_project=False)
    ext = extension(request.path_params["alias"], is_legacy_v2(request.scope))
    if ext is None:
        raise errors.ResourceNotFound()
    return json_response({"extension": ext})
