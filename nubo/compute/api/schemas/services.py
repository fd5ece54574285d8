"""Request bodies of os-services (2.1) and os-aggregates (2.1), after Nova's schemas."""

from __future__ import annotations

from typing import Any

_HOST: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 255,
                         "pattern": "^[a-zA-Z0-9-._]*$"}
_REASON = {"type": "string", "minLength": 1, "maxLength": 255}

SERVICE_UPDATE = {
    "type": "object",
    "properties": {"host": _HOST, "binary": {"type": "string", "minLength": 1,
                                             "maxLength": 255},
                   "disabled_reason": _REASON},
    "required": ["host", "binary"], "additionalProperties": False}
#: PUT /os-services/force-down (2.11 to 2.52): Nova's service_update_v211 adds forced_down
SERVICE_UPDATE_211 = {**SERVICE_UPDATE, "properties": {
    **SERVICE_UPDATE["properties"],  # type: ignore[dict-item]
    "forced_down": {"type": ["boolean", "string"],
                    "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes",
                             "yes", False, "False", "FALSE", "false", "0", "OFF", "Off", "off",
                             "NO", "No", "no"]}}}

_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "format": "name"}
_NAME_SPACES = {"type": "string", "minLength": 1, "maxLength": 255}
_ZONE = {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 255, "format": "name",
                    "pattern": "^[^:]*$"}, {"type": "null"}]}


def _wrap(key: str, props: dict[str, Any], required: list[str],
          **extra: Any) -> dict[str, Any]:
    inner: dict[str, Any] = {"type": "object", "properties": props,
                             "additionalProperties": False, **extra}
    if required:
        inner["required"] = required
    return {"type": "object", "properties": {key: inner}, "required": [key],
            "additionalProperties": False}


AGGREGATE_CREATE = _wrap("aggregate", {"name": _NAME, "availability_zone": _ZONE}, ["name"])
AGGREGATE_UPDATE = _wrap("aggregate", {"name": _NAME_SPACES, "availability_zone": _ZONE}, [],
                         anyOf=[{"required": ["name"]}, {"required": ["availability_zone"]}])
ADD_HOST = _wrap("add_host", {"host": _HOST}, ["host"])
REMOVE_HOST = _wrap("remove_host", {"host": _HOST}, ["host"])
SET_METADATA = _wrap("set_metadata", {"metadata": {
    "type": "object",
    "patternProperties": {"^[a-zA-Z0-9-_:. ]{1,255}$": {
        "type": ["string", "null"], "maxLength": 255}},
    "additionalProperties": False}}, ["metadata"])
