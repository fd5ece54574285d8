"""Backups as Cinder shows them (`cinder/api/views/backups.py`, v3's additions)."""

from __future__ import annotations

from typing import Any

from nubo.core.microversion import APIVersion
from nubo.volume.api.views.common import links, ts
from nubo.volume.models import Backup
from nubo.volume.service.backups import BackupRecord, Restore


def summary(base: str, b: Backup) -> dict[str, Any]:
    return {"id": b.id, "name": b.name, "links": links(base, b.project_id, "backups", b.id)}


def detail(base: str, rec: BackupRecord, ver: APIVersion, show_owner: bool) -> dict[str, Any]:
    """`show_owner`: the caller may see the project and user (Cinder's
    backup:backup_project_attribute, from 3.18 and 3.56)."""
    b = rec.backup
    out: dict[str, Any] = {
        "id": b.id, "status": b.status, "size": b.size, "object_count": b.object_count,
        "availability_zone": b.availability_zone, "container": b.container,
        "created_at": ts(b.created_at), "updated_at": ts(b.updated_at), "name": b.name,
        "description": b.description, "fail_reason": b.fail_reason,
        "volume_id": b.volume_id, "links": links(base, b.project_id, "backups", b.id),
        "is_incremental": b.parent_id is not None,
        "has_dependent_backups": rec.has_dependent_backups, "snapshot_id": b.snapshot_id,
        "data_timestamp": ts(b.data_timestamp),
    }
    if ver.matches("3.43"):
        out["metadata"] = dict(b.metadata_)
    if ver.matches("3.18") and show_owner:
        out["os-backup-project-attr:project_id"] = b.project_id
    if ver.matches("3.56") and show_owner:
        out["user_id"] = b.user_id
    return out


def restore(r: Restore) -> dict[str, Any]:
    return {"restore": {"backup_id": r.backup_id, "volume_id": r.volume_id,
                        "volume_name": r.volume_name}}
