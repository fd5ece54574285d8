"""A server's network side: /servers/{id}/os-interface, /servers/{id}/os-security-groups and
the actions addSecurityGroup, removeSecurityGroup, addFloatingIp, removeFloatingIp."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.views import interfaces as views
from nubo.compute.api.wiring import ComputeApi, api
from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content, read_json, version
from nubo.core.microversion import APIVersion
from nubo.core.validation import validate

_IP = {"type": "string", "oneOf": [{"format": "ipv4"}, {"format": "ipv6"}]}
_GROUP = {"type": "object", "properties": {"name": {"type": "string", "minLength": 1}},
          "required": ["name"], "additionalProperties": False}
ACTIONS: dict[str, Any] = {
    "addSecurityGroup": _GROUP,
    "removeSecurityGroup": _GROUP,
    "addFloatingIp": {"type": "object", "properties": {
        "address": _IP, "fixed_address": _IP},
        "required": ["address"], "additionalProperties": False},
    "removeFloatingIp": {"type": "object", "properties": {"address": _IP},
                         "required": ["address"], "additionalProperties": False},
}
#: the floating IP proxy actions are gone from 2.44 (a 404, as for any removed API)
_LAST_FIP = APIVersion(2, 43)


def _target(project_id: str | None) -> dict[str, Any]:
    return {"project_id": project_id}


# ------------------------------------------------------------------ os-interface

async def interfaces_list(request: Request) -> Response:
    a, ctx = api(request), context(request)
    svc = a.parts.interfaces
    inst = await svc.instance(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:os-attach-interfaces:list", _target(inst.project_id))
    _, found = await svc.list(ctx, inst.id)
    ver = version(request)
    return json_response({"interfaceAttachments": [views.attachment(x, ver) for x in found]})


async def interface_show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    svc = a.parts.interfaces
    inst = await svc.instance(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:os-attach-interfaces:show", _target(inst.project_id))
    found = await svc.show(ctx, inst.id, request.path_params["port_id"])
    return json_response({"interfaceAttachment": views.attachment(found, version(request))})


async def interface_attach(request: Request) -> Response:
    a, ctx = api(request), context(request)
    ver = version(request)
    body = await read_json(request, None, a.max_body)
    if body is not None:
        validate(views.create_schema(ver), body)
    svc = a.parts.interfaces
    inst = await svc.instance(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:os-attach-interfaces:create", _target(inst.project_id))
    req = (body or {}).get("interfaceAttachment") or {}
    net_id, port_id = req.get("net_id"), req.get("port_id")
    fixed_ip = (req.get("fixed_ips") or [{}])[0].get("ip_address")
    if net_id and port_id:
        raise errors.NetworkAndPortGiven()
    if fixed_ip and not net_id:
        raise errors.FixedIpWithoutNetwork()
    found = await svc.attach(ctx, inst.id, net_id, port_id, fixed_ip, req.get("tag"))
    return json_response({"interfaceAttachment": views.attachment(found, ver)})


async def interface_detach(request: Request) -> Response:
    a, ctx = api(request), context(request)
    svc = a.parts.interfaces
    inst = await svc.instance(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:os-attach-interfaces:delete", _target(inst.project_id))
    await svc.detach(ctx, inst.id, request.path_params["port_id"])
    return no_content(202)


# ------------------------------------------------------------------ security groups

async def security_groups_list(request: Request) -> Response:
    a, ctx = api(request), context(request)
    inst = (await a.servers.get(ctx, request.path_params["server_id"])).instance
    a.enforce(ctx, "os_compute_api:os-security-groups:list", _target(inst.project_id))
    _, groups = await a.parts.server_secgroups.list(ctx, inst.id)
    return json_response({"security_groups": groups})


# ------------------------------------------------------------------ ips

def _plain(addrs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nova's ips view: version and addr only (no OS-EXT-IPS keys)."""
    return [{"version": x["version"], "addr": x["addr"]} for x in addrs]


async def ips_list(request: Request) -> Response:
    a, ctx = api(request), context(request)
    view = await a.servers.get(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:ips:index", _target(view.instance.project_id))
    return json_response({"addresses": {net: _plain(addrs) for net, addrs in
                                        (view.addresses or {}).items()}})


async def ips_show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    view = await a.servers.get(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:ips:show", _target(view.instance.project_id))
    label = request.path_params["network_label"]
    addresses = view.addresses or {}
    if label not in addresses:
        raise errors.InstanceNotInNetwork()
    return json_response({label: _plain(addresses[label])})


# ------------------------------------------------------------------ actions

async def dispatch(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                   name: str, arg: Any) -> Response:
    """POST /servers/{id}/action for the names in ACTIONS."""
    if name in ("addFloatingIp", "removeFloatingIp") and version(request) > _LAST_FIP:
        raise errors.ResourceNotFound()
    validate({"type": "object", "properties": {name: ACTIONS[name]}, "required": [name]},
             {name: arg})
    inst = (await a.servers.get(ctx, sid)).instance
    target = _target(inst.project_id)
    rt = a.parts
    if name in ("addSecurityGroup", "removeSecurityGroup"):
        group = arg["name"]
        if not group.strip():
            raise errors.SecurityGroupNameEmpty()
        if name == "addSecurityGroup":
            a.enforce(ctx, "os_compute_api:os-security-groups:add", target)
            await rt.server_secgroups.add(ctx, inst.id, group)
        else:
            a.enforce(ctx, "os_compute_api:os-security-groups:remove", target)
            await rt.server_secgroups.remove(ctx, inst.id, group)
    elif name == "addFloatingIp":
        a.enforce(ctx, "os_compute_api:os-floating-ips:add", target)
        await rt.server_floating_ips.add(ctx, inst.id, arg["address"],
                                         arg.get("fixed_address"))
    else:
        a.enforce(ctx, "os_compute_api:os-floating-ips:remove", target)
        await rt.server_floating_ips.remove(ctx, inst.id, arg["address"])
    return no_content(202)
