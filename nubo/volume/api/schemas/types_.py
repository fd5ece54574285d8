"""Shared parameter types (Cinder's `cinder/api/validation/parameter_types.py`)."""

from __future__ import annotations

from typing import Any

MAX_INT = 2 ** 31 - 1

NAME: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
DESCRIPTION: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
UUID: dict[str, Any] = {"type": "string", "format": "uuid"}
OPTIONAL_UUID: dict[str, Any] = {"type": ["string", "null"], "format": "uuid"}
#: sizes in GiB: Cinder takes "2" as well as 2
SIZE: dict[str, Any] = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1,
                        "maximum": MAX_INT}
OPTIONAL_SIZE: dict[str, Any] = {"type": ["integer", "string", "null"], "pattern": "^[0-9]+$",
                                 "minimum": 1, "maximum": MAX_INT}
METADATA: dict[str, Any] = {
    "type": "object",
    "patternProperties": {"^[a-zA-Z0-9-_:. /]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
EXTRA_SPECS: dict[str, Any] = {
    "type": "object",
    "patternProperties": {"^[a-zA-Z0-9-_:. /]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
BOOLEAN: dict[str, Any] = {"type": ["boolean", "string"],
                           "enum": [True, False, "True", "False", "true", "false", "1", "0",
                                    "yes", "no", "on", "off", "y", "n", "t", "f"]}


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "yes", "on", "y", "t")


def to_int(value: Any) -> int:
    return int(value)


def meta_body(key: str) -> dict[str, Any]:
    return {"type": "object", "properties": {key: METADATA}, "required": [key],
            "additionalProperties": True}


METADATA_BODY = meta_body("metadata")
META_ITEM: dict[str, Any] = {
    "type": "object",
    "properties": {"meta": {**METADATA, "minProperties": 1, "maxProperties": 1}},
    "required": ["meta"], "additionalProperties": True,
}
