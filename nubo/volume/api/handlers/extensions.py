"""GET /v3/extensions: Cinder's extensions that this API really serves (what `openstack
extension list --volume` shows)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response
from nubo.volume.api.handlers.common import begin

#: (alias, name, description); Cinder dates them all 2011-2015, we keep one date
SERVED = (
    ("backups", "Backups", "Backups support."),
    ("os-admin-actions", "AdminActions", "Enable admin actions."),
    ("capabilities", "Capabilities", "Capabilities support."),
    ("os-hosts", "Hosts", "Admin-only host administration."),
    ("scheduler-stats", "Scheduler_stats", "Scheduler stats support."),
    ("os-availability-zone", "AvailabilityZones", "Describe Availability Zones."),
    ("os-backup-project-attr", "BackupProjectAttribute",
     "Expose backup project_id as an attribute of a backup."),
    ("os-extended-snapshot-attributes", "ExtendedSnapshotAttributes",
     "Extended SnapshotAttributes support."),
    ("qos-specs", "Qos_specs_manage", "QoS specs support."),
    ("encryption", "VolumeTypeEncryption", "Encryption support for volume types."),
    ("os-quota-class-sets", "QuotaClasses", "Quota classes management support."),
    ("os-quota-sets", "Quotas", "Quota management support."),
    ("os-services", "Services", "Services support."),
    ("os-types-extra-specs", "TypesExtraSpecs", "Type extra specs support."),
    ("os-types-manage", "TypesManage", "Types manage support."),
    ("os-used-limits", "UsedLimits", "Provide data on limited resources that are being used."),
    ("os-vol-host-attr", "VolumeHostAttribute", "Expose host as an attribute of a volume."),
    ("os-vol-mig-status-attr", "VolumeMigStatusAttribute",
     "Expose migration_status as an attribute of a volume."),
    ("os-vol-tenant-attr", "VolumeTenantAttribute",
     "Expose the internal project_id as an attribute of a volume."),
    ("os-volume-transfer", "VolumeTransfer", "Volume transfer management support."),
    ("os-volume-type-access", "VolumeTypeAccess", "Volume type access support."),
)


async def list_(request: Request) -> Response:
    begin(request, "volume_extension:availability_zone_list")   # any project reader
    return json_response({"extensions": [
        {"alias": alias, "name": name, "description": desc, "links": [],
         "updated": "2015-01-01T00:00:00+00:00"} for alias, name, desc in SERVED]})
