"""POST /servers/{id}/action for the actions in actions.py (pause, rescue, shelve, migrate,
evacuate, createBackup, consoles, restore ...): policy, microversion, body, call, answer."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.schemas import server_actions as schemas
from nubo.compute.api.wiring import ComputeApi
from nubo.compute.service.consoles import PROTOCOLS
from nubo.core.context import RequestContext
from nubo.core.http import json_response, no_content, version
from nubo.core.validation import validate

ACTIONS = schemas.ACTIONS
Handler = Callable[[Request, ComputeApi, RequestContext, str, Any], Awaitable[Response]]


def _simple(policy: str, method: str) -> Handler:
    async def run(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                  arg: Any) -> Response:
        await _enforce(a, ctx, sid, policy)
        await getattr(a.parts.actions, method)(ctx, sid)
        return no_content(202)
    return run


async def _enforce(a: ComputeApi, ctx: RequestContext, sid: str, policy: str) -> Any:
    inst = (await a.servers.get(ctx, sid)).instance
    a.enforce(ctx, policy, {"project_id": inst.project_id})
    return inst


async def _rescue(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                  arg: Any) -> Response:
    await _enforce(a, ctx, sid, "os_compute_api:os-rescue")
    arg = arg or {}
    await a.parts.actions.rescue(ctx, sid, arg.get("rescue_image_ref"))
    return json_response({"adminPass": arg.get("adminPass") or secrets.token_urlsafe(9)})


async def _unshelve(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                    arg: Any) -> Response:
    await _enforce(a, ctx, sid, "os_compute_api:os-shelve:unshelve")
    v = version(request)
    if v.matches("2.91"):
        validate({"type": "object", "properties": {"unshelve": schemas.UNSHELVE_291}},
                 {"unshelve": arg})
    elif v.matches("2.77"):
        validate({"type": "object", "properties": {"unshelve": schemas.UNSHELVE_277}},
                 {"unshelve": arg})
    elif arg and ("availability_zone" in arg or "host" in arg):
        raise errors.FieldValidationError(path="unshelve", value=arg,
                                          message="Additional properties are not allowed")
    arg = arg or {}

    def authorize_host(inst: Any) -> None:
        a.enforce(ctx, "os_compute_api:os-shelve:unshelve_to_host",
                  {"user_id": inst.user_id, "project_id": inst.project_id})
    await a.parts.actions.unshelve(ctx, sid, arg.get("availability_zone"),
                                     zone_given="availability_zone" in arg,
                                     host=arg.get("host"), authorize_host=authorize_host)
    return no_content(202)


async def _migrate(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                   arg: Any) -> Response:
    await _enforce(a, ctx, sid, "os_compute_api:os-migrate-server:migrate")
    host = (arg or {}).get("host")
    if arg and "host" in arg:
        if not version(request).matches("2.56"):
            raise errors.FieldValidationError(path="migrate", value=arg,
                                              message="Additional properties are not allowed "
                                                      "('host' was unexpected)")
        await _enforce(a, ctx, sid, "os_compute_api:os-migrate-server:migrate:host")
    await a.parts.actions.migrate(ctx, sid, host)
    return no_content(202)


async def _live(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                arg: Any) -> Response:
    await _enforce(a, ctx, sid, "os_compute_api:os-migrate-server:migrate_live")
    v = version(request)
    if arg["block_migration"] == "auto" and not v.matches("2.25"):
        raise errors.FieldValidationError(path="block_migration", value="auto",
                                          message="'auto' is not of type 'boolean'")
    if "disk_over_commit" in arg and v.matches("2.25"):
        raise errors.AdditionalProperties(path="os-migrateLive", prop="disk_over_commit")
    if arg.get("host"):
        await _enforce(a, ctx, sid, "os_compute_api:os-migrate-server:migrate_live:host")
    await a.parts.actions.live_migrate(ctx, sid, arg.get("host"))
    return no_content(202)


async def _evacuate(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                    arg: Any) -> Response:
    await _enforce(a, ctx, sid, "os_compute_api:os-evacuate")
    v = version(request)
    if not v.matches("2.14") and "onSharedStorage" not in arg:
        raise errors.FieldValidationError(path="evacuate", value=arg,
                                          message="'onSharedStorage' is a required property")
    if v.matches("2.14") and "onSharedStorage" in arg:
        raise errors.AdditionalProperties(path="evacuate", prop="onSharedStorage")
    if arg.get("onSharedStorage") and arg.get("adminPass"):
        raise errors.AdminPasswordOnExistingDisk()
    await a.parts.actions.evacuate(ctx, sid, arg.get("host"))
    if v.matches("2.14"):
        return no_content(200)
    return json_response({"adminPass": arg.get("adminPass") or secrets.token_urlsafe(9)})


async def _backup(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                  arg: Any) -> Response:
    await _enforce(a, ctx, sid, "os_compute_api:os-create-backup")
    image_id = await a.parts.actions.backup(ctx, sid, arg)
    if version(request).matches("2.45"):
        return json_response({"image_id": image_id}, 202)
    if int(arg["rotation"]) == 0:       # nothing kept: Nova gives no Location then
        return no_content(202)
    return no_content(202, {"Location": f"{a.base_url}/v2.1/images/{image_id}"})


async def _force_delete(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                        arg: Any) -> Response:
    await _enforce(a, ctx, sid, "os_compute_api:os-deferred-delete:force")
    await a.servers.delete(ctx, sid)
    return no_content(202)


async def _inject_network_info(request: Request, a: ComputeApi, ctx: RequestContext,
                               sid: str, arg: Any) -> Response:
    """Nova's admin action; its libvirt driver does nothing for it (guests take their network
    from DHCP and the metadata service), and neither do Nubo's drivers."""
    await _enforce(a, ctx, sid, "os_compute_api:os-admin-actions:inject_network_info")
    return no_content(202)


