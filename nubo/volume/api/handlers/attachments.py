"""/attachments (Cinder 3.27, complete with os-complete at 3.44): reserve, connect (PUT with
a connector -> connection_info), complete, delete; list, detail, show."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.http import json_response, no_content
from nubo.core.microversion import APIVersion
from nubo.volume import errors
from nubo.volume.api.handlers.common import all_tenants, begin, body, param, query, scope
from nubo.volume.api.schemas import attachments as schemas
from nubo.volume.api.views import attachments as views
from nubo.volume.api.wiring import VolumeApi

FIRST = "3.27"
COMPLETE = "3.44"


def _since(v: APIVersion, first: str) -> None:
    if not v.matches(first):
        raise errors.VersionNotFoundForAPIMethod(version=str(v))


def _start(request: Request, action: str, first: str = FIRST
           ) -> tuple[VolumeApi, RequestContext]:
    a, ctx, v = begin(request, action)
    _since(v, first)
    return a, ctx


async def create(request: Request) -> Response:
    a, ctx = _start(request, "volume:attachment_create")
    spec = (await body(request, schemas.CREATE))["attachment"]
    svc = a.storage.attachments
    rec = await svc.reserve(spec["volume_uuid"], scope(a, ctx), spec.get("instance_uuid"),
                            mode=spec.get("mode", "rw"))
    if spec.get("connector"):
        rec = await svc.connect(rec.attachment.id, scope(a, ctx), spec["connector"])
    return json_response({"attachment": views.detail(rec)})


async def _list(request: Request, detailed: bool) -> Response:
    a, ctx = _start(request, "volume:get_all")
    q = query(request)
    project = None if all_tenants(a, ctx, q) else ctx.project_id
    found = await a.storage.attachments.list_(project, q.get("volume_id"),
                                              q.get("instance_id"))
    if "status" in q:
        found = [r for r in found if r.attachment.attach_status == q["status"]]
    view = views.detail if detailed else views.summary
    return json_response({"attachments": [view(r) for r in found]})


async def list_summary(request: Request) -> Response:
    return await _list(request, False)


async def list_detail(request: Request) -> Response:
    return await _list(request, True)


async def show(request: Request) -> Response:
    a, ctx = _start(request, "volume:get")
    rec = await a.storage.attachments.get(param(request, "attachment_id"), scope(a, ctx))
    return json_response({"attachment": views.detail(rec)})


async def update(request: Request) -> Response:
    a, ctx = _start(request, "volume:attachment_update")
    doc: dict[str, Any] = (await body(request, schemas.UPDATE))["attachment"]
    rec = await a.storage.attachments.connect(param(request, "attachment_id"),
                                              scope(a, ctx), doc["connector"])
    return json_response({"attachment": views.detail(rec)})


async def action(request: Request) -> Response:
    a, ctx = _start(request, "volume:attachment_complete", COMPLETE)
    await body(request, schemas.COMPLETE)
    await a.storage.attachments.complete(param(request, "attachment_id"), scope(a, ctx))
    return no_content(204)


async def delete(request: Request) -> Response:
    """Detach: the attachment goes, the volume is settled; the volume's remaining
    attachments are answered (Cinder's 200 with `attachments`)."""
    a, ctx = _start(request, "volume:attachment_delete")
    svc = a.storage.attachments
    rec = await svc.get(param(request, "attachment_id"), scope(a, ctx))
    await svc.begin_detach(rec.attachment.id, scope(a, ctx))
    await svc.remove(rec.attachment.id, scope(a, ctx))
    left = await svc.list_(None, volume_id=rec.volume.id)
    return json_response({"attachments": [views.summary(r) for r in left]})
