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
