"""/os-hosts (to 2.42), /os-instance_usage_audit_log and /servers/{id}/os-server-password."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.handlers.server_actions import _enforce
from nubo.compute.api.validation import read_body
from nubo.compute.api.wiring import ComputeApi, api
from nubo.compute.service.hosts import HostService, parse_before
from nubo.compute.service.server_password import PasswordStore
from nubo.core.http import context, json_response, no_content

P = "os_compute_api:os-hosts:"
AUDIT = "os_compute_api:os-instance-usage-audit-log:"
_SWITCH = {"type": "string", "enum": ["enable", "disable", "Enable", "Disable",
                                      "ENABLE", "DISABLE"]}
HOST_UPDATE = {"type": "object", "properties": {"status": _SWITCH, "maintenance_mode": _SWITCH},
               "anyOf": [{"required": ["status"]}, {"required": ["maintenance_mode"]}],
               "additionalProperties": False}


def _hosts(a: ComputeApi) -> HostService:
    return HostService(a.services, a.hypervisors)


async def hosts_list(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "list", {})
    zone = request.query_params.get("zone") or None
    return json_response({"hosts": await _hosts(a).list_hosts(zone)})


async def host_show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, P + "show", {})
    host = request.path_params["host"]
    return json_response({"host": await _hosts(a).resources(host)})


async def host_update(request: Request) -> Response:
    """status enable/disable sets the compute service's disabled flag; maintenance_mode is
    Nova's 501 with libvirt, answered before the status changes."""
    a, ctx = api(request), context(request)
    body = await read_body(request, HOST_UPDATE, a.max_body)
    a.enforce(ctx, P + "update", {})
    host, hosts = request.path_params["host"], _hosts(a)
    await hosts.check(host)
    if "maintenance_mode" in body:
        raise errors.NotSupported()
    enabled = body["status"].strip().lower() == "enable"
    return json_response({"host": host, "status": await hosts.set_enabled(host, enabled)})


def _power(action: str, rule: str) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        a, ctx = api(request), context(request)
        a.enforce(ctx, P + rule, {})
        await _hosts(a).check(request.path_params["host"])
        raise errors.NotSupported()
    handler.__name__ = f"host_{action}"
    return handler


host_startup = _power("startup", "start")
host_shutdown = _power("shutdown", "shutdown")
host_reboot = _power("reboot", "reboot")


async def audit_log_list(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, AUDIT + "list", {})
    return json_response({"instance_usage_audit_logs": await _hosts(a).audit_log()})


async def audit_log_show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, AUDIT + "show", {})
    raw = request.path_params["before_timestamp"]
    before = parse_before(raw)
    if before is None:
        raise errors.InvalidTimestamp(value=raw)
    return json_response({"instance_usage_audit_log": await _hosts(a).audit_log(before)})


async def password_show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    inst = await _enforce(a, ctx, request.path_params["server_id"],
                          "os_compute_api:os-server-password:show")
    return json_response({"password": await PasswordStore(a.db).get(inst.id)})


async def password_clear(request: Request) -> Response:
    """Forgets the stored (encrypted) password; the guest's own password is unchanged."""
    a, ctx = api(request), context(request)
    inst = await _enforce(a, ctx, request.path_params["server_id"],
                          "os_compute_api:os-server-password:clear")
    await PasswordStore(a.db).clear(inst.id)
    return no_content()
