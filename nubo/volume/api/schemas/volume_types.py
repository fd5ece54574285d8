"""Volume type bodies: create, update, extra specs, access actions."""

from __future__ import annotations

from typing import Any

from nubo.volume.api.schemas.types_ import BOOLEAN, DESCRIPTION, EXTRA_SPECS

_NAME: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 255,
                         "pattern": r"^(?!\s*$).+"}

CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"volume_type": {
        "type": "object",
        "properties": {"name": _NAME, "description": DESCRIPTION,
                       "os-volume-type-access:is_public": BOOLEAN,
                       "extra_specs": {**EXTRA_SPECS, "type": ["object", "null"]}},
        "required": ["name"],
        "additionalProperties": False,
    }},
    "required": ["volume_type"],
    "additionalProperties": False,
}

UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"volume_type": {
        "type": "object",
        "properties": {"name": {**_NAME, "type": ["string", "null"]},
                       "description": DESCRIPTION, "is_public": BOOLEAN},
        "additionalProperties": False,
        "minProperties": 1,
    }},
    "required": ["volume_type"],
    "additionalProperties": False,
}

EXTRA_SPECS_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"extra_specs": EXTRA_SPECS},
    "required": ["extra_specs"],
    "additionalProperties": False,
}

EXTRA_SPEC_ITEM: dict[str, Any] = {**EXTRA_SPECS, "minProperties": 1, "maxProperties": 1}

_PROJECT: dict[str, Any] = {"type": "object",
                            "properties": {"project": {"type": "string", "minLength": 1,
                                                       "maxLength": 255}},
                            "required": ["project"], "additionalProperties": False}
ADD_ACCESS: dict[str, Any] = {"type": "object", "properties": {"addProjectAccess": _PROJECT},
                              "required": ["addProjectAccess"], "additionalProperties": False}
REMOVE_ACCESS: dict[str, Any] = {"type": "object",
                                 "properties": {"removeProjectAccess": _PROJECT},
                                 "required": ["removeProjectAccess"],
                                 "additionalProperties": False}
