"""POST /volumes/{id}/action and /snapshots/{id}/action: one action per body, as Cinder's
`os-extend`, `os-reset_status`, `os-force_delete`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.errors import BadRequest
from nubo.core.http import json_response, no_content
from nubo.core.validation import validate
from nubo.volume.api.handlers.common import begin, body, param, scope, size
from nubo.volume.api.schemas import snapshots as snapshot_schemas
from nubo.volume.api.schemas import volumes as schemas
from nubo.volume.errors import InvalidInput
from nubo.volume.states import SNAPSHOT_RESET, VOLUME_RESET


def _action(doc: Any) -> str:
    if not isinstance(doc, dict) or len(doc) != 1:
        raise BadRequest("Malformed request body: an action body names exactly one action.")
    return str(next(iter(doc)))


async def volume_action(request: Request) -> Response:
    doc = await body(request, schemas.ACTION)
    name = _action(doc)
    vid = param(request, "volume_id")
    if name == "os-extend":
        a, ctx, v = begin(request, "volume:extend")
        validate(schemas.EXTEND, doc)
        new_size = size(doc["os-extend"]["new_size"], "new_size")
        await a.storage.volumes.extend(vid, scope(a, ctx), new_size,
                                       in_use_allowed=v.matches("3.42"))
        return no_content(202)
    if name == "os-reset_status":
        a, ctx, _v = begin(request, "volume_extension:volume_admin_actions:reset_status")
        validate(schemas.RESET_STATUS, doc)
        status = doc["os-reset_status"].get("status")
        if status is not None:
            if status.lower() not in VOLUME_RESET:
                raise InvalidInput(f"Must specify a valid status: {status}")
            await a.storage.volumes.reset_status(vid, status.lower())
        else:
            await a.storage.volumes.get(vid, None)     # a 404 for a volume that is not there
        return no_content(202)
    if name == "os-force_delete":
        a, ctx, _v = begin(request, "volume_extension:volume_admin_actions:force_delete")
        validate(schemas.FORCE_DELETE, doc)
        await a.storage.volumes.delete(vid, None, force=True)
        return no_content(202)
    if name == "os-retype":
        a, ctx, _v = begin(request, "volume:retype")
        validate(schemas.RETYPE, doc)
        await a.storage.volumes.retype(vid, scope(a, ctx), doc[name]["new_type"])
        return no_content(202)
    if name == "os-force_detach":
        a, ctx, _v = begin(request, "volume_extension:volume_admin_actions:force_detach")
        validate(schemas.FORCE_DETACH, doc)
        await a.storage.legacy.force_detach(vid, (doc[name] or {}).get("attachment_id"))
        return no_content(202)
    if name in LEGACY:
        return await _legacy(request, vid, name, doc)
    raise BadRequest(f"There is no such action: {name}")


LEGACY = frozenset({"os-reserve", "os-unreserve", "os-begin_detaching", "os-roll_detaching",
                    "os-attach", "os-detach", "os-initialize_connection",
                    "os-terminate_connection"})


async def _legacy(request: Request, vid: str, name: str, doc: dict[str, Any]) -> Response:
    """The attachment actions before the attachment API (service/legacy_attach.py)."""
    a, ctx, _v = begin(request, "volume_extension:volume_actions:"
                       + name.removeprefix("os-"))
    legacy, project = a.storage.legacy, scope(a, ctx)
    if name in schemas.PLAIN:
        validate(schemas.PLAIN[name], doc)
        step = {"os-reserve": legacy.reserve, "os-unreserve": legacy.unreserve,
                "os-begin_detaching": legacy.begin_detaching,
                "os-roll_detaching": legacy.roll_detaching}[name]
        await step(vid, project)
        return no_content(202)
    if name == "os-attach":
        validate(schemas.ATTACH, doc)
        spec = doc[name]
        await legacy.attach(vid, project, spec.get("instance_uuid"), spec["mountpoint"],
                            spec.get("host_name"), spec.get("mode", "rw"))
        return no_content(202)
    if name == "os-detach":
        validate(schemas.DETACH, doc)
        await legacy.detach(vid, project, (doc[name] or {}).get("attachment_id"))
        return no_content(202)
    validate(schemas.CONNECTION[name], doc)
    connector = doc[name]["connector"]
    if name == "os-initialize_connection":
        info = await legacy.initialize_connection(vid, project, connector)
        return json_response({"connection_info": info})
    await legacy.terminate_connection(vid, project, connector)
    return no_content(202)


async def snapshot_action(request: Request) -> Response:
    doc = await body(request, schemas.ACTION)
    name = _action(doc)
    sid = param(request, "snapshot_id")
    if name == "os-reset_status":
        a, _ctx, _v = begin(request, "volume_extension:snapshot_admin_actions:reset_status")
        validate(snapshot_schemas.RESET_STATUS, doc)
        status = doc["os-reset_status"]["status"].lower()
        if status not in SNAPSHOT_RESET:
            raise InvalidInput(f"Must specify a valid status: {status}")
        await a.storage.snapshots.reset_status(sid, status)
        return no_content(202)
    if name == "os-update_snapshot_status":
        a, ctx, _v = begin(request,
                           "snapshot_extension:snapshot_actions:update_snapshot_status")
        validate(snapshot_schemas.UPDATE_STATUS, doc)
        spec = doc[name]
        await a.storage.snapshots.update_status(sid, scope(a, ctx), spec["status"],
                                                spec.get("progress"))
        return no_content(202)
    if name == "os-force_delete":
        a, ctx, _v = begin(request, "volume_extension:snapshot_admin_actions:force_delete")
        await a.storage.snapshots.delete(sid, scope(a, ctx), force=True)
        return no_content(202)
    raise BadRequest(f"There is no such action: {name}")
