"""Default policy of the network-facing server APIs (Nova's secure-RBAC defaults):
os-interface, a server's security groups, the floating IP actions, the security group proxy."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

_MEMBER = "rule:project_member_or_admin"
_READER = "rule:project_reader_or_admin"

NETWORK_RULES = [RuleDefault(name, check) for name, check in (
    ("os_compute_api:os-attach-interfaces:list", _READER),
    ("os_compute_api:os-attach-interfaces:show", _READER),
    ("os_compute_api:os-attach-interfaces:create", _MEMBER),
    ("os_compute_api:os-attach-interfaces:delete", _MEMBER),
    ("os_compute_api:os-security-groups:list", _READER),
    ("os_compute_api:ips:index", _READER),
    ("os_compute_api:ips:show", _READER),
    ("os_compute_api:os-security-groups:add", _MEMBER),
    ("os_compute_api:os-security-groups:remove", _MEMBER),
    ("os_compute_api:os-floating-ips:add", _MEMBER),
    ("os_compute_api:os-floating-ips:remove", _MEMBER),
    # the deprecated proxy (/os-security-groups, -rules): anyone, Neutron's checks apply
    ("os_compute_api:os-security-groups:get", "@"),
    ("os_compute_api:os-security-groups:show", "@"),
    ("os_compute_api:os-security-groups:create", "@"),
    ("os_compute_api:os-security-groups:update", "@"),
    ("os_compute_api:os-security-groups:delete", "@"),
    ("os_compute_api:os-security-groups:rule:create", "@"),
    ("os_compute_api:os-security-groups:rule:delete", "@"),
)]
