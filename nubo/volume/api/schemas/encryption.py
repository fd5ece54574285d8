"""Volume type encryption bodies (Cinder's encryption_type schemas)."""

from __future__ import annotations

from typing import Any

_SPEC: dict[str, Any] = {
    "provider": {"type": "string", "minLength": 1, "maxLength": 255},
    "cipher": {"type": ["string", "null"], "maxLength": 255},
    "key_size": {"type": ["integer", "null"], "enum": [None, 128, 192, 256, 512]},
    "control_location": {"type": "string", "enum": ["front-end", "back-end"]},
}

CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"encryption": {
        "type": "object", "properties": _SPEC, "required": ["provider"],
        "additionalProperties": False}},
    "required": ["encryption"],
    "additionalProperties": False,
}

UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"encryption": {
        "type": "object", "properties": _SPEC, "minProperties": 1,
        "additionalProperties": False}},
    "required": ["encryption"],
    "additionalProperties": False,
}
