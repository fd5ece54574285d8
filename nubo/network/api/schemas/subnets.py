"""Subnet bodies. An update may name the read-only attributes: they are accepted here and
refused by the service with Neutron's "Cannot update read-only attribute" message."""

from __future__ import annotations

from nubo.network.api.schemas.types import (
    BOOLEAN,
    CIDR,
    DESCRIPTION,
    IP_ADDRESS,
    IP_ADDRESS_OR_NULL,
    NAME,
    PREFIXLEN,
    PROJECT_ID,
    TAGS,
    UUID,
    UUID_OR_NULL,
    attributes,
    bulk,
    only,
    resource,
)

_POOL = {"type": "object", "properties": {"start": IP_ADDRESS, "end": IP_ADDRESS},
         "required": ["start", "end"], "additionalProperties": False}
_ROUTE = {"type": "object", "properties": {"destination": CIDR, "nexthop": IP_ADDRESS},
          "required": ["destination", "nexthop"], "additionalProperties": False}
_V6_MODE = {"type": ["string", "null"], "enum": ["slaac", "dhcpv6-stateful",
                                                  "dhcpv6-stateless", None]}
_ATTRS = attributes({
    "name": NAME, "description": DESCRIPTION, "network_id": UUID,
    "ip_version": {"type": ["integer", "string"], "enum": [4, 6, "4", "6"]},
    "cidr": {"type": ["string", "null"], "maxLength": 64}, "gateway_ip": IP_ADDRESS_OR_NULL,
    "enable_dhcp": BOOLEAN,
    "allocation_pools": {"type": ["array", "null"], "items": _POOL},
    "dns_nameservers": {"type": ["array", "null"], "items": IP_ADDRESS},
    "host_routes": {"type": ["array", "null"], "items": _ROUTE},
    "ipv6_ra_mode": _V6_MODE, "ipv6_address_mode": _V6_MODE, "project_id": PROJECT_ID,
    "tenant_id": PROJECT_ID, "subnetpool_id": UUID_OR_NULL, "prefixlen": PREFIXLEN,
    "segment_id": UUID_OR_NULL, "tags": TAGS,
    "service_types": {"type": "array", "items": {"type": "string", "maxLength": 255}},
    "use_default_subnetpool": BOOLEAN, "dns_publish_fixed_ip": BOOLEAN,
    "id": UUID,
}, required=("network_id",))
CREATE = bulk("subnet", only(_ATTRS, [k for k in _ATTRS["properties"] if k != "id"]) | {
    "required": ["network_id"]})
UPDATE = resource("subnet", only(_ATTRS, (
    "name", "description", "gateway_ip", "enable_dhcp", "allocation_pools", "dns_nameservers",
    "host_routes", "segment_id", "service_types", "dns_publish_fixed_ip",
    # read-only: refused by the service with Neutron's message
    "cidr", "ip_version", "network_id", "ipv6_ra_mode", "ipv6_address_mode", "subnetpool_id",
    "prefixlen", "project_id", "tenant_id", "id")))
