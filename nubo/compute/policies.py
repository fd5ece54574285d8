"""Base rules of the compute API, after Nova's secure-RBAC defaults. Each area adds its own
rules (name `os_compute_api:...`) to RULES."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

ADMIN = "rule:context_is_admin"
PROJECT_MEMBER = "rule:project_member_api"
PROJECT_READER = "rule:project_reader_api"
PROJECT_MEMBER_OR_ADMIN = "rule:project_member_or_admin"
PROJECT_READER_OR_ADMIN = "rule:project_reader_or_admin"
ANY = "@"

RULES: list[RuleDefault] = [RuleDefault(name, check) for name, check in (
    ("context_is_admin", "role:admin"),
    ("admin_api", "role:admin"),
    ("project_member_api", "role:member and project_id:%(project_id)s"),
    ("project_reader_api", "role:reader and project_id:%(project_id)s"),
    ("project_member_or_admin", "rule:project_member_api or rule:context_is_admin"),
    ("project_reader_or_admin", "rule:project_reader_api or rule:context_is_admin"),
)]
