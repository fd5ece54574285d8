"""/servers: create, list, detail, show, update, delete, actions, metadata, action log."""

from __future__ import annotations

import secrets
from typing import Any

from oslo_utils import strutils
from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.handlers import server_actions, server_network
from nubo.compute.api.schemas import servers as schemas
from nubo.compute.api.wiring import api
from nubo.compute.service import servers_query
from nubo.core.http import context, json_response, no_content, read_json, version
from nubo.core.microversion import APIVersion
from nubo.core.validation import validate


def _target(project_id: str | None) -> dict[str, Any]:
    return {"project_id": project_id}


async def create(request: Request) -> Response:
    a, ctx = api(request), context(request)
    body = await read_json(request, schemas.create_schema(version(request)), a.max_body)
    a.enforce(ctx, "os_compute_api:servers:create", _target(ctx.project_id))
    await a.servers.networking.check_groups(
        ctx, [g["name"] for g in body["server"].get("security_groups") or [] if "name" in g])
    created = await a.servers.create(ctx, body)
    admin_pass = body["server"].get("adminPass") or secrets.token_urlsafe(9)
    if str(body["server"].get("return_reservation_id", "")).lower() in ("true", "1"):
        return json_response({"reservation_id": created[0].instance.reservation_id}, 202)
    first = created[0]
    return json_response({"server": a.server_views.created(first, admin_pass)}, 202,
                         {"Location": a.server_views.links("servers", first.instance.id)[0][
                             "href"]})


def _all_tenants(q: dict[str, Any]) -> bool:
    """Nova's common.is_all_tenants: strutils' strict booleans; an empty value is true."""
    v = q.get("all_tenants")
    if not v:
        return "all_tenants" in q
    try:
        return strutils.bool_from_string(v, strict=True)
    except ValueError as e:
        raise errors.InvalidInput(reason=e) from None


def _query(request: Request) -> dict[str, Any]:
    return {k: v for k, v in request.query_params.items()}


async def list_(request: Request) -> Response:
    return await _list(request, detail=False)


async def detail(request: Request) -> Response:
    return await _list(request, detail=True)


