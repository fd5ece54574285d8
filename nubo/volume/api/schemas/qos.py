"""QoS specs bodies: create (name, consumer and the specs as the other keys), set keys,
delete keys."""

from __future__ import annotations

from typing import Any

_VALUE: dict[str, Any] = {"type": "string", "maxLength": 255}

CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"qos_specs": {
        "type": "object",
        "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 255,
                                "pattern": r"^(?!\s*$).+"},
                       "consumer": {"type": "string",
                                    "enum": ["front-end", "back-end", "both"]}},
        "additionalProperties": _VALUE,
        "required": ["name"],
    }},
    "required": ["qos_specs"],
    "additionalProperties": False,
}

SET_KEYS: dict[str, Any] = {
    "type": "object",
    "properties": {"qos_specs": {
        "type": "object", "minProperties": 1,
        "propertyNames": {"minLength": 1, "maxLength": 255},
        "additionalProperties": _VALUE}},
    "required": ["qos_specs"],
    "additionalProperties": False,
}

DELETE_KEYS: dict[str, Any] = {
    "type": "object",
    "properties": {"keys": {"type": "array", "minItems": 1,
                            "items": {"type": "string", "minLength": 1, "maxLength": 255}}},
    "required": ["keys"],
    "additionalProperties": False,
}
