"""Default policy of the block storage API, with Cinder's rule names: a project's members
manage their project's volumes and snapshots, readers read them, admins manage everything;
volume types, quotas of other projects and the services list are the admins'."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

ADMIN = "role:admin"
MEMBER = "role:member and project_id:%(project_id)s"
READER = "role:reader and project_id:%(project_id)s"

_PROJECT_WRITE = (
    "volume:create", "volume:update", "volume:delete", "volume:extend",
    "volume:create_volume_metadata", "volume:update_volume_metadata",
    "volume:delete_volume_metadata",
    "volume:retype",
    "group:create", "group:update", "group:delete", "group:create_group_snapshot",
    "group:delete_group_snapshot", "snapshot_extension:snapshot_actions:update_snapshot_status",
    "volume:create_snapshot", "volume:update_snapshot", "volume:delete_snapshot",
    "volume:update_snapshot_metadata", "volume:delete_snapshot_metadata",
    "volume:attachment_create", "volume:attachment_update", "volume:attachment_delete",
    "volume:attachment_complete",
    "volume_extension:volume_actions:reserve", "volume_extension:volume_actions:unreserve",
    "volume_extension:volume_actions:begin_detaching",
    "volume_extension:volume_actions:roll_detaching",
    "volume_extension:volume_actions:attach", "volume_extension:volume_actions:detach",
    "volume_extension:volume_actions:initialize_connection",
    "volume_extension:volume_actions:terminate_connection",
    "backup:create", "backup:update", "backup:delete", "backup:restore",
    "volume:create_transfer", "volume:accept_transfer", "volume:delete_transfer",
    "message:delete",
    "volume_extension:volume_actions:upload_image",
    "volume_extension:volume_actions:set_bootable",
    "volume_extension:volume_readonly_update",
    "volume_extension:volume_image_metadata:set",
    "volume_extension:volume_image_metadata:remove",
)
_PROJECT_READ = (
    "volume:get", "volume:get_all", "volume:get_volume_metadata",
    "volume:get_snapshot", "volume:get_all_snapshots", "volume:get_snapshot_metadata",
    "volume_extension:type_get", "volume_extension:type_get_all",
    "volume_extension:types_extra_specs:index", "volume_extension:types_extra_specs:show",
    "volume_extension:quotas:show", "limits_extension:used_limits",
    "volume_extension:availability_zone_list",
    "backup:get", "backup:get_all", "volume:get_transfer", "volume:get_all_transfers",
    "message:get", "message:get_all",
    "volume_extension:volume_image_metadata:show",
    "group:get", "group:get_all", "group:get_group_snapshot",
    "group:get_all_group_snapshots", "group:group_types:get", "group:group_types:get_all",
)
_ADMIN = (
    "volume_extension:volume_admin_actions:reset_status",
    "volume_extension:volume_admin_actions:force_delete",
    "volume_extension:volume_admin_actions:force_detach",
    "volume_extension:snapshot_admin_actions:reset_status",
    "volume_extension:snapshot_admin_actions:force_delete",
    "volume_extension:type_create", "volume_extension:type_update",
    "volume_extension:type_delete",
    "volume_extension:types_extra_specs:create", "volume_extension:types_extra_specs:update",
    "volume_extension:types_extra_specs:delete",
    "volume_extension:volume_type_access",
    "volume_extension:volume_type_access:addProjectAccess",
    "volume_extension:volume_type_access:removeProjectAccess",
    "volume_extension:access_types_extra_specs",
    "volume_extension:quotas:update", "volume_extension:quotas:delete",
    "volume_extension:quota_classes",
    "volume_extension:services:index", "volume_extension:services:update",
    "volume_extension:volume_host_attribute",
    "backup:backup-export", "backup:backup-import", "backup:backup_project_attribute",
    "volume_extension:backup_admin_actions:reset_status",
    "volume_extension:backup_admin_actions:force_delete",
    "volume_extension:volume_actions:upload_public",
    "scheduler_extension:scheduler_stats:get_pools", "volume_extension:capabilities",
    "volume_extension:hosts", "volume_extension:volume_type_encryption",
    "group:reset_status", "group:reset_group_snapshot_status",
    "group:group_types:create", "group:group_types:update", "group:group_types:delete",
    *(f"group:group_types_specs:{a}" for a in
      ("get", "get_all", "create", "update", "delete")),
    *(f"volume_extension:qos_specs_manage:{a}" for a in
      ("create", "get", "get_all", "update", "delete", "delete_keys")),
)

RULES = [
    RuleDefault("context_is_admin", ADMIN),
    RuleDefault("admin_api", ADMIN),
    RuleDefault("project_member", MEMBER),
    RuleDefault("project_reader", f"({READER}) or ({MEMBER})"),
    *(RuleDefault(a, "rule:admin_api or rule:project_member") for a in _PROJECT_WRITE),
    *(RuleDefault(a, "rule:admin_api or rule:project_reader") for a in _PROJECT_READ),
    *(RuleDefault(a, "rule:admin_api") for a in _ADMIN),
]
