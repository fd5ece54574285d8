"""Security group and security group rule bodies."""

from __future__ import annotations

from nubo.network.api.schemas.types import (
    BOOLEAN,
    NAME,
    PROJECT_ID,
    UUID_OR_NULL,
    attributes,
    only,
    resource,
    string,
)

_GROUP = attributes({"name": NAME, "description": string(nullable=True), "stateful": BOOLEAN,
                     "project_id": PROJECT_ID, "tenant_id": PROJECT_ID})
CREATE_GROUP = resource("security_group", _GROUP)
UPDATE_GROUP = resource("security_group", only(_GROUP, ("name", "description", "stateful")))
_PORT = {"type": ["integer", "string", "null"]}
CREATE_RULE = resource("security_group_rule", attributes({
    "security_group_id": string(), "direction": {"type": "string",
                                                 "enum": ["ingress", "egress"]},
    "ethertype": {"type": ["string", "null"]}, "protocol": {"type": ["string", "integer",
                                                                     "null"]},
    "port_range_min": _PORT, "port_range_max": _PORT,
    "remote_ip_prefix": {"type": ["string", "null"], "maxLength": 64},
    "remote_group_id": UUID_OR_NULL, "description": string(nullable=True),
    "project_id": PROJECT_ID, "tenant_id": PROJECT_ID, "remote_address_group_id": UUID_OR_NULL,
}, required=("security_group_id", "direction")))
