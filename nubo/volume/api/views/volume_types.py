"""Volume types as Cinder shows them; extra specs to admins, and to others only the keys
Cinder lets users see (its user-visible extra specs); `qos_specs_id` to admins in show and
list (Cinder's create and update answers have none)."""

from __future__ import annotations

from typing import Any

from nubo.volume.models import VolumeType

USER_VISIBLE = frozenset({"RESKEY:availability_zones", "multiattach", "replication_enabled"})


def detail(t: VolumeType, admin: bool, access_attr: bool = True,
           qos: bool = False) -> dict[str, Any]:
    """`access_attr`: the type access extension's attribute, which Cinder adds to show,
    list and create, not to update."""
    specs = dict(t.extra_specs) if admin else {
        k: v for k, v in t.extra_specs.items() if k in USER_VISIBLE}
    out: dict[str, Any] = {"id": t.id, "name": t.name, "description": t.description,
                           "is_public": t.is_public, "extra_specs": specs}
    if access_attr:
        out["os-volume-type-access:is_public"] = t.is_public
    if qos and admin:
        out["qos_specs_id"] = t.qos_specs_id
    return out
