"""Default policy of the server actions and the admin APIs around them (Nova's defaults)."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

_MEMBER = "rule:project_member_or_admin"
_READER = "rule:project_reader_or_admin"
_ADMIN = "rule:context_is_admin"

ACTION_RULES = [RuleDefault(name, check) for name, check in (
    ("os_compute_api:os-pause-server:pause", _MEMBER),
    ("os_compute_api:os-pause-server:unpause", _MEMBER),
    ("os_compute_api:os-suspend-server:suspend", _MEMBER),
    ("os_compute_api:os-suspend-server:resume", _MEMBER),
    ("os_compute_api:os-rescue", _MEMBER),
    ("os_compute_api:os-unrescue", _MEMBER),
    ("os_compute_api:os-shelve:shelve", _MEMBER),
    ("os_compute_api:os-shelve:shelve_offload", _ADMIN),
    ("os_compute_api:os-shelve:unshelve", _MEMBER),
    ("os_compute_api:os-shelve:unshelve_to_host", _ADMIN),
    ("os_compute_api:os-migrate-server:migrate", _ADMIN),
    ("os_compute_api:os-migrate-server:migrate:host", _ADMIN),
    ("os_compute_api:os-migrate-server:migrate_live", _ADMIN),
    ("os_compute_api:os-migrate-server:migrate_live:host", _ADMIN),
    ("os_compute_api:os-evacuate", _ADMIN),
    ("os_compute_api:os-create-backup", _MEMBER),
    ("os_compute_api:os-deferred-delete:restore", _MEMBER),
    ("os_compute_api:os-console-output", _MEMBER),
    ("os_compute_api:os-admin-actions:inject_network_info", _ADMIN),
    ("os_compute_api:os-remote-consoles", _MEMBER),
    ("os_compute_api:os-console-auth-tokens", _ADMIN),
    ("os_compute_api:os-server-tags:index", _READER),
    ("os_compute_api:os-server-tags:show", _READER),
    ("os_compute_api:os-server-tags:update", _MEMBER),
    ("os_compute_api:os-server-tags:update_all", _MEMBER),
    ("os_compute_api:os-server-tags:delete", _MEMBER),
    ("os_compute_api:os-server-tags:delete_all", _MEMBER),
    ("os_compute_api:os-migrations:index", _ADMIN),
    ("os_compute_api:servers:migrations:index", _ADMIN),
    ("os_compute_api:servers:migrations:show", _ADMIN),
    ("os_compute_api:servers:migrations:force_complete", _ADMIN),
    ("os_compute_api:servers:migrations:delete", _ADMIN),
    ("os_compute_api:os-server-external-events:create", f"{_ADMIN} or role:service"),
    ("os_compute_api:os-server-diagnostics", _ADMIN),
)]
