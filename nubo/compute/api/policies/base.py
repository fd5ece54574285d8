"""Base rules of the compute API, after Nova's secure-RBAC defaults. Each area adds its own
rules (name `os_compute_api:...`) to RULES."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

from nubo.compute.api.policies.actions import ACTION_RULES
from nubo.compute.api.policies.legacy import LEGACY_ADMIN_RULES
from nubo.compute.api.policies.network import NETWORK_RULES
from nubo.compute.api.policies.proxies import PROXY_RULES
from nubo.compute.api.policies.servers import SERVER_RULES
from nubo.compute.api.policies.services import ADMIN_AREA_RULES
from nubo.compute.api.policies.volumes import VOLUME_RULES

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

_KEYPAIR_OWNER = f"({ADMIN}) or user_id:%(user_id)s"
RULES += [RuleDefault(name, check) for name, check in (
    ("os_compute_api:os-flavor-manage:create", ADMIN),
    ("os_compute_api:os-flavor-manage:update", ADMIN),
    ("os_compute_api:os-flavor-manage:delete", ADMIN),
    ("os_compute_api:os-flavor-extra-specs:index", PROJECT_READER_OR_ADMIN),
    ("os_compute_api:os-flavor-extra-specs:show", PROJECT_READER_OR_ADMIN),
    ("os_compute_api:os-flavor-extra-specs:create", ADMIN),
    ("os_compute_api:os-flavor-extra-specs:update", ADMIN),
    ("os_compute_api:os-flavor-extra-specs:delete", ADMIN),
    ("os_compute_api:os-flavor-access", ADMIN),
    ("os_compute_api:os-flavor-access:add_tenant_access", ADMIN),
    ("os_compute_api:os-flavor-access:remove_tenant_access", ADMIN),
    ("os_compute_api:os-keypairs:index", _KEYPAIR_OWNER),
    ("os_compute_api:os-keypairs:create", _KEYPAIR_OWNER),
    ("os_compute_api:os-keypairs:show", _KEYPAIR_OWNER),
    ("os_compute_api:os-keypairs:delete", _KEYPAIR_OWNER),
    ("os_compute_api:os-quota-sets:show", PROJECT_READER_OR_ADMIN),
    ("os_compute_api:os-quota-sets:detail", PROJECT_READER_OR_ADMIN),
    ("os_compute_api:os-quota-sets:defaults", ANY),
    ("os_compute_api:os-quota-sets:update", ADMIN),
    ("os_compute_api:os-quota-sets:delete", ADMIN),
    ("os_compute_api:os-quota-class-sets:show", ADMIN),
    ("os_compute_api:os-quota-class-sets:update", ADMIN),
    ("os_compute_api:limits", ANY),
    ("os_compute_api:limits:other_project", ADMIN),
    ("os_compute_api:os-availability-zone:list", ANY),
    ("os_compute_api:os-availability-zone:detail", ADMIN),
)]
RULES += SERVER_RULES
RULES += ACTION_RULES
RULES += NETWORK_RULES
RULES += PROXY_RULES
RULES += ADMIN_AREA_RULES
RULES += LEGACY_ADMIN_RULES
RULES += VOLUME_RULES
