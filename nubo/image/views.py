"""Render images and members as Glance does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nubo.image import models as m
from nubo.image.service import ImageView


def ts(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def image(v: ImageView) -> dict[str, Any]:
    i = v.image
    return {**v.properties, "id": i.id, "name": i.name, "status": i.status,
            "visibility": i.visibility, "protected": i.protected, "os_hidden": i.os_hidden,
            "owner": i.owner, "checksum": i.checksum, "os_hash_algo": i.os_hash_algo,
            "os_hash_value": i.os_hash_value, "size": i.size, "virtual_size": i.virtual_size,
            "min_ram": i.min_ram, "min_disk": i.min_disk, "disk_format": i.disk_format,
            "container_format": i.container_format, "created_at": ts(i.created_at),
            "updated_at": ts(i.updated_at), "tags": v.tags, "self": f"/v2/images/{i.id}",
            "file": f"/v2/images/{i.id}/file", "schema": "/v2/schemas/image"}


def member(mb: m.ImageMember) -> dict[str, Any]:
    return {"image_id": mb.image_id, "member_id": mb.member, "status": mb.status,
            "created_at": ts(mb.created_at), "updated_at": ts(mb.updated_at),
            "schema": "/v2/schemas/member"}
