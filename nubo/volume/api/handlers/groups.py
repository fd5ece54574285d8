"""/group_types (3.11), /groups (3.13; from a source 3.14, reset status 3.20) and
/group_snapshots (3.14; reset status 3.19): generic volume groups (service/groups.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.http import json_response, no_content
from nubo.core.microversion import APIVersion
from nubo.core.validation import validate
from nubo.volume.api.handlers.common import (
    all_tenants,
    begin,
    body,
    flag,
    is_admin,
    own_project,
    param,
    query,
    scope,
)
from nubo.volume.api.schemas import groups as schemas
from nubo.volume.api.views import groups as views
from nubo.volume.api.wiring import VolumeApi
from nubo.volume.errors import (
    GroupTypeSpecNotFound,
    InvalidInput,
    VersionNotFoundForAPIMethod,
)
from nubo.volume.service.groups import NewGroup
from nubo.volume.service.listing import Page, parse_page

SORT_KEYS = frozenset({"id", "name", "created_at", "status", "is_public"})


def _begin(request: Request, action: str, since: str
           ) -> tuple[VolumeApi, RequestContext, APIVersion]:
    a, ctx, v = begin(request, action)
    if not v.matches(since):
        raise VersionNotFoundForAPIMethod(version=str(v))
    return a, ctx, v


def _page(request: Request) -> Page:
    q = query(request)
    return parse_page(q.get("sort"), q.get("sort_key"), q.get("sort_dir"), q.get("limit"),
                      q.get("marker"), q.get("offset"), SORT_KEYS)


# ---------------------------------------------------------------------- group types

async def type_create(request: Request) -> Response:
    a, _ctx, _v = _begin(request, "group:group_types:create", "3.11")
    spec = (await body(request, schemas.CREATE_TYPE))["group_type"]
    t = await a.storage.groups.create_type(
        spec["name"].strip(), spec.get("description"),
        flag(str(spec.get("is_public", True)), "is_public"), spec.get("group_specs") or {})
    return json_response({"group_type": views.group_type(t, True)}, 202)


async def type_list(request: Request) -> Response:
    a, ctx, _v = _begin(request, "group:group_types:get_all", "3.11")
    admin = is_admin(a, ctx)
    raw = query(request).get("is_public")
    # Cinder: an admin's is_public=None lists every type; others see the public ones
    is_public = None if admin and (raw is None or raw.lower() == "none") else \
        (True if raw is None or not admin else flag(raw, "is_public"))
    found = await a.storage.groups.list_types(is_public, _page(request))
    return json_response({"group_types": [views.group_type(t, admin) for t in found]})


async def type_show(request: Request) -> Response:
    a, ctx, _v = _begin(request, "group:group_types:get", "3.11")
    admin = is_admin(a, ctx)
    t = await a.storage.groups.get_type(param(request, "group_type_id"), admin)
    return json_response({"group_type": views.group_type(t, admin)})


async def type_update(request: Request) -> Response:
    a, _ctx, _v = _begin(request, "group:group_types:update", "3.11")
    spec = (await body(request, schemas.UPDATE_TYPE))["group_type"]
    is_public = spec.get("is_public")
    t = await a.storage.groups.update_type(
        param(request, "group_type_id"), spec.get("name"), spec.get("description"),
        None if is_public is None else flag(str(is_public), "is_public"))
    return json_response({"group_type": views.group_type(t, True)})


async def type_delete(request: Request) -> Response:
    a, _ctx, _v = _begin(request, "group:group_types:delete", "3.11")
    await a.storage.groups.delete_type(param(request, "group_type_id"))
    return no_content(202)


async def specs_index(request: Request) -> Response:
    a, _ctx, _v = _begin(request, "group:group_types_specs:get_all", "3.11")
    t = await a.storage.groups.get_type(param(request, "group_type_id"))
    return json_response({"group_specs": dict(t.group_specs)})


async def specs_create(request: Request) -> Response:
    a, _ctx, _v = _begin(request, "group:group_types_specs:create", "3.11")
    specs = dict((await body(request, schemas.SPECS))["group_specs"])
    await a.storage.groups.set_specs(param(request, "group_type_id"), specs)
    return json_response({"group_specs": specs}, 202)


async def specs_show(request: Request) -> Response:
    a, _ctx, _v = _begin(request, "group:group_types_specs:get", "3.11")
    type_id, key = param(request, "group_type_id"), param(request, "key")
    t = await a.storage.groups.get_type(type_id)
    if key not in t.group_specs:
        raise GroupTypeSpecNotFound(group_type_id=type_id, key=key)
    return json_response({key: t.group_specs[key]})


async def specs_update(request: Request) -> Response:
    a, _ctx, _v = _begin(request, "group:group_types_specs:update", "3.11")
    key = param(request, "key")
    spec = dict(await body(request, schemas.SPEC_ITEM))
    if key not in spec:
        raise InvalidInput(reason="Request body and URI mismatch")
    await a.storage.groups.set_specs(param(request, "group_type_id"), spec)
    return json_response(spec)


async def specs_delete(request: Request) -> Response:
    a, _ctx, _v = _begin(request, "group:group_types_specs:delete", "3.11")
    await a.storage.groups.delete_spec(param(request, "group_type_id"), param(request, "key"))
    return no_content(202)


# ---------------------------------------------------------------------- groups

async def create(request: Request) -> Response:
    a, ctx, _v = _begin(request, "group:create", "3.13")
    spec = (await body(request, schemas.CREATE))["group"]
    g = await a.storage.groups.create(NewGroup(
        own_project(ctx), ctx.user_id or "", spec.get("name"), spec.get("description"),
        spec["group_type"], tuple(spec["volume_types"]), spec.get("availability_zone")))
    return json_response({"group": {"id": g.id, "name": g.name}}, 202)


async def list_summary(request: Request) -> Response:
    return await _list(request, detailed=False)


async def list_detail(request: Request) -> Response:
    return await _list(request, detailed=True)


async def _list(request: Request, detailed: bool) -> Response:
    a, ctx, v = _begin(request, "group:get_all", "3.13")
    q = query(request)
    project = None if all_tenants(a, ctx, q) else ctx.project_id
    found = await a.storage.groups.list_(project, _page(request))
    with_volumes = flag(q.get("list_volume"), "list_volume")
    items = []
    for g in found:
        if not detailed:
            items.append({"id": g.id, "name": g.name})
            continue
        vols = await a.storage.groups.volume_ids(g.id) if with_volumes else None
        items.append(views.group(g, v, vols))
    return json_response({"groups": items})


async def show(request: Request) -> Response:
    a, ctx, v = _begin(request, "group:get", "3.13")
    g = await a.storage.groups.get(param(request, "group_id"), scope(a, ctx))
    vols = await a.storage.groups.volume_ids(g.id) \
        if flag(query(request).get("list_volume"), "list_volume") else None
    return json_response({"group": views.group(g, v, vols)})


def _ids(raw: str | None) -> list[str]:
    return [x.strip() for x in (raw or "").split(",") if x.strip()]


async def update(request: Request) -> Response:
    a, ctx, _v = _begin(request, "group:update", "3.13")
    spec = (await body(request, schemas.UPDATE))["group"]
    await a.storage.groups.update(
        param(request, "group_id"), scope(a, ctx), name=spec.get("name"),
        description=spec.get("description"), add=_ids(spec.get("add_volumes")),
        remove=_ids(spec.get("remove_volumes")))
    return no_content(202)


async def action(request: Request) -> Response:
    """POST /groups/{id}/action: delete (with delete-volumes) or an admin's reset_status."""
    doc = await body(request, {"type": "object", "minProperties": 1, "maxProperties": 1})
    gid = param(request, "group_id")
    if "delete" in doc:
        a, ctx, _v = _begin(request, "group:delete", "3.13")
        validate(schemas.DELETE, doc)
        delete_volumes = flag(str((doc["delete"] or {}).get("delete-volumes", False)),
                              "delete-volumes")
        await a.storage.groups.delete(gid, scope(a, ctx), delete_volumes)
        return no_content(202)
    if "reset_status" in doc:
        a, ctx, _v = _begin(request, "group:reset_status", "3.20")
        validate(schemas.RESET_STATUS, doc)
        await a.storage.groups.reset_status(gid, doc["reset_status"]["status"])
        return no_content(202)
    raise InvalidInput(reason=f"There is no such action: {next(iter(doc))}")


