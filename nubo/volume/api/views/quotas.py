"""Quota sets and absolute limits as Cinder shows them."""

from __future__ import annotations

from typing import Any

from nubo.volume.service.quotas import Usage


def quota_set(project_id: str, limits: dict[str, int], usage: Usage | None
              ) -> dict[str, Any]:
    out: dict[str, Any] = {"id": project_id}
    for resource, limit in limits.items():
        if usage is None or resource == "per_volume_gigabytes":
            out[resource] = limit if usage is None else {
                "limit": limit, "in_use": 0, "reserved": 0, "allocated": 0}
        else:
            out[resource] = {"limit": limit, "in_use": usage.of(resource), "reserved": 0,
                             "allocated": 0}
    return out


def absolute(limits: dict[str, int], usage: Usage) -> dict[str, Any]:
    return {"limits": {"rate": [], "absolute": {
        "maxTotalVolumes": limits["volumes"], "maxTotalSnapshots": limits["snapshots"],
        "maxTotalVolumeGigabytes": limits["gigabytes"],
        "maxTotalBackups": limits["backups"],
        "maxTotalBackupGigabytes": limits["backup_gigabytes"],
        "totalVolumesUsed": usage.volumes, "totalSnapshotsUsed": usage.snapshots,
        "totalGigabytesUsed": usage.gigabytes, "totalBackupsUsed": usage.backups,
        "totalBackupGigabytesUsed": usage.backup_gigabytes}}}
