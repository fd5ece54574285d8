"""Default policy of the network API, after Neutron's secure-RBAC defaults. Which resources a
caller sees (own, shared, external, on its network) is decided by the service; these rules
decide what a role may do at all, and which attributes only an admin may set."""

from __future__ import annotations

from oslo_policy.policy import RuleDefault

ADMIN = "rule:context_is_admin"
MEMBER = "rule:context_is_admin or (role:member and project_id:%(project_id)s)"
#: a subnet or port on a network belongs to whoever owns the network, too
NET_OWNER = ("rule:context_is_admin or (role:member and project_id:%(project_id)s) or "
             "(role:member and project_id:%(network:project_id)s)")
NET_OWNER_ONLY = ("rule:context_is_admin or "
                  "(role:member and project_id:%(network:project_id)s)")

_ADMIN_ATTRS = ("shared", "router:external", "provider:network_type",
                "provider:physical_network", "provider:segmentation_id", "segments")
_PORT_ADMIN_ATTRS = ("binding:host_id", "binding:profile")
#: device_owner: only when it names a network device ("network:...")
_PORT_NET_OWNER_ATTRS = ("mac_address", "fixed_ips:ip_address", "device_owner",
                         "port_security_enabled", "allowed_address_pairs")

RULES: list[RuleDefault] = [RuleDefault(name, check) for name, check in (
    ("context_is_admin", "role:admin"),
    ("admin_only", ADMIN),
    ("create_network", MEMBER), ("update_network", MEMBER), ("delete_network", MEMBER),
    ("create_subnet", NET_OWNER_ONLY), ("update_subnet", NET_OWNER_ONLY),
    ("delete_subnet", NET_OWNER_ONLY),
    ("create_port", NET_OWNER), ("update_port", NET_OWNER), ("delete_port", NET_OWNER),
    ("get_quota", MEMBER), ("update_quota", ADMIN), ("delete_quota", ADMIN),
    ("get_agent", ADMIN), ("update_agent", ADMIN), ("delete_agent", ADMIN),
    ("get_network_ip_availability", ADMIN),
    ("create_subnetpool", MEMBER), ("create_subnetpool:shared", ADMIN),
    ("create_subnetpool:is_default", ADMIN), ("update_subnetpool:is_default", ADMIN),
    ("create_address_scope", MEMBER), ("create_address_scope:shared", ADMIN),
    ("update_address_scope", MEMBER), ("update_address_scope:shared", ADMIN),
    ("delete_address_scope", MEMBER),
)]
for _verb in ("create", "update"):
    RULES += [RuleDefault(f"{_verb}_network:{a}", ADMIN) for a in _ADMIN_ATTRS]
    RULES += [RuleDefault(f"{_verb}_port:{a}", ADMIN) for a in _PORT_ADMIN_ATTRS]
    RULES += [RuleDefault(f"{_verb}_port:{a}", NET_OWNER_ONLY) for a in _PORT_NET_OWNER_ATTRS]
