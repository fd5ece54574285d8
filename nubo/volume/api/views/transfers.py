"""Transfers as Cinder shows them (`cinder/api/views/transfers.py`)."""

from __future__ import annotations

from typing import Any

from nubo.core.microversion import APIVersion
from nubo.volume.api.views.common import links, ts
from nubo.volume.models import VolumeTransfer


def summary(base: str, t: VolumeTransfer, collection: str) -> dict[str, Any]:
    return {"id": t.id, "volume_id": t.volume_id, "name": t.name,
            "links": links(base, t.source_project_id, collection, t.id)}


def detail(base: str, t: VolumeTransfer, collection: str, ver: APIVersion,
           accepted: bool = False, destination: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": t.id, "created_at": ts(t.created_at), "name": t.name,
                           "volume_id": t.volume_id,
                           "links": links(base, t.source_project_id, collection, t.id)}
    if ver.matches("3.55"):
        out["no_snapshots"] = t.no_snapshots
    if ver.matches("3.57"):
        out.update({"destination_project_id": destination,
                    "source_project_id": t.source_project_id, "accepted": accepted})
    return out