async def _list(request: Request, detail: bool) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "os_compute_api:servers:detail" if detail else "os_compute_api:servers:index",
              _target(ctx.project_id))
    q, ver = _query(request), version(request)
    # Nova's _get_servers: a true all_tenants (present and empty counts) is checked against
    # servers:{index,detail}:get_all_tenants (admin by default), a 403 for anybody else
    if _all_tenants(q):
        kind = "detail" if detail else "index"
        a.enforce(ctx, f"os_compute_api:servers:{kind}:get_all_tenants",
                  _target(ctx.project_id))
    else:
        q.pop("all_tenants", None)
    q = servers_query.prepare(q, ctx, ver)
    found = await a.servers.list_servers(ctx, q)
    if detail:
        await servers_query.fill_host_status(found, a.services, ctx, ver)
    render = (lambda v: a.server_views.detail(v, ctx, ver)) if detail else \
        a.server_views.brief
    body: dict[str, Any] = {"servers": [render(v) for v in found]}
    if q.get("limit") and len(found) == int(q["limit"]) and found:
        path = "servers/detail" if detail else "servers"
        params = "&".join(f"{k}={v}" for k, v in q.items() if k != "marker")
        body["servers_links"] = [{"rel": "next", "href": f"{a.base_url}/v2.1/{path}?"
                                  f"{params}&marker={found[-1].instance.id}"}]
    return json_response(body)


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    view = await a.servers.get(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:servers:show", _target(view.instance.project_id))
    ver = version(request)
    await servers_query.fill_host_status([view], a.services, ctx, ver)
    return json_response({"server": a.server_views.detail(view, ctx, ver, show=True)})


async def update(request: Request) -> Response:
    a, ctx = api(request), context(request)
    ver = version(request)
    body = await read_json(request, schemas.update_schema(ver), a.max_body)
    sid = request.path_params["server_id"]
    current = await a.servers.get(ctx, sid)
    a.enforce(ctx, "os_compute_api:servers:update", _target(current.instance.project_id))
    await a.servers.update(ctx, sid, body["server"])
    view = await a.servers.get(ctx, sid)      # with its addresses and groups, as Nova shows
    await servers_query.fill_host_status([view], a.services, ctx, ver)
    return json_response({"server": a.server_views.updated(view, ctx, ver)})


async def delete(request: Request) -> Response:
    a, ctx = api(request), context(request)
    sid = request.path_params["server_id"]
    current = await a.servers.get(ctx, sid)
    a.enforce(ctx, "os_compute_api:servers:delete", _target(current.instance.project_id))
    await a.parts.actions.delete(ctx, sid)     # soft when reclaim_instance_interval > 0
    return no_content()


async def action(request: Request) -> Response:
    a, ctx = api(request), context(request)
    body = await read_json(request, {"type": "object", "minProperties": 1,
                                     "maxProperties": 1}, a.max_body)
    (name, arg), = body.items()
    if name in server_actions.ACTIONS:      # pause, shelve, migrate ... (actions.py)
        return await server_actions.dispatch(request, a, ctx, request.path_params[
            "server_id"], name, arg)
    if name in server_network.ACTIONS:      # security groups, floating IPs
        return await server_network.dispatch(request, a, ctx, request.path_params[
            "server_id"], name, arg)
    ver = version(request)
    arg_schema = schemas.action_schema(name, ver)
    if arg_schema is None:
        raise errors.InvalidAction(action=name)
    validate(schemas.action_body_schema(name, ver), body)
    sid = request.path_params["server_id"]
    current = await a.servers.get(ctx, sid)
    target = _target(current.instance.project_id)
    s = a.servers
    if name == "os-start":
        a.enforce(ctx, "os_compute_api:servers:start", target)
        await s.start(ctx, sid)
    elif name == "os-stop":
        a.enforce(ctx, "os_compute_api:servers:stop", target)
        await s.stop(ctx, sid)
    elif name == "reboot":
        a.enforce(ctx, "os_compute_api:servers:reboot", target)
        await s.reboot(ctx, sid, arg["type"].upper() == "HARD")
    elif name in ("lock", "unlock"):
        a.enforce(ctx, f"os_compute_api:os-lock-server:{name}", target)
        # a reason exists from 2.73; Nova ignores the body of lock before that
        reason = (arg or {}).get("locked_reason") if ver >= APIVersion(2, 73) else None
        await s.lock(ctx, sid, name == "lock", reason)
    elif name == "resize":
        a.enforce(ctx, "os_compute_api:servers:resize", target)
        await s.resize(ctx, sid, str(arg["flavorRef"]))
    elif name == "rebuild":
        a.enforce(ctx, "os_compute_api:servers:rebuild", target)
        view = await s.rebuild(ctx, sid, arg)
        await servers_query.fill_host_status([view], a.services, ctx, ver)
        body = a.server_views.rebuilt(view, ctx, ver)
        body["adminPass"] = arg.get("adminPass") or secrets.token_urlsafe(9)
        return json_response({"server": body}, 202)
    elif name == "os-resetState":
        a.enforce(ctx, "os_compute_api:os-admin-actions:reset_state", target)
        await s.reset_state(ctx, sid, arg["state"])
    elif name == "createImage":
        a.enforce(ctx, "os_compute_api:servers:create_image", target)
        image_id = await s.create_image(ctx, sid, arg["name"], arg.get("metadata") or {})
        if ver >= APIVersion(2, 45):     # the id in the body, no Location header
            return json_response({"image_id": image_id}, 202)
        return no_content(202, {"Location": f"{a.base_url}/v2.1/images/{image_id}"})
    elif name == "confirmResize":
        a.enforce(ctx, "os_compute_api:servers:confirm_resize", target)
        await s.confirm_resize(ctx, sid)
        return no_content(204)
    elif name == "revertResize":
        a.enforce(ctx, "os_compute_api:servers:revert_resize", target)
        await s.revert_resize(ctx, sid)
    elif name == "forceDelete":
        a.enforce(ctx, "os_compute_api:os-deferred-delete:force", target)
        await s.delete(ctx, sid)
    return no_content(202)


# ------------------------------------------------------------------ metadata

async def get_metadata(request: Request) -> Response:
    a, ctx = api(request), context(request)
    view = await a.servers.get(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:server-metadata:index", _target(view.instance.project_id))
    return json_response({"metadata": view.metadata})


async def _set_metadata(request: Request, replace: bool) -> Response:
    a, ctx = api(request), context(request)
    body = await read_json(request, schemas.METADATA_BODY, a.max_body)
    sid = request.path_params["server_id"]
    view = await a.servers.get(ctx, sid)
    a.enforce(ctx, "os_compute_api:server-metadata:update", _target(view.instance.project_id))
    merged = await a.servers.set_metadata(ctx, sid, body["metadata"], replace)
    return json_response({"metadata": merged})


async def replace_metadata(request: Request) -> Response:
    return await _set_metadata(request, True)


async def update_metadata(request: Request) -> Response:
    return await _set_metadata(request, False)


async def get_meta_item(request: Request) -> Response:
    a, ctx = api(request), context(request)
    view = await a.servers.get(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:server-metadata:show", _target(view.instance.project_id))
    key = request.path_params["key"]
    if key not in view.metadata:
        raise errors.MetadataItemNotFound()
    return json_response({"meta": {key: view.metadata[key]}})


async def put_meta_item(request: Request) -> Response:
    a, ctx = api(request), context(request)
    body = await read_json(request, schemas.META_ITEM, a.max_body)
    key = request.path_params["key"]
    if key not in body["meta"]:
        raise errors.BodyUriMismatch()
    sid = request.path_params["server_id"]
    view = await a.servers.get(ctx, sid)
    a.enforce(ctx, "os_compute_api:server-metadata:update", _target(view.instance.project_id))
    await a.servers.set_metadata(ctx, sid, body["meta"], replace=False)
    return json_response({"meta": body["meta"]})


async def delete_meta_item(request: Request) -> Response:
    a, ctx = api(request), context(request)
    sid = request.path_params["server_id"]
    view = await a.servers.get(ctx, sid)
    a.enforce(ctx, "os_compute_api:server-metadata:delete", _target(view.instance.project_id))
    await a.servers.delete_metadata(ctx, sid, request.path_params["key"])
    return no_content()


# ------------------------------------------------------------------ instance actions

async def list_actions(request: Request) -> Response:
    a, ctx = api(request), context(request)
    sid = request.path_params["server_id"]
    found = await a.servers.actions(ctx, sid)
    a.enforce(ctx, "os_compute_api:os-instance-actions:list",
              _target(found[0].project_id if found else ctx.project_id))
    ver = version(request)
    return json_response({"instanceActions": [a.server_views.action(x, ver) for x in found]})


async def show_action(request: Request) -> Response:
    a, ctx = api(request), context(request)
    p = request.path_params
    act, events = await a.servers.action(ctx, p["server_id"], p["request_id"])
    a.enforce(ctx, "os_compute_api:os-instance-actions:show", _target(act.project_id))
    ver = version(request)
    body = a.server_views.action(act, ver)
    if ver >= APIVersion(2, 51) or a.policy.allowed(
            ctx, "os_compute_api:os-instance-actions:events", _target(act.project_id)):
        # 2.51: everybody sees the events (without tracebacks)
        body["events"] = [a.server_views.event(e, ctx.is_admin, ver, act.project_id)
                          for e in events]
    return json_response({"instanceAction": body})
