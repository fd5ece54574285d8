"""Unified limit request bodies, after Keystone's keystone/limit/schema.py."""

from __future__ import annotations

from typing import Any

#: -1 (no limit) to the largest signed 32-bit integer
LIMIT = {"type": "integer", "minimum": -1, "maximum": 0x7FFFFFFF}
_ID = {"type": "string", "minLength": 1, "maxLength": 64}
_PROJECT_ID = {"type": ["string", "null"], "minLength": 1, "maxLength": 64,
               "pattern": r"^[a-zA-Z0-9-]+$"}
_REGION_ID = {"type": ["string", "null"], "minLength": 1, "maxLength": 255}
_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"[\S]+"}
_DESCRIPTION = {"type": ["string", "null"], "maxLength": 255}


def _closed(props: dict[str, Any], required: list[str] | None = None,
            **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props,
                           "additionalProperties": False, **more}
    if required:
        out["required"] = required
    return out


_registered = {"service_id": _ID, "region_id": _REGION_ID, "resource_name": _NAME,
               "default_limit": LIMIT, "description": _DESCRIPTION}
REGISTERED_LIMITS_CREATE = _closed({"registered_limits": {
    "type": "array", "minItems": 1,
    "items": _closed(_registered, ["service_id", "resource_name", "default_limit"])}},
    ["registered_limits"])
REGISTERED_LIMIT_UPDATE = _closed({"registered_limit": _closed(_registered)},
                                  ["registered_limit"])

_BASE = ["service_id", "resource_name", "resource_limit"]
LIMITS_CREATE = _closed({"limits": {
    "type": "array", "minItems": 1,
    "items": _closed({"project_id": _PROJECT_ID, "domain_id": _PROJECT_ID,
                      "service_id": _ID, "region_id": _REGION_ID, "resource_name": _NAME,
                      "resource_limit": LIMIT, "description": _DESCRIPTION}, _BASE,
                     oneOf=[{"required": [*_BASE, "domain_id"]},
                            {"required": [*_BASE, "project_id"]}])}}, ["limits"])
LIMIT_UPDATE = _closed({"limit": _closed({"resource_limit": LIMIT,
                                          "description": _DESCRIPTION})}, ["limit"])
