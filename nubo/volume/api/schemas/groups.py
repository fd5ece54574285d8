"""Generic volume group bodies: group types (and their specs), groups, group snapshots."""

from __future__ import annotations

from typing import Any

from nubo.volume.api.schemas.types_ import BOOLEAN, DESCRIPTION, NAME

_NAME: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 255,
                         "pattern": r"^(?!\s*$).+"}
_SPECS: dict[str, Any] = {"type": "object", "propertyNames": {"minLength": 1,
                                                             "maxLength": 255},
                          "additionalProperties": {"type": "string", "maxLength": 255}}


def _wrap(key: str, props: dict[str, Any], required: list[str] | None = None,
          min_props: int = 0) -> dict[str, Any]:
    inner: dict[str, Any] = {"type": "object", "properties": props,
                             "additionalProperties": False}
    if required:
        inner["required"] = required
    if min_props:
        inner["minProperties"] = min_props
    return {"type": "object", "properties": {key: inner}, "required": [key],
            "additionalProperties": False}


CREATE_TYPE = _wrap("group_type", {"name": _NAME, "description": DESCRIPTION,
                                   "is_public": BOOLEAN, "group_specs": _SPECS}, ["name"])
UPDATE_TYPE = _wrap("group_type", {"name": _NAME, "description": DESCRIPTION,
                                   "is_public": BOOLEAN}, min_props=1)
SPECS: dict[str, Any] = {"type": "object", "properties": {"group_specs": {
    **_SPECS, "minProperties": 1}}, "required": ["group_specs"], "additionalProperties": False}
SPEC_ITEM: dict[str, Any] = {**_SPECS, "minProperties": 1, "maxProperties": 1}

CREATE = _wrap("group", {
    "name": NAME, "description": DESCRIPTION,
    "group_type": {"type": "string", "minLength": 1, "maxLength": 255},
    "volume_types": {"type": "array", "minItems": 1,
                     "items": {"type": "string", "minLength": 1, "maxLength": 255}},
    "availability_zone": {"type": ["string", "null"], "maxLength": 255}},
    ["group_type", "volume_types"])
UPDATE = _wrap("group", {
    "name": NAME, "description": DESCRIPTION,
    "add_volumes": {"type": ["string", "null"]},
    "remove_volumes": {"type": ["string", "null"]}}, min_props=1)
CREATE_FROM_SOURCE = _wrap("create-from-src", {
    "name": NAME, "description": DESCRIPTION,
    "group_snapshot_id": {"type": ["string", "null"], "format": "uuid"},
    "source_group_id": {"type": ["string", "null"], "format": "uuid"}})
DELETE = {"type": "object", "properties": {"delete": {
    "type": ["object", "null"], "properties": {"delete-volumes": BOOLEAN},
    "additionalProperties": False}}, "required": ["delete"], "additionalProperties": False}
RESET_STATUS: dict[str, Any] = _wrap("reset_status", {
    "status": {"type": "string", "enum": ["creating", "available", "deleting", "error",
                                          "error_deleting", "updating", "in-use"]}},
    ["status"])

CREATE_SNAPSHOT = _wrap("group_snapshot", {
    "name": NAME, "description": DESCRIPTION,
    "group_id": {"type": "string", "format": "uuid"}}, ["group_id"])
RESET_SNAPSHOT_STATUS: dict[str, Any] = _wrap("reset_status", {
    "status": {"type": "string", "enum": ["creating", "available", "deleting", "error",
                                          "error_deleting"]}}, ["status"])