async def create_from_source(request: Request) -> Response:
    """POST /groups/action {"create-from-src": ...} (3.14)."""
    a, ctx, _v = _begin(request, "group:create", "3.14")
    spec = (await body(request, schemas.CREATE_FROM_SOURCE))["create-from-src"]
    g = await a.storage.groups.create_from_source(NewGroup(
        own_project(ctx), ctx.user_id or "", spec.get("name"), spec.get("description"),
        group_snapshot_id=spec.get("group_snapshot_id"),
        source_group_id=spec.get("source_group_id")))
    return json_response({"group": {"id": g.id, "name": g.name}}, 202)


# ---------------------------------------------------------------------- group snapshots

async def snapshot_create(request: Request) -> Response:
    a, ctx, _v = _begin(request, "group:create_group_snapshot", "3.14")
    spec = (await body(request, schemas.CREATE_SNAPSHOT))["group_snapshot"]
    gs = await a.storage.groups.create_snapshot(
        spec["group_id"], own_project(ctx), ctx.user_id or "", spec.get("name"),
        spec.get("description"))
    return json_response({"group_snapshot": {
        "id": gs.id, "name": gs.name, "group_type_id": gs.group_type_id}}, 202)


async def snapshot_list_summary(request: Request) -> Response:
    return await _snapshot_list(request, detailed=False)


async def snapshot_list_detail(request: Request) -> Response:
    return await _snapshot_list(request, detailed=True)


async def _snapshot_list(request: Request, detailed: bool) -> Response:
    a, ctx, _v = _begin(request, "group:get_all_group_snapshots", "3.14")
    project = None if all_tenants(a, ctx, query(request)) else ctx.project_id
    found = await a.storage.groups.list_snapshots(project, _page(request))
    return json_response({"group_snapshots": [
        views.group_snapshot(gs) if detailed else {"id": gs.id, "name": gs.name}
        for gs in found]})


async def snapshot_show(request: Request) -> Response:
    a, ctx, _v = _begin(request, "group:get_group_snapshot", "3.14")
    gs = await a.storage.groups.get_snapshot(param(request, "group_snapshot_id"),
                                            scope(a, ctx))
    return json_response({"group_snapshot": views.group_snapshot(gs)})


async def snapshot_delete(request: Request) -> Response:
    a, ctx, _v = _begin(request, "group:delete_group_snapshot", "3.14")
    await a.storage.groups.delete_snapshot(param(request, "group_snapshot_id"), scope(a, ctx))
    return no_content(202)


async def snapshot_action(request: Request) -> Response:
    a, _ctx, _v = _begin(request, "group:reset_group_snapshot_status", "3.19")
    doc = await body(request, schemas.RESET_SNAPSHOT_STATUS)
    await a.storage.groups.reset_snapshot_status(param(request, "group_snapshot_id"),
                                                 doc["reset_status"]["status"])
    return no_content(202)
