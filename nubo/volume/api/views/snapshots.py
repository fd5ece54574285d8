"""Snapshots as Cinder shows them (`cinder/api/v3/views/snapshots.py`)."""

from __future__ import annotations

from typing import Any

from nubo.core.microversion import APIVersion
from nubo.volume.api.views.common import ts
from nubo.volume.models import Snapshot
from nubo.volume.states import SnapshotStatus


def detail(s: Snapshot, ver: APIVersion, extended: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": s.id, "name": s.name, "description": s.description, "volume_id": s.volume_id,
        "size": s.size, "status": s.status, "created_at": ts(s.created_at),
        "updated_at": ts(s.updated_at), "metadata": dict(s.metadata_),
    }
    if extended:
        done = s.status == SnapshotStatus.AVAILABLE
        out["os-extended-snapshot-attributes:progress"] = s.progress or (
            "100%" if done else "0%")
        out["os-extended-snapshot-attributes:project_id"] = s.project_id
    if ver.matches("3.14"):
        out["group_snapshot_id"] = s.group_snapshot_id
    if ver.matches("3.41"):
        out["user_id"] = s.user_id
    if ver.matches("3.65"):
        out["consumes_quota"] = True
    return out
