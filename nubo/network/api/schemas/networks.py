"""Network bodies (core API, provider and external-net extensions)."""

from __future__ import annotations

from nubo.network.api.schemas.types import (
    AZ_HINTS,
    BOOLEAN,
    DESCRIPTION,
    NAME,
    PROJECT_ID,
    TAGS,
    UUID_OR_NULL,
    attributes,
    bulk,
    only,
    resource,
    string,
)

_ATTRS = attributes({
    "name": NAME, "description": DESCRIPTION, "admin_state_up": BOOLEAN, "shared": BOOLEAN,
    "router:external": BOOLEAN, "mtu": {"type": "integer", "minimum": 68, "maximum": 65535},
    "port_security_enabled": BOOLEAN, "dns_domain": string(),
    "availability_zone_hints": AZ_HINTS, "project_id": PROJECT_ID, "tenant_id": PROJECT_ID,
    "tags": TAGS, "is_default": BOOLEAN, "qos_policy_id": UUID_OR_NULL,
    "provider:network_type": {"type": ["string", "null"],
                              "enum": ["flat", "vlan", "vxlan", "local", None]},
    "provider:physical_network": {"type": ["string", "null"], "maxLength": 64},
    "provider:segmentation_id": {"type": ["integer", "string", "null"]},
})
CREATE = bulk("network", _ATTRS)
UPDATE = resource("network", only(_ATTRS, (
    "name", "description", "admin_state_up", "shared", "router:external", "mtu",
    "port_security_enabled", "dns_domain", "is_default", "qos_policy_id",
    "provider:network_type", "provider:physical_network", "provider:segmentation_id")))

