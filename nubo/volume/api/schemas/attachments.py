"""Attachment bodies (Cinder's api/schemas/attachments.py, 3.27-3.54)."""

from __future__ import annotations

from typing import Any

_UUID = {"type": "string", "format": "uuid"}
_CONNECTOR = {"type": ["object", "null"]}

CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"attachment": {
        "type": "object",
        "properties": {
            "instance_uuid": {**_UUID, "type": ["string", "null"]},
            "volume_uuid": _UUID,
            "connector": _CONNECTOR,
            "mode": {"type": "string", "enum": ["rw", "ro"]},
        },
        "required": ["volume_uuid"],
        "additionalProperties": False,
    }},
    "required": ["attachment"],
    "additionalProperties": False,
}

UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"attachment": {
        "type": "object",
        "properties": {"connector": {"type": "object"}},
        "required": ["connector"],
        "additionalProperties": False,
    }},
    "required": ["attachment"],
    "additionalProperties": False,
}

COMPLETE: dict[str, Any] = {
    "type": "object",
    "properties": {"os-complete": {"type": ["object", "null"]}},
    "required": ["os-complete"],
    "additionalProperties": False,
}
