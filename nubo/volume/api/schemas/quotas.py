"""Quota set bodies (an admin's update)."""

from __future__ import annotations

from typing import Any

from nubo.volume.api.schemas.types_ import MAX_INT

_LIMIT: dict[str, Any] = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$",
                          "minimum": -1, "maximum": MAX_INT}

UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"quota_set": {
        "type": "object",
        "properties": {"tenant_id": {"type": "string"}},
        "additionalProperties": _LIMIT,
        "minProperties": 1,
    }},
    "required": ["quota_set"],
    "additionalProperties": False,
}

CLASS_UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"quota_class_set": {
        "type": "object", "additionalProperties": _LIMIT, "minProperties": 1}},
    "required": ["quota_class_set"],
    "additionalProperties": False,
}
