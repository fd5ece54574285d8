"""Rules of os-hosts, os-instance-usage-audit-log and os-server-password (Nova's
defaults: admin only, except a server's password for its project)."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

ADMIN = "rule:context_is_admin"

LEGACY_ADMIN_RULES: list[RuleDefault] = [RuleDefault(name, check) for name, check in (
    *((f"os_compute_api:os-hosts:{a}", ADMIN) for a in (
        "list", "show", "update", "reboot", "shutdown", "start")),
    ("os_compute_api:os-instance-usage-audit-log:list", ADMIN),
    ("os_compute_api:os-instance-usage-audit-log:show", ADMIN),
    ("os_compute_api:os-server-password:show", "rule:project_reader_or_admin"),
    ("os_compute_api:os-server-password:clear", "rule:project_member_or_admin"),
)]
