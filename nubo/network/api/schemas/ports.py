"""Port bodies (core API with port-security, allowed-address-pairs, binding, extra-dhcp-opt,
dns and qos). An update may name network_id, project_id and tenant_id: the service refuses
them with Neutron's read-only message."""

from __future__ import annotations

from nubo.network.api.schemas.types import (
    BOOLEAN,
    DESCRIPTION,
    IP_ADDRESS_OR_NULL,
    NAME,
    PROJECT_ID,
    TAGS,
    UUID,
    UUID_OR_NULL,
    attributes,
    bulk,
    only,
    resource,
    string,
)

_FIXED_IP = {"type": "object", "properties": {"subnet_id": UUID_OR_NULL,
                                              "ip_address": IP_ADDRESS_OR_NULL},
             "additionalProperties": False}
_PAIR = {"type": "object", "properties": {"ip_address": string(64),
                                          "mac_address": string(32, nullable=True)},
         "required": ["ip_address"]}
_DHCP_OPT = {"type": "object", "properties": {
    "opt_name": string(64), "opt_value": string(255, nullable=True),
    "ip_version": {"type": ["integer", "string", "null"]}}, "required": ["opt_name"]}
_UPDATE = ("name", "description", "admin_state_up", "mac_address", "fixed_ips", "device_id",
           "device_owner", "binding:host_id", "binding:profile", "binding:vnic_type",
           "security_groups", "port_security_enabled", "allowed_address_pairs", "dns_name",
           "extra_dhcp_opts", "qos_policy_id", "propagate_uplink_status")
_ATTRS = attributes({
    "name": NAME, "description": DESCRIPTION, "admin_state_up": BOOLEAN,
    "mac_address": string(32, nullable=True),
    "fixed_ips": {"type": ["array", "null"], "items": _FIXED_IP},
    "device_id": string(), "device_owner": string(),
    "binding:host_id": string(nullable=True),
    "binding:profile": {"type": ["object", "null"]},
    "binding:vnic_type": {"type": "string", "enum": [
        "normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder",
        "smart-nic", "vdpa", "remote-managed"]},
    "security_groups": {"type": ["array", "null"], "items": UUID},
    "port_security_enabled": BOOLEAN,
    "allowed_address_pairs": {"type": ["array", "null"], "items": _PAIR},
    "dns_name": string(), "extra_dhcp_opts": {"type": ["array", "null"], "items": _DHCP_OPT},
    "qos_policy_id": UUID_OR_NULL, "propagate_uplink_status": BOOLEAN,
    "network_id": UUID, "project_id": PROJECT_ID, "tenant_id": PROJECT_ID, "tags": TAGS,
})
CREATE = bulk("port", only(_ATTRS, (*_UPDATE, "network_id", "project_id", "tenant_id", "tags"))
              | {"required": ["network_id"]})
UPDATE = resource("port", only(_ATTRS, (*_UPDATE, "network_id", "project_id", "tenant_id")))
