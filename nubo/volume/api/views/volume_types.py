"""Volume types as Cinder shows them; extra specs to admins, and to others only the keys
Cinder lets users see (its user-visible extra specs)."""

from __future__ import annotations

from typing import Any

from nubo.volume.models import VolumeType

USER_VISIBLE = frozenset({"RESKEY:availability_zones", "multiattach", "replication_enabled"})


def detail(t: VolumeType, admin: bool) -> dict[str, Any]:
    specs = dict(t.extra_specs) if admin else {
        k: v for k, v in t.extra_specs.items() if k in USER_VISIBLE}
    return {"id": t.id, "name": t.name, "description": t.description,
            "is_public": t.is_public, "os-volume-type-access:is_public": t.is_public,
            "extra_specs": specs, "qos_specs_id": None}
