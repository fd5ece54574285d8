"""Attachments as Cinder shows them (`cinder/api/v3/views/attachments.py`)."""

from __future__ import annotations

from typing import Any

from nubo.volume.api.views.common import ts
from nubo.volume.service.attachments import AttachmentRecord


def summary(rec: AttachmentRecord) -> dict[str, Any]:
    a = rec.attachment
    return {"id": a.id, "status": a.attach_status, "instance": a.instance_uuid,
            "volume_id": a.volume_id}


def detail(rec: AttachmentRecord) -> dict[str, Any]:
    a = rec.attachment
    return {**summary(rec), "attached_at": ts(a.attached_at), "detached_at": None,
            "attach_mode": a.attach_mode, "connection_info": a.connection_info}
