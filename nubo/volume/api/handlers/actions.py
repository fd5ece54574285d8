"""POST /volumes/{id}/action and /snapshots/{id}/action: one action per body, as Cinder's
`os-extend`, `os-reset_status`, `os-force_delete`, `os-volume_upload_image`,
`os-set_bootable`, `os-update_readonly_flag` and the attachment actions before 3.27."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.core.validation import validate
from nubo.volume import errors
from nubo.volume.api.handlers.common import begin, body, flag, param, scope, size
from nubo.volume.api.schemas import snapshots as snapshot_schemas
from nubo.volume.api.schemas import volumes as schemas
from nubo.volume.api.views import volumes as views
from nubo.volume.states import SNAPSHOT_RESET, VOLUME_RESET


def _action(doc: Any) -> str:
    if not isinstance(doc, dict) or len(doc) != 1:
        raise errors.MalformedRequestBody(reason="an action body names exactly one action.")
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
                raise errors.InvalidInput(reason=f"Must specify a valid status: {status}")
            await a.storage.volumes.reset_status(vid, status.lower())
        else:
            await a.storage.volumes.get(vid, None)     # a 404 for a volume that is not there
        return no_content(202)
    if name == "os-force_delete":
        a, ctx, _v = begin(request, "volume_extension:volume_admin_actions:force_delete")
        validate(schemas.FORCE_DELETE, doc)
        await a.storage.volumes.delete(vid, None, force=True)
        return no_content(202)
    if name in IMAGE_ACTIONS:
        return await _image_action(request, vid, name, doc)
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
    raise errors.InvalidAction(action=name)


IMAGE_ACTIONS = frozenset({"os-volume_upload_image", "os-set_bootable",
                           "os-update_readonly_flag", "os-set_image_metadata",
                           "os-unset_image_metadata", "os-show_image_metadata"})


async def _image_action(request: Request, vid: str, name: str,
                        doc: dict[str, Any]) -> Response:
    """Uploading to an image, the bootable and the read-only flags (Cinder's
    volume_actions)."""
    if name == "os-set_bootable":
        a, ctx, _v = begin(request, "volume_extension:volume_actions:set_bootable")
        validate(schemas.SET_BOOTABLE, doc)
        bootable = flag(str(doc[name]["bootable"]), "bootable")
        await a.storage.volumes.set_bootable(vid, scope(a, ctx), bootable)
        return no_content(200)
    if name == "os-update_readonly_flag":
        a, ctx, _v = begin(request, "volume_extension:volume_readonly_update")
        validate(schemas.READONLY, doc)
        readonly = flag(str(doc[name]["readonly"]), "readonly")
        await a.storage.volumes.set_readonly(vid, scope(a, ctx), readonly)
        return no_content(202)
    if name in IMAGE_METADATA:
        return await _image_metadata(request, vid, name, doc)
    a, ctx, v = begin(request, "volume_extension:volume_actions:upload_image")
    validate(schemas.UPLOAD_IMAGE, doc)
    spec = doc[name]
    visibility = spec.get("visibility", "private") if v.matches("3.1") else "private"
    if visibility == "public":
        a.enforce(ctx, "volume_extension:volume_actions:upload_public",
                  {"project_id": ctx.project_id})
    done = await a.storage.volumes.upload_to_image(
        vid, ctx, name=spec["image_name"], disk_format=spec.get("disk_format", "raw"),
        container_format=spec.get("container_format", "bare"), visibility=visibility,
        protected=v.matches("3.1") and flag(str(spec.get("protected", False)), "protected"),
        force=flag(str(spec.get("force", False)), "force"))
    return json_response({name: views.upload(
        done.volume, done.image_id, done.image_name, done.disk_format,
        done.container_format, done.visibility, done.protected)}, 202)


IMAGE_METADATA = {"os-set_image_metadata": ("set", schemas.SET_IMAGE_METADATA),
                  "os-unset_image_metadata": ("remove", schemas.UNSET_IMAGE_METADATA),
                  "os-show_image_metadata": ("show", schemas.SHOW_IMAGE_METADATA)}


async def _image_metadata(request: Request, vid: str, name: str,
                          doc: dict[str, Any]) -> Response:
    """A volume's volume_image_metadata (Cinder's volume_image_metadata extension)."""
    what, schema = IMAGE_METADATA[name]
    a, ctx, _v = begin(request, f"volume_extension:volume_image_metadata:{what}")
    validate(schema, doc)
    volumes = a.storage.volumes
    if what == "set":
        meta = await volumes.set_image_metadata(vid, scope(a, ctx), doc[name]["metadata"])
        return json_response({"metadata": meta})
    if what == "remove":
        await volumes.unset_image_metadata(vid, scope(a, ctx), doc[name]["key"])
        return no_content(200)
    rec = await volumes.get(vid, scope(a, ctx))
    return json_response({"metadata": dict(rec.volume.image_metadata or {})})


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
            raise errors.InvalidInput(reason=f"Must specify a valid status: {status}")
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
    raise errors.InvalidAction(action=name)
