"""/snapshots: create, list (summary and detail), show, update, delete, metadata."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.volume import errors
from nubo.volume.api.handlers.common import (
    all_tenants,
    begin,
    body,
    flag,
    is_admin,
    metadata_filter,
    own_project,
    param,
    query,
    scope,
)
from nubo.volume.api.handlers.metadata import MetadataRoutes
from nubo.volume.api.schemas import snapshots as schemas
from nubo.volume.api.schemas.types_ import to_bool
from nubo.volume.api.views import snapshots as views
from nubo.volume.api.views.common import next_link
from nubo.volume.service.listing import parse_page
from nubo.volume.service.snapshots import NewSnapshot, SnapshotFilter

SORT_KEYS = frozenset({"id", "name", "status", "size", "created_at", "updated_at",
                       "volume_id", "project_id"})
FILTERS = frozenset({"name", "status", "volume_id", "metadata", "availability_zone"})
PAGING = frozenset({"sort", "sort_key", "sort_dir", "limit", "marker", "offset",
                    "all_tenants", "with_count", "project_id"})


async def create(request: Request) -> Response:
    a, ctx, v = begin(request, "volume:create_snapshot")
    spec = (await body(request, schemas.CREATE))["snapshot"]
    if spec["volume_id"] is None:
        raise errors.VolumeNotFound(volume_id="None")
    new = NewSnapshot(project_id=own_project(ctx), user_id=ctx.user_id or "",
                      volume_id=spec["volume_id"], force=to_bool(spec.get("force", False)),
                      name=spec.get("name", spec.get("display_name")),
                      description=spec.get("description", spec.get("display_description")),
                      metadata=spec.get("metadata") or {})
    snap = await a.storage.snapshots.create(new)
    return json_response({"snapshot": views.detail(snap, v, extended=False)}, 202)


async def list_summary(request: Request) -> Response:
    return await _list(request, detailed=False)


async def list_detail(request: Request) -> Response:
    return await _list(request, detailed=True)


async def _list(request: Request, detailed: bool) -> Response:
    a, ctx, v = begin(request, "volume:get_all_snapshots")
    q = query(request)
    unknown = set(q) - FILTERS - PAGING
    if unknown and not is_admin(a, ctx):
        raise errors.InvalidInput(
            reason=f"Invalid filters {', '.join(sorted(unknown))} are found in query "
                   "options.")
    project = None if all_tenants(a, ctx, q) else ctx.project_id
    f = SnapshotFilter(project_id=project, name=q.get("name"), status=q.get("status"),
                       volume_id=q.get("volume_id"),
                       metadata=metadata_filter(q.get("metadata")))
    page = parse_page(q.get("sort"), q.get("sort_key"), q.get("sort_dir"), q.get("limit"),
                      q.get("marker"), q.get("offset"), SORT_KEYS)
    found = await a.storage.snapshots.list_(f, page)
    items = [views.detail(s, v, extended=detailed) for s in found]
    out: dict[str, object] = {"snapshots": items}
    more = next_link(str(request.url).split("?")[0], list(request.query_params.multi_items()),
                     items, page.limit)
    if more:
        out["snapshots_links"] = more
    if v.matches("3.45") and flag(q.get("with_count"), "with_count"):
        out["count"] = len(await a.storage.snapshots.list_(
            f, parse_page(None, None, None, None, None, None, SORT_KEYS)))
    return json_response(out)


async def show(request: Request) -> Response:
    a, ctx, v = begin(request, "volume:get_snapshot")
    snap = await a.storage.snapshots.get(param(request, "snapshot_id"), scope(a, ctx))
    return json_response({"snapshot": views.detail(snap, v)})


async def update(request: Request) -> Response:
    a, ctx, v = begin(request, "volume:update_snapshot")
    spec = (await body(request, schemas.UPDATE))["snapshot"]
    name = spec.get("name", spec.get("display_name", ...))
    desc = spec.get("description", spec.get("display_description", ...))
    snap = await a.storage.snapshots.update(
        param(request, "snapshot_id"), scope(a, ctx),
        name=None if name is ... else (name,), description=None if desc is ... else (desc,))
    return json_response({"snapshot": views.detail(snap, v, extended=False)})


async def delete(request: Request) -> Response:
    a, ctx, _v = begin(request, "volume:delete_snapshot")
    await a.storage.snapshots.delete(param(request, "snapshot_id"), scope(a, ctx))
    return no_content(202)


_META = MetadataRoutes("Snapshot", "snapshot_id", "volume:get_snapshot_metadata",
                       "volume:update_snapshot_metadata", "volume:update_snapshot_metadata",
                       "volume:delete_snapshot_metadata", lambda a: a.storage.snapshots)
metadata_index, metadata_create, metadata_replace = _META.index, _META.create, _META.replace
metadata_show, metadata_update, metadata_delete = _META.show, _META.update, _META.delete
