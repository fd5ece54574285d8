"""Rules of the admin areas: os-services, os-hypervisors, os-aggregates and
os-simple-tenant-usage (Nova's defaults: admin only, except a project's own usage)."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

ADMIN = "rule:context_is_admin"
PROJECT_READER_OR_ADMIN = "rule:project_reader_or_admin"

ADMIN_AREA_RULES: list[RuleDefault] = [RuleDefault(name, check) for name, check in (
    ("os_compute_api:os-services:list", ADMIN),
    ("os_compute_api:os-services:update", ADMIN),
    ("os_compute_api:os-services:delete", ADMIN),
    *((f"os_compute_api:os-hypervisors:{a}", ADMIN) for a in (
        "list", "list-detail", "statistics", "show", "uptime", "search", "servers")),
    *((f"os_compute_api:os-aggregates:{a}", ADMIN) for a in (
        "index", "create", "show", "update", "delete", "add_host", "remove_host",
        "set_metadata")),
    ("os_compute_api:os-simple-tenant-usage:list", ADMIN),
    ("os_compute_api:os-simple-tenant-usage:show", PROJECT_READER_OR_ADMIN),
)]
