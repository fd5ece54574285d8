"""/servers/{id}/os-volume_attachments: list, show, attach, update (delete_on_termination,
2.85; a swap is refused), detach."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.schemas import volume_attachments as schemas
from nubo.compute.api.views import volume_attachments as views
from nubo.compute.api.wiring import api
from nubo.core.http import context, json_response, no_content, read_json, version
from nubo.core.microversion import APIVersion
from nubo.core.validation import validate

_TRUE = frozenset({"true", "1", "yes", "on", "y", "t"})


def _target(project_id: str | None) -> dict[str, Any]:
    return {"project_id": project_id}


def _bool(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in _TRUE)


async def index(request: Request) -> Response:
    a, ctx = api(request), context(request)
    svc = a.parts.volumes
    inst = await svc.instance(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:os-volumes-attachments:index", _target(inst.project_id))
    ver = version(request)
    found = await svc.list(ctx, inst.id)
    q = request.query_params
    try:
        offset = int(q.get("offset") or 0)
        limit = int(q["limit"]) if "limit" in q else None
    except ValueError as exc:
        raise errors.InvalidInput(reason="limit and offset must be integers") from exc
    if offset < 0 or (limit is not None and limit < 0):
        raise errors.InvalidInput(reason="limit and offset must be >= 0")
    found = found[offset:] if limit is None else found[offset:offset + limit]
    return json_response({"volumeAttachments": [views.attachment(x, ver) for x in found]})


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    svc = a.parts.volumes
    inst = await svc.instance(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:os-volumes-attachments:show", _target(inst.project_id))
    found = await svc.show(ctx, inst.id, request.path_params["volume_id"])
    return json_response({"volumeAttachment": views.attachment(found, version(request))})


async def create(request: Request) -> Response:
    a, ctx = api(request), context(request)
    ver = version(request)
    body = await read_json(request, None, a.max_body)
    validate(schemas.create_schema(ver), body)
    svc = a.parts.volumes
    inst = await svc.instance(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:os-volumes-attachments:create", _target(inst.project_id))
    req = body["volumeAttachment"]
    found = await svc.attach(ctx, inst.id, req["volumeId"], req.get("device"),
                             req.get("tag"), _bool(req.get("delete_on_termination", False)))
    return json_response({"volumeAttachment": views.attachment(found, ver)})


async def update(request: Request) -> Response:
    a, ctx = api(request), context(request)
    ver = version(request)
    body = await read_json(request, None, a.max_body)
    validate(schemas.update_schema(ver), body)
    svc = a.parts.volumes
    inst = await svc.instance(ctx, request.path_params["server_id"])
    req = body["volumeAttachment"]
    volume_id = request.path_params["volume_id"]
    if req["volumeId"] != volume_id:
        a.enforce(ctx, "os_compute_api:os-volumes-attachments:swap", _target(inst.project_id))
    else:
        a.enforce(ctx, "os_compute_api:os-volumes-attachments:update",
                  _target(inst.project_id))
        if ver < APIVersion(2, 85):
            raise errors.InvalidInput(reason=f"volume {volume_id} is attached already: "
                                      "changing its attachment needs microversion 2.85")
    dot = req.get("delete_on_termination")
    await svc.update(ctx, inst.id, volume_id, req["volumeId"],
                     None if dot is None else _bool(dot))
    return no_content(202)


async def delete(request: Request) -> Response:
    a, ctx = api(request), context(request)
    svc = a.parts.volumes
    inst = await svc.instance(ctx, request.path_params["server_id"])
    a.enforce(ctx, "os_compute_api:os-volumes-attachments:delete", _target(inst.project_id))
    await svc.detach(ctx, inst.id, request.path_params["volume_id"])
    return no_content(202)
