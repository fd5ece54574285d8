"""Snapshot bodies: create, update, reset status."""

from __future__ import annotations

from typing import Any

from nubo.volume.api.schemas.types_ import BOOLEAN, DESCRIPTION, METADATA, NAME, OPTIONAL_UUID

CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"snapshot": {
        "type": "object",
        "properties": {"name": NAME, "description": DESCRIPTION, "display_name": NAME,
                       "display_description": DESCRIPTION,
                       # null: Cinder looks it up and answers 404
                       "volume_id": OPTIONAL_UUID,
                       "force": BOOLEAN, "metadata": {**METADATA, "type": ["object", "null"]}},
        "required": ["volume_id"],
        "additionalProperties": False,
    }},
    "required": ["snapshot"],
    "additionalProperties": False,
}

UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"snapshot": {
        "type": "object",
        "properties": {"name": NAME, "description": DESCRIPTION, "display_name": NAME,
                       "display_description": DESCRIPTION},
        "additionalProperties": False,
        "minProperties": 1,
    }},
    "required": ["snapshot"],
    "additionalProperties": False,
}

UPDATE_STATUS: dict[str, Any] = {
    "type": "object",
    "properties": {"os-update_snapshot_status": {
        "type": "object",
        "properties": {"status": {"type": "string", "maxLength": 255},
                       "progress": {"type": "string", "maxLength": 255}},
        "required": ["status"],
        "additionalProperties": False,
    }},
    "required": ["os-update_snapshot_status"],
    "additionalProperties": False,
}

RESET_STATUS: dict[str, Any] = {
    "type": "object",
    "properties": {"os-reset_status": {
        "type": "object",
        "properties": {"status": {"type": "string", "maxLength": 255}},
        "required": ["status"],
        "additionalProperties": False,
    }},
    "required": ["os-reset_status"],
    "additionalProperties": False,
}
