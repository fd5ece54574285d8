"""Group types, groups and group snapshots as Cinder shows them."""

from __future__ import annotations

from typing import Any

from nubo.core.microversion import APIVersion
from nubo.volume.api.views.common import ts
from nubo.volume.models import GroupSnapshot, GroupType, VolumeGroup


def group_type(t: GroupType, admin: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"id": t.id, "name": t.name, "description": t.description,
                           "is_public": t.is_public}
    if admin:
        out["group_specs"] = dict(t.group_specs)
    return out


def group(g: VolumeGroup, ver: APIVersion, volumes: list[str] | None) -> dict[str, Any]:
    """`volumes`: the ids of its volumes (3.25, when asked with `list_volume`)."""
    out: dict[str, Any] = {
        "id": g.id, "name": g.name, "description": g.description, "status": g.status,
        "availability_zone": g.availability_zone, "created_at": ts(g.created_at),
        "group_type": g.group_type_id, "volume_types": list(g.volume_type_ids)}
    if ver.matches("3.14"):
        out["group_snapshot_id"] = g.group_snapshot_id
        out["source_group_id"] = g.source_group_id
    if ver.matches("3.38"):
        out["replication_status"] = "disabled"
    if volumes is not None and ver.matches("3.25"):
        out["volumes"] = volumes
    return out


def group_snapshot(gs: GroupSnapshot) -> dict[str, Any]:
    return {"id": gs.id, "name": gs.name, "description": gs.description,
            "status": gs.status, "group_id": gs.group_id, "group_type_id": gs.group_type_id,
            "created_at": ts(gs.created_at)}
