"""Backup bodies (Cinder's `cinder/api/schemas/backups.py`), by microversion."""

from __future__ import annotations

from typing import Any

from nubo.volume.api.schemas.types_ import BOOLEAN, DESCRIPTION, METADATA, NAME, UUID

_CONTAINER: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
_ZONE: dict[str, Any] = {"type": ["string", "null"], "minLength": 1, "maxLength": 255}


def create(metadata: bool, zone: bool) -> dict[str, Any]:
    """metadata from 3.43, availability_zone from 3.51."""
    props: dict[str, Any] = {
        "volume_id": UUID, "container": _CONTAINER, "description": DESCRIPTION,
        "incremental": BOOLEAN, "force": BOOLEAN, "name": NAME,
        "snapshot_id": {"type": ["string", "null"], "format": "uuid"}}
    if metadata:
        props["metadata"] = {**METADATA, "type": ["object", "null"]}
    if zone:
        props["availability_zone"] = _ZONE
    return {"type": "object",
            "properties": {"backup": {"type": "object", "properties": props,
                                      "required": ["volume_id"],
                                      "additionalProperties": False}},
            "required": ["backup"], "additionalProperties": False}


def update(metadata: bool) -> dict[str, Any]:
    props: dict[str, Any] = {"name": NAME, "description": DESCRIPTION}
    if metadata:
        props["metadata"] = METADATA
    return {"type": "object",
            "properties": {"backup": {"type": "object", "properties": props,
                                      "additionalProperties": False}},
            "required": ["backup"], "additionalProperties": False}


RESTORE: dict[str, Any] = {
    "type": "object",
    "properties": {"restore": {
        "type": ["object", "null"],
        "properties": {"volume_id": {"type": ["string", "null"], "format": "uuid"},
                       "name": NAME},
        "additionalProperties": False,
    }},
    "required": ["restore"],
    "additionalProperties": False,
}

IMPORT_RECORD: dict[str, Any] = {
    "type": "object",
    "properties": {"backup-record": {
        "type": "object",
        "properties": {"backup_service": {"type": "string", "minLength": 1, "maxLength": 255},
                       "backup_url": {"type": "string", "minLength": 1}},
        "required": ["backup_service", "backup_url"],
        "additionalProperties": False,
    }},
    "required": ["backup-record"],
    "additionalProperties": False,
}

RESET_STATUS: dict[str, Any] = {
    "type": "object",
    "properties": {"os-reset_status": {
        "type": "object",
        "properties": {"status": {"type": "string",
                                  "enum": ["available", "error", "AVAILABLE", "ERROR"]}},
        "required": ["status"],
        "additionalProperties": False,
    }},
    "required": ["os-reset_status"],
    "additionalProperties": False,
}

FORCE_DELETE: dict[str, Any] = {
    "type": "object",
    "properties": {"os-force_delete": {"type": ["object", "null"]}},
    "required": ["os-force_delete"],
    "additionalProperties": False,
}
