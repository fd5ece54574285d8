"""User messages as Cinder shows them (`cinder/api/v3/views/messages.py`)."""

from __future__ import annotations

from typing import Any

from nubo.volume.api.views.common import links, ts
from nubo.volume.service.messages import Message


def detail(base: str, m: Message) -> dict[str, Any]:
    r = m.row
    out: dict[str, Any] = {
        "id": r.id, "event_id": r.event_id, "user_message": m.user_message,
        "message_level": r.message_level, "created_at": ts(r.created_at),
        "guaranteed_until": ts(r.expires_at), "request_id": r.request_id,
        "links": links(base, r.project_id, "messages", r.id)}
    if r.resource_type:
        out["resource_type"] = r.resource_type
    if r.resource_uuid:
        out["resource_uuid"] = r.resource_uuid
    return out
