"""OS::Cinder resources over the block storage API: Volume, VolumeAttachment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from nubo.orchestration.resources.base import Base, Ctx, Prop, ResourceFailure
from nubo.orchestration.service.cloud import Cloud, ServiceCallFailed


async def _volume(cloud: Cloud, vid: str) -> dict[str, Any] | None:
    try:
        return dict((await cloud.call("volume", "GET", f"/volumes/{vid}"))["volume"])
    except ServiceCallFailed as exc:
        if exc.status == 404:
            return None
        raise


class Volume(Base):
    type_name = "OS::Cinder::Volume"
    properties: ClassVar[Mapping[str, Prop]] = {
        "size": Prop("integer", update_allowed=True),
        "name": Prop("string", update_allowed=True),
        "description": Prop("string", update_allowed=True),
        "volume_type": Prop("string"), "metadata": Prop("map", default={},
                                                        update_allowed=True),
        "availability_zone": Prop("string"), "snapshot_id": Prop("string"),
        "source_volid": Prop("string"), "image": Prop("string"), "backup_id": Prop("string"),
        "multiattach": Prop("boolean"), "read_only": Prop("boolean"),
        "scheduler_hints": Prop("map")}
    attributes = ("size", "status", "display_name", "display_description", "volume_type",
                  "metadata", "attachments", "attachments_list", "bootable", "created_at",
                  "availability_zone", "source_volid", "snapshot_id", "show")

    async def create(self, c: Ctx) -> str:
        p = c.properties
        if p.get("image") or p.get("backup_id"):
            raise ResourceFailure("Creating a volume from an image or a backup is not "
                                  "supported by this cloud yet", "NotSupported")
        if not (p.get("size") or p.get("snapshot_id") or p.get("source_volid")):
            raise ResourceFailure("Property size not assigned", "StackValidationFailed")
        v: dict[str, Any] = {"name": p.get("name") or c.physical_name()}
        for k in ("size", "description", "volume_type", "metadata", "availability_zone",
                  "snapshot_id", "source_volid"):
            if p.get(k) not in (None, {}):
                v[k] = p[k]
        out = await c.cloud.call("volume", "POST", "/volumes", {"volume": v})
        return str(out["volume"]["id"])

    async def check_create_complete(self, c: Ctx) -> bool:
        v = await _volume(c.cloud, str(c.physical_id))
        if v is None or v["status"] == "error":
            raise ResourceFailure("Went to status error due to \"Unknown\"",
                                  "ResourceInError")
        return bool(v["status"] == "available")

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        p = c.properties
        change = {k: p.get(k) for k in ("name", "description") if p.get(k) != old.get(k)}
        if change:
            await c.cloud.call("volume", "PUT", f"/volumes/{c.physical_id}",
                               {"volume": change})
        if p.get("metadata") != old.get("metadata"):
            await c.cloud.call("volume", "PUT", f"/volumes/{c.physical_id}/metadata",
                               {"metadata": p.get("metadata") or {}})
        if p.get("size") != old.get("size"):
            if (p.get("size") or 0) < (old.get("size") or 0):
                raise ResourceFailure("The new size of a volume must be larger than its "
                                      "current size", "NotSupported")
            await c.cloud.call("volume", "POST", f"/volumes/{c.physical_id}/action",
                               {"os-extend": {"new_size": p["size"]}})

    async def check_update_complete(self, c: Ctx) -> bool:
        v = await _volume(c.cloud, str(c.physical_id))
        return v is not None and v["status"] in ("available", "in-use")

    async def delete(self, c: Ctx) -> None:
        if not c.physical_id:
            return
        try:
            await c.cloud.call("volume", "DELETE", f"/volumes/{c.physical_id}")
        except ServiceCallFailed as exc:
            if exc.status != 404:
                raise

    async def check_delete_complete(self, c: Ctx) -> bool:
        if not c.physical_id:
            return True
        v = await _volume(c.cloud, c.physical_id)
        if v is not None and v["status"] == "error_deleting":
            raise ResourceFailure("The volume could not be deleted (error_deleting)",
                                  "ResourceInError")
        return v is None

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        v = await _volume(c.cloud, str(c.physical_id)) if c.physical_id else None
        if v is None:
            return {}
        return {**v, "display_name": v.get("name"),
                "display_description": v.get("description"),
                "attachments_list": v.get("attachments", []), "show": v}


class VolumeAttachment(Base):
    type_name = "OS::Cinder::VolumeAttachment"
    properties: ClassVar[Mapping[str, Prop]] = {
        "instance_uuid": Prop("string", required=True),
        "volume_id": Prop("string", required=True),
        "mountpoint": Prop("string")}

    async def create(self, c: Ctx) -> str:
        p = c.properties
        att: dict[str, Any] = {"volumeId": p["volume_id"]}
        if p.get("mountpoint"):
            att["device"] = p["mountpoint"]
        await c.cloud.call("compute", "POST",
                           f"/servers/{p['instance_uuid']}/os-volume_attachments",
                           {"volumeAttachment": att})
        return f"{p['instance_uuid']}:{p['volume_id']}"

    async def check_create_complete(self, c: Ctx) -> bool:
        v = await _volume(c.cloud, str(c.properties["volume_id"]))
        if v is None or v["status"] in ("error", "error_attaching"):
            raise ResourceFailure("The volume could not be attached", "ResourceInError")
        return bool(v["status"] == "in-use")

    async def delete(self, c: Ctx) -> None:
        if not c.physical_id:
            return
        server, volume = c.physical_id.split(":", 1)
        try:
            await c.cloud.call("compute", "DELETE",
                               f"/servers/{server}/os-volume_attachments/{volume}")
        except ServiceCallFailed as exc:
            if exc.status not in (404, 400):
                raise

    async def check_delete_complete(self, c: Ctx) -> bool:
        if not c.physical_id:
            return True
        v = await _volume(c.cloud, c.physical_id.split(":", 1)[1])
        return v is None or v["status"] in ("available", "error")