async def _console_output(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                          arg: Any) -> Response:
    inst = await _enforce(a, ctx, sid, "os_compute_api:os-console-output")
    length = (arg or {}).get("length")
    length = None if length is None or int(length) == -1 else int(length)
    if length is not None and length < 0:
        raise errors.InvalidFieldValue(path="length")
    text = await a.parts.consoles.output(inst, length)
    return json_response({"output": text})


async def _console(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                   arg: Any) -> Response:
    inst = await _enforce(a, ctx, sid, "os_compute_api:os-remote-consoles")
    url = await a.parts.consoles.create(inst, arg["type"])
    return json_response({"console": {"type": arg["type"], "url": url}})


HANDLERS: dict[str, Handler] = {
    "pause": _simple("os_compute_api:os-pause-server:pause", "pause"),
    "unpause": _simple("os_compute_api:os-pause-server:unpause", "unpause"),
    "suspend": _simple("os_compute_api:os-suspend-server:suspend", "suspend"),
    "resume": _simple("os_compute_api:os-suspend-server:resume", "resume"),
    "unrescue": _simple("os_compute_api:os-unrescue", "unrescue"),
    "shelve": _simple("os_compute_api:os-shelve:shelve", "shelve"),
    "shelveOffload": _simple("os_compute_api:os-shelve:shelve_offload", "shelve_offload"),
    "restore": _simple("os_compute_api:os-deferred-delete:restore", "restore"),
    "forceDelete": _force_delete, "injectNetworkInfo": _inject_network_info,
    "rescue": _rescue, "unshelve": _unshelve,
    "migrate": _migrate, "os-migrateLive": _live, "evacuate": _evacuate,
    "createBackup": _backup, "os-getConsoleOutput": _console_output,
    "os-getVNCConsole": _console, "os-getSerialConsole": _console,
}


async def dispatch(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                   name: str, arg: Any) -> Response:
    validate({"type": "object", "properties": {name: ACTIONS[name]}}, {name: arg})
    return await HANDLERS[name](request, a, ctx, sid, arg)


async def remote_console(request: Request, a: ComputeApi, ctx: RequestContext, sid: str,
                         body: dict[str, Any]) -> Response:
    """POST /servers/{id}/remote-consoles (2.6): the protocol/type pairs Nova knows."""
    rc = body["remote_console"]
    inst = await _enforce(a, ctx, sid, "os_compute_api:os-remote-consoles")
    if PROTOCOLS.get(rc["type"]) != rc["protocol"]:
        if rc["protocol"] in PROTOCOLS.values():
            raise errors.ConsoleTypeUnavailable(console_type=rc['type'])
        raise errors.ConsoleTypeUnavailable(console_type=rc['protocol'])
    url = await a.parts.consoles.create(inst, rc["type"])
    return json_response({"remote_console": {"protocol": rc["protocol"], "type": rc["type"],
                                             "url": url}})
