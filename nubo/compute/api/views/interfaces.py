"""os-interface request bodies (Nova's schemas/attach_interfaces.py) and its view."""

from __future__ import annotations

import copy
from typing import Any

from nubo.compute.api.schemas.server_actions import TAG
from nubo.compute.service.interfaces import Attachment
from nubo.core.microversion import APIVersion

_IP = {"type": "string", "oneOf": [{"format": "ipv4"}, {"format": "ipv6"}]}

CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"interfaceAttachment": {
        "type": "object",
        "properties": {
            "net_id": {"type": "string", "format": "uuid"},
            "port_id": {"type": "string", "format": "uuid"},
            "fixed_ips": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
                "type": "object", "properties": {"ip_address": _IP},
                "required": ["ip_address"], "additionalProperties": False}}},
        "additionalProperties": False}},
    "additionalProperties": False,
}
CREATE_249 = copy.deepcopy(CREATE)
CREATE_249["properties"]["interfaceAttachment"]["properties"]["tag"] = TAG


def create_schema(ver: APIVersion) -> dict[str, Any]:
    return CREATE_249 if ver >= APIVersion(2, 49) else CREATE


def attachment(a: Attachment, ver: APIVersion) -> dict[str, Any]:
    out: dict[str, Any] = {
        "net_id": a.net_id, "port_id": a.port_id, "mac_addr": a.mac_addr,
        "port_state": a.port_state,
        "fixed_ips": [{"subnet_id": sub, "ip_address": ip} for sub, ip in a.fixed_ips]}
    if ver >= APIVersion(2, 70):
        out["tag"] = a.tag
    return out
