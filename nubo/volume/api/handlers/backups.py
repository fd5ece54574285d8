"""/backups: create, list (summary and detail), show, update (3.9), delete, restore,
export_record, import_record, and the admin actions (os-reset_status, os-force_delete)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
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
from nubo.volume.api.schemas import backups as schemas
from nubo.volume.api.schemas.types_ import to_bool
from nubo.volume.api.views import backups as views
from nubo.volume.api.views.common import next_link
from nubo.volume.errors import InvalidInput, VersionNotFoundForAPIMethod
from nubo.volume.service.backups import BackupFilter, NewBackup
from nubo.volume.service.listing import parse_page

SORT_KEYS = frozenset({"id", "name", "status", "size", "created_at", "updated_at",
                       "volume_id", "project_id", "data_timestamp"})
FILTERS = frozenset({"name", "status", "volume_id"})
PAGING = frozenset({"sort", "sort_key", "sort_dir", "limit", "marker", "offset",
                    "all_tenants", "with_count", "project_id"})


def _base(request: Request) -> str:
    return str(request.scope["nubo.state"].base_url) + "/v3"


async def create(request: Request) -> Response:
    a, ctx, v = begin(request, "backup:create")
    doc = await body(request, schemas.create(v.matches("3.43"), v.matches("3.51")))
    spec = doc["backup"]
    new = NewBackup(project_id=own_project(ctx), user_id=ctx.user_id or "",
                    volume_id=spec["volume_id"], name=spec.get("name"),
                    description=spec.get("description"), container=spec.get("container"),
                    incremental=to_bool(spec.get("incremental", False)),
                    force=to_bool(spec.get("force", False)),
                    snapshot_id=spec.get("snapshot_id"),
                    metadata=spec.get("metadata") or {},
                    availability_zone=spec.get("availability_zone"))
    row = await a.storage.backups.create(new)
    out = views.summary(_base(request), row)
    if v.matches("3.43"):
        out["metadata"] = dict(row.metadata_)
    return json_response({"backup": out}, 202)


async def list_summary(request: Request) -> Response:
    return await _list(request, detailed=False)


async def list_detail(request: Request) -> Response:
    return await _list(request, detailed=True)


async def _list(request: Request, detailed: bool) -> Response:
    a, ctx, v = begin(request, "backup:get_all")
    q = query(request)
    admin = is_admin(a, ctx)
    unknown = set(q) - FILTERS - PAGING
    if unknown and not admin:
        raise InvalidInput(reason=f"Invalid filters {', '.join(sorted(unknown))} are found "
                           "in query options.")
    project = None if all_tenants(a, ctx, q) else ctx.project_id
    if project is None and admin and q.get("project_id"):
        project = q["project_id"]
    f = BackupFilter(project_id=project, name=q.get("name"), status=q.get("status"),
                     volume_id=q.get("volume_id"))
    page = parse_page(q.get("sort"), q.get("sort_key"), q.get("sort_dir"), q.get("limit"),
                      q.get("marker"), q.get("offset"), SORT_KEYS)
    found = await a.storage.backups.list_(f, page)
    base = _base(request)
    owner = a.allowed(ctx, "backup:backup_project_attribute")
    items = [views.detail(base, r, v, owner) if detailed else
             views.summary(base, r.backup) for r in found]
    out: dict[str, object] = {"backups": items}
    more = next_link(str(request.url).split("?")[0], list(request.query_params.multi_items()),
                     items, page.limit)
    if more:
        out["backups_links"] = more
    if v.matches("3.45") and flag(q.get("with_count"), "with_count"):
        out["count"] = await a.storage.backups.count(f)
    return json_response(out)


async def show(request: Request) -> Response:
    a, ctx, v = begin(request, "backup:get")
    rec = await a.storage.backups.get(param(request, "backup_id"), scope(a, ctx))
    owner = a.allowed(ctx, "backup:backup_project_attribute")
    return json_response({"backup": views.detail(_base(request), rec, v, owner)})


async def update(request: Request) -> Response:
    a, ctx, v = begin(request, "backup:update")
    if not v.matches("3.9"):
        raise VersionNotFoundForAPIMethod(version=str(v))
    spec = (await body(request, schemas.update(v.matches("3.43"))))["backup"]
    name, desc = spec.get("name", ...), spec.get("description", ...)
    row = await a.storage.backups.update(
        param(request, "backup_id"), scope(a, ctx),
        name=None if name is ... else (name,), description=None if desc is ... else (desc,),
        metadata=spec.get("metadata"))
    out = views.summary(_base(request), row)
    if v.matches("3.43"):
        out["metadata"] = dict(row.metadata_)
    return json_response({"backup": out})


async def delete(request: Request) -> Response:
    a, ctx, _v = begin(request, "backup:delete")
    await a.storage.backups.delete(param(request, "backup_id"), scope(a, ctx))
    return no_content(202)


async def restore(request: Request) -> Response:
    a, ctx, _v = begin(request, "backup:restore")
    spec = (await body(request, schemas.RESTORE))["restore"] or {}
    done = await a.storage.backups.restore(param(request, "backup_id"), scope(a, ctx),
                                           own_project(ctx), ctx.user_id or "",
                                           spec.get("volume_id"), spec.get("name"))
    return json_response(views.restore(done), 202)


async def export_record(request: Request) -> Response:
    a, _ctx, _v = begin(request, "backup:backup-export")
    service, url = await a.storage.backups.export_record(param(request, "backup_id"))
    return json_response({"backup-record": {"backup_service": service, "backup_url": url}})


async def import_record(request: Request) -> Response:
    a, ctx, _v = begin(request, "backup:backup-import")
    spec = (await body(request, schemas.IMPORT_RECORD))["backup-record"]
    row = await a.storage.backups.import_record(spec["backup_service"], spec["backup_url"],
                                                own_project(ctx), ctx.user_id or "")
    return json_response({"backup": views.summary(_base(request), row)}, 201)


async def action(request: Request) -> Response:
    doc = await body(request, {"type": "object"})
    if not isinstance(doc, dict) or len(doc) != 1:
        raise InvalidInput(reason="Malformed request body: an action body names exactly one "
                           "action.")
    name = next(iter(doc))
    bid = param(request, "backup_id")
    if name == "os-reset_status":
        a, _ctx, _v = begin(request, "volume_extension:backup_admin_actions:reset_status")
        validate(schemas.RESET_STATUS, doc)
        await a.storage.backups.reset_status(bid, doc[name]["status"].lower())
        return no_content(202)
    if name == "os-force_delete":
        a, _ctx, _v = begin(request, "volume_extension:backup_admin_actions:force_delete")
        validate(schemas.FORCE_DELETE, doc)
        await a.storage.backups.delete(bid, None, force=True)
        return no_content(202)
    raise InvalidInput(reason=f"There is no such action: {name}")
