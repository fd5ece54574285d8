"""Default policy of the servers API (Nova's secure-RBAC defaults)."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

_MEMBER = "rule:project_member_or_admin"
_READER = "rule:project_reader_or_admin"
_ADMIN = "rule:context_is_admin"

SERVER_RULES = [RuleDefault(name, check) for name, check in (
    ("os_compute_api:servers:create", "rule:project_member_api"),
    ("os_compute_api:servers:index", _READER),
    ("os_compute_api:servers:detail", _READER),
    ("os_compute_api:servers:index:get_all_tenants", _ADMIN),
    ("os_compute_api:servers:detail:get_all_tenants", _ADMIN),
    ("os_compute_api:servers:show", _READER),
    ("os_compute_api:servers:update", _MEMBER),
    ("os_compute_api:servers:delete", _MEMBER),
    ("os_compute_api:servers:start", _MEMBER),
    ("os_compute_api:servers:stop", _MEMBER),
    ("os_compute_api:servers:reboot", _MEMBER),
    ("os_compute_api:servers:resize", _MEMBER),
    ("os_compute_api:servers:create_image", _MEMBER),
    ("os_compute_api:servers:rebuild", _MEMBER),
    ("os_compute_api:os-admin-actions:reset_state", _ADMIN),
    ("os_compute_api:servers:confirm_resize", _MEMBER),
    ("os_compute_api:servers:revert_resize", _MEMBER),
    ("os_compute_api:os-lock-server:lock", _MEMBER),
    ("os_compute_api:os-lock-server:unlock", _MEMBER),
    ("os_compute_api:os-deferred-delete:force", _MEMBER),
    ("os_compute_api:server-metadata:index", _READER),
    ("os_compute_api:server-metadata:show", _READER),
    ("os_compute_api:server-metadata:update", _MEMBER),
    ("os_compute_api:server-metadata:delete", _MEMBER),
    ("os_compute_api:os-instance-actions:list", _READER),
    ("os_compute_api:os-instance-actions:show", _READER),
    ("os_compute_api:os-instance-actions:events", _ADMIN),
    ("os_compute_api:os-server-groups:create", "rule:project_member_api"),
    ("os_compute_api:os-server-groups:index", _READER),
    ("os_compute_api:os-server-groups:show", _READER),
    ("os_compute_api:os-server-groups:delete", _MEMBER),
)]
