"""/volumes: create, list (summary and detail), show, update, delete, metadata."""

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
    size,
)
from nubo.volume.api.handlers.metadata import MetadataRoutes
from nubo.volume.api.schemas import volumes as schemas
from nubo.volume.api.views import volumes as views
from nubo.volume.api.views.common import next_link
from nubo.volume.service.listing import parse_page
from nubo.volume.service.volumes import NewVolume, VolumeFilter

SORT_KEYS = frozenset({"id", "name", "status", "size", "created_at", "updated_at",
                       "availability_zone", "user_id", "project_id"})
FILTERS = frozenset({"name", "status", "metadata", "bootable", "availability_zone",
                     "migration_status", "group_id", "size", "created_at", "updated_at"})
PAGING = frozenset({"sort", "sort_key", "sort_dir", "limit", "marker", "offset",
                    "all_tenants", "with_count", "project_id", "is_public"})


async def create(request: Request) -> Response:
    a, ctx, v = begin(request, "volume:create")
    spec = (await body(request, schemas.CREATE))["volume"]
    if flag(str(spec.get("multiattach", False)), "multiattach"):
        raise errors.InvalidInput(reason="Multiattach volumes are not supported by this cloud yet.")
    raw_size = spec.get("size")
    new = NewVolume(
        project_id=own_project(ctx), user_id=ctx.user_id or "",
        size=size(raw_size) if raw_size is not None else None,
        name=spec.get("name", spec.get("display_name")),
        description=spec.get("description", spec.get("display_description")),
        metadata=spec.get("metadata") or {}, volume_type=spec.get("volume_type"),
        availability_zone=spec.get("availability_zone"), snapshot_id=spec.get("snapshot_id"),
        source_volid=spec.get("source_volid"),
        image_id=spec.get("imageRef") or spec.get("image_id") or None,
        admin=is_admin(a, ctx), group_id=spec.get("group_id"))
    if spec.get("backup_id"):       # 3.47: a new volume restored from the backup
        if not v.matches("3.47"):
            raise errors.InvalidInput(reason="Creating a volume from a backup needs "
                                      "microversion 3.47.")
        rec = await a.storage.backups.to_new_volume(spec["backup_id"], scope(a, ctx), new)
    else:
        rec = await a.storage.volumes.create(new)
    return json_response({"volume": views.detail(a.base_url + "/v3", rec, v,
                                                 is_admin(a, ctx), extended=False)}, 202)


async def list_summary(request: Request) -> Response:
    return await _list(request, detailed=False)


async def list_detail(request: Request) -> Response:
    return await _list(request, detailed=True)


async def _list(request: Request, detailed: bool) -> Response:
    a, ctx, v = begin(request, "volume:get_all")
    q = query(request)
    admin = is_admin(a, ctx)
    unknown = set(q) - FILTERS - PAGING
    if unknown and not admin:
        raise errors.InvalidInput(
            reason=f"Invalid filters {', '.join(sorted(unknown))} are found in query "
                   "options.")
    project = None if all_tenants(a, ctx, q) else ctx.project_id
    if project is None and q.get("project_id"):
        project = q["project_id"]
    bootable = flag(q["bootable"], "bootable") if "bootable" in q else None
    f = VolumeFilter(project_id=project, name=q.get("name"), status=q.get("status"),
                     metadata=metadata_filter(q.get("metadata")), bootable=bootable,
                     availability_zone=q.get("availability_zone"))
    page = parse_page(q.get("sort"), q.get("sort_key"), q.get("sort_dir"), q.get("limit"),
                      q.get("marker"), q.get("offset"), SORT_KEYS)
    found = await a.storage.volumes.list_(f, page)
    base = a.base_url + "/v3"
    items = [views.detail(base, r, v, admin) if detailed else views.summary(base, r)
             for r in found]
    out: dict[str, object] = {"volumes": items}
    more = next_link(str(request.url).split("?")[0], list(request.query_params.multi_items()),
                     items, page.limit)
    if more:
        out["volumes_links"] = more
    if v.matches("3.45") and flag(q.get("with_count"), "with_count"):
        out["count"] = await a.storage.volumes.count(project)
    return json_response(out)


async def summary(request: Request) -> Response:
    """GET /volumes/summary (3.12): how many volumes, their GiB and (3.36) the metadata
    keys they carry, each with the values seen."""
    a, ctx, v = begin(request, "volume:get_all")
    if not v.matches("3.12"):
        raise errors.VolumeNotFound(volume_id="summary")
    q = query(request)
    project = None if all_tenants(a, ctx, q) else ctx.project_id
    found = await a.storage.volumes.list_(VolumeFilter(project_id=project),
                                          parse_page(None, None, None, None, None, None,
                                                     SORT_KEYS))
    out: dict[str, object] = {"total_count": len(found),
                              "total_size": sum(r.volume.size for r in found)}
    if v.matches("3.36"):
        meta: dict[str, list[str]] = {}
        for r in found:
            for k, val in r.volume.metadata_.items():
                if val not in meta.setdefault(k, []):
                    meta[k].append(val)
        out["metadata"] = meta
    return json_response({"volume-summary": out})


async def show(request: Request) -> Response:
    a, ctx, v = begin(request, "volume:get")
    rec = await a.storage.volumes.get(param(request, "volume_id"), scope(a, ctx))
    return json_response({"volume": views.detail(a.base_url + "/v3", rec, v,
                                                 is_admin(a, ctx))})


async def update(request: Request) -> Response:
    a, ctx, v = begin(request, "volume:update")
    spec = (await body(request, schemas.UPDATE))["volume"]
    name = spec.get("name", spec.get("display_name", ...))
    desc = spec.get("description", spec.get("display_description", ...))
    rec = await a.storage.volumes.update(
        param(request, "volume_id"), scope(a, ctx),
        name=None if name is ... else (name,),
        description=None if desc is ... else (desc,),
        metadata=spec.get("metadata"))
    return json_response({"volume": views.detail(a.base_url + "/v3", rec, v,
                                                 is_admin(a, ctx), extended=False)})


async def delete(request: Request) -> Response:
    a, ctx, _v = begin(request, "volume:delete")
    q = query(request)
    cascade = flag(q.get("cascade"), "cascade")
    force = flag(q.get("force"), "force")
    if force:
        a.enforce(ctx, "volume_extension:volume_admin_actions:force_delete",
                  {"project_id": ctx.project_id})
    await a.storage.volumes.delete(param(request, "volume_id"), scope(a, ctx),
                                   cascade=cascade, force=force)
    return no_content(202)


# ---------------------------------------------------------------------- metadata

_META = MetadataRoutes("Volume", "volume_id", "volume:get_volume_metadata",
                       "volume:create_volume_metadata", "volume:update_volume_metadata",
                       "volume:delete_volume_metadata", lambda a: a.storage.volumes)
metadata_index, metadata_create, metadata_replace = _META.index, _META.create, _META.replace
metadata_show, metadata_update, metadata_delete = _META.show, _META.update, _META.delete
