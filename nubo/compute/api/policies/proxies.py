"""Default policy of the nova-network era proxies (floating IPs, pools, networks, tenant
networks; Nova's secure-RBAC defaults) and of /extensions."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

_MEMBER = "rule:project_member_or_admin"
_READER = "rule:project_reader_or_admin"

PROXY_RULES = [RuleDefault(name, check) for name, check in (
    ("os_compute_api:os-floating-ips:list", _READER),
    ("os_compute_api:os-floating-ips:show", _READER),
    ("os_compute_api:os-floating-ips:create", _MEMBER),
    ("os_compute_api:os-floating-ips:delete", _MEMBER),
    ("os_compute_api:os-floating-ip-pools", "@"),
    ("os_compute_api:os-networks:list", _READER),
    ("os_compute_api:os-networks:show", _READER),
    ("os_compute_api:os-tenant-networks:list", _READER),
    ("os_compute_api:os-tenant-networks:show", _READER),
    ("os_compute_api:extensions", "@"),
)]
