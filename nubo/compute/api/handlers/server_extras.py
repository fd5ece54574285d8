"""Server tags, remote consoles and console auth tokens, os-migrations and a server's
migrations, os-server-external-events, and diagnostics."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors, states
from nubo.compute.api.handlers.server_actions import _enforce, remote_console
from nubo.compute.api.schemas import server_actions as schemas
from nubo.compute.api.views.servers import ts_micro
from nubo.compute.api.wiring import api
from nubo.compute.models_actions import Migration
from nubo.compute.service import migration_records as records
from nubo.compute.service.diagnostics import diagnostics as build_diagnostics
from nubo.compute.service.external_events import record_events
from nubo.core.http import context, json_response, no_content, read_json, version

# ------------------------------------------------------------------ tags


async def _tagged(request: Request, policy: str) -> tuple[Any, Any]:
    a, ctx = api(request), context(request)
    inst = await _enforce(a, ctx, request.path_params["server_id"], policy)
    return a, inst


async def tags_list(request: Request) -> Response:
    a, inst = await _tagged(request, "os_compute_api:os-server-tags:index")
    return json_response({"tags": await a.parts.tags.list_tags(inst)})


async def tags_replace(request: Request) -> Response:
    a = api(request)
    body = await read_json(request, schemas.TAGS, a.max_body)
    a, inst = await _tagged(request, "os_compute_api:os-server-tags:update_all")
    return json_response({"tags": await a.parts.tags.replace(inst, body["tags"])})


async def tags_clear(request: Request) -> Response:
    a, inst = await _tagged(request, "os_compute_api:os-server-tags:delete_all")
    await a.parts.tags.clear(inst)
    return no_content()


async def tag_show(request: Request) -> Response:
    a, inst = await _tagged(request, "os_compute_api:os-server-tags:show")
    await a.parts.tags.has(inst, request.path_params["tag"])
    return no_content()


async def tag_add(request: Request) -> Response:
    a, inst = await _tagged(request, "os_compute_api:os-server-tags:update")
    tag = request.path_params["tag"]
    if not await a.parts.tags.add(inst, tag):
        return no_content()
    return no_content(201, {"Location": f"{a.base_url}/v2.1/servers/{inst.id}/tags/{tag}"})


async def tag_delete(request: Request) -> Response:
    a, inst = await _tagged(request, "os_compute_api:os-server-tags:delete")
    await a.parts.tags.remove(inst, request.path_params["tag"])
    return no_content()


# ------------------------------------------------------------------ consoles


async def remote_consoles(request: Request) -> Response:
    a, ctx = api(request), context(request)
    body = await read_json(request, schemas.REMOTE_CONSOLE, a.max_body)
    return await remote_console(request, a, ctx, request.path_params["server_id"], body)


async def console_token(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "os_compute_api:os-console-auth-tokens")
    token = request.path_params["token"]
    row = await a.parts.consoles.lookup(token)
    if row is None:
        raise errors.InvalidToken(token=token)
    if row.console_type != "rdp-html5" and not version(request).matches("2.31"):
        # Nova shows only RDP console details before 2.31
        raise errors.InvalidToken(token=token)
    return json_response({"console": {"instance_uuid": row.instance_uuid, "host": row.host,
                                      "port": row.port,
                                      "internal_access_path": row.internal_access_path}})


# ------------------------------------------------------------------ migrations


def _migration(m: Migration, v: Any, server_view: bool = False,
               flavor_ids: dict[str, int] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": m.id, "status": m.status, "source_compute": m.source_compute,
        "source_node": m.source_compute, "dest_compute": m.dest_compute,
        "dest_node": m.dest_compute, "dest_host": m.dest_compute,
        "created_at": ts_micro(m.created_at), "updated_at": ts_micro(m.updated_at)}
    if server_view:
        out["server_uuid"] = m.instance_uuid
        out.update({k: None for k in (
            "memory_total_bytes", "memory_processed_bytes", "memory_remaining_bytes",
            "disk_total_bytes", "disk_processed_bytes", "disk_remaining_bytes")})
    else:
        # Nova shows the flavors' internal integer ids here (null once a flavor is gone)
        ids = flavor_ids or {}
        out.update(instance_uuid=m.instance_uuid,
                   old_instance_type_id=ids.get(m.old_flavor_id or ""),
                   new_instance_type_id=ids.get(m.new_flavor_id or ""))
        if v.matches("2.23"):
            out["migration_type"] = m.migration_type
    if v.matches("2.59"):
        out["uuid"] = m.uuid
    if v.matches("2.80"):
        out.update(user_id=m.user_id, project_id=m.project_id)
    return out


async def migrations_list(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "os_compute_api:os-migrations:index")
    q, v = request.query_params, version(request)
    filters = {key: q[key] for key in ("instance_uuid", "status", "migration_type",
                                       "source_compute") if q.get(key)}
    if v.matches("2.80"):
        filters.update({key: q[key] for key in ("user_id", "project_id") if q.get(key)})
    # Nova hides live migrations before 2.23
    rows, flavor_ids = await records.search(a.db, filters, v.matches("2.23"))
    if q.get("host"):
        rows = [m for m in rows if q["host"] in (m.source_compute, m.dest_compute)]
    return json_response({"migrations": [_migration(m, v, flavor_ids=flavor_ids)
                                         for m in rows]})


async def _server_migrations(request: Request, policy: str) -> tuple[Any, Any, list[Migration]]:
    a, ctx = api(request), context(request)
    inst = await _enforce(a, ctx, request.path_params["server_id"], policy)
    rows = await records.live_running(a.db, inst.id)
    return a, inst, rows


def _one(inst: Any, rows: list[Migration], mid: str) -> Migration:
    for m in rows:
        if str(m.id) == mid:
            return m
    raise errors.LiveMigrationNotFound(migration_id=mid, server_id=inst.id)


async def server_migrations(request: Request) -> Response:
    _, _, rows = await _server_migrations(request, "os_compute_api:servers:migrations:index")
    v = version(request)
    return json_response({"migrations": [_migration(m, v, True) for m in rows]})


async def server_migration(request: Request) -> Response:
    _, inst, rows = await _server_migrations(request, "os_compute_api:servers:migrations:show")
    m = _one(inst, rows, request.path_params["migration_id"])
    return json_response({"migration": _migration(m, version(request), True)})


async def _check_live(a: Any, inst: Any, mid: str, method: str,
                      allowed: tuple[str, ...]) -> Migration:
    m = await records.by_id(a.db, mid, inst.id)
    if m is None:
        raise errors.MigrationNotFoundForInstance(migration_id=mid, instance_id=inst.id)
    if m.migration_type != "live-migration":
        raise errors.NotLiveMigration(migration_id=mid, instance_id=inst.id)
    if m.status not in allowed:
        raise errors.InvalidMigrationState(migration_id=mid, instance_uuid=inst.id, state=m.status,
                                           method=method)
    return m


async def force_complete(request: Request) -> Response:
    a, ctx = api(request), context(request)
    await read_json(request, schemas.FORCE_COMPLETE, a.max_body)
    await _enforce(a, ctx, request.path_params["server_id"],
                   "os_compute_api:servers:migrations:force_complete")
    await a.parts.actions.force_complete(ctx, request.path_params["server_id"],
                                           request.path_params["migration_id"])
    return no_content(202)


async def abort_migration(request: Request) -> Response:
    a, _, _ = await _server_migrations(request, "os_compute_api:servers:migrations:delete")
    inst = (await a.servers.get(context(request), request.path_params["server_id"])).instance
    if inst.task_state != states.MIGRATING:
        raise errors.InstanceInvalidState(action="abort live migration", uuid=inst.id,
                                          attr="task_state", state=inst.task_state)
    m = await _check_live(a, inst, request.path_params["migration_id"],
                          "abort live migration", ("accepted", "queued", "preparing"))
    # the migrator sees it before it starts copying, and rolls back
    await records.set_status(a.db, m.uuid, "cancelling", expect=("accepted", "queued",
                                                                 "preparing"))
    return no_content(202)


# ------------------------------------------------------------------ events, diagnostics


async def external_events(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "os_compute_api:os-server-external-events:create")
    body = await read_json(request, schemas.EVENTS, a.max_body)
    done = await record_events(a.db, a.parts.conductor.events, ctx, body["events"])
    codes = {e["code"] for e in done}
    if codes == {404}:
        raise errors.NoInstancesForEvents()
    return json_response({"events": done}, 200 if codes == {200} else 207)


async def diagnostics(request: Request) -> Response:
    a, ctx = api(request), context(request)
    inst = await _enforce(a, ctx, request.path_params["server_id"],
                          "os_compute_api:os-server-diagnostics")
    standard, flat = await build_diagnostics(a.parts.bus, inst)
    # before 2.48 the answer was the driver's own dictionary (libvirt's keys)
    return json_response(standard if version(request).matches("2.48") else flat)
