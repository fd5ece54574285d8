"""Request body schemas (JSON Schema draft 4), by microversion, after Placement's own."""

from __future__ import annotations

import copy
from typing import Any

from nubo.core.microversion import APIVersion
from nubo.placement.names import MAX_INT

UUID_PATTERN = "^[0-9a-fA-F-]{36}$"
RC_PATTERN = "^[A-Z0-9_]+$"
CUSTOM_PATTERN = "^CUSTOM_[A-Z0-9_]+$"
GROUP_PATTERN = "^[a-zA-Z0-9_-]{0,64}$"
#: the largest single-precision float, as Placement's allocation_ratio column allows
FLOAT_MAX = 3.40282e38

UUID = {"type": "string", "format": "uuid"}   # Placement: oslo's is_uuid_like
INT = {"type": "integer", "minimum": 1, "maximum": MAX_INT}

# ------------------------------------------------------------------ resource providers

_PROVIDER: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200}},
    "required": ["name"],
    "additionalProperties": False,
}
PROVIDER_POST_1_0 = copy.deepcopy(_PROVIDER)
PROVIDER_POST_1_0["properties"]["uuid"] = UUID
PROVIDER_POST_1_14 = copy.deepcopy(PROVIDER_POST_1_0)
PROVIDER_POST_1_14["properties"]["parent_provider_uuid"] = {"anyOf": [UUID, {"type": "null"}]}
PROVIDER_PUT_1_0 = copy.deepcopy(_PROVIDER)
PROVIDER_PUT_1_14 = copy.deepcopy(_PROVIDER)
PROVIDER_PUT_1_14["properties"]["parent_provider_uuid"] = {"anyOf": [UUID, {"type": "null"}]}


def provider_post(v: APIVersion) -> dict[str, Any]:
    return PROVIDER_POST_1_14 if v.matches("1.14") else PROVIDER_POST_1_0


def provider_put(v: APIVersion) -> dict[str, Any]:
    return PROVIDER_PUT_1_14 if v.matches("1.14") else PROVIDER_PUT_1_0


# ------------------------------------------------------------------------ inventories

_INVENTORY_FIELDS: dict[str, Any] = {
    "total": INT,
    "reserved": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
    "min_unit": INT,
    "max_unit": INT,
    "step_size": INT,
    "allocation_ratio": {"type": "number", "minimum": 0, "maximum": FLOAT_MAX},
}
INVENTORY_RECORD = {"type": "object", "properties": _INVENTORY_FIELDS, "required": ["total"],
                    "additionalProperties": False}
INVENTORY_POST = {"type": "object",
                  "properties": {**_INVENTORY_FIELDS,
                                 "resource_class": {"type": "string", "pattern": RC_PATTERN},
                                 "resource_provider_generation": {"type": "integer"}},
                  "required": ["total", "resource_class"], "additionalProperties": False}
INVENTORY_PUT = {"type": "object",
                 "properties": {**_INVENTORY_FIELDS,
                                "resource_provider_generation": {"type": "integer"}},
                 "required": ["total", "resource_provider_generation"],
                 "additionalProperties": False}
INVENTORIES_PUT = {
    "type": "object",
    "properties": {
        "resource_provider_generation": {"type": "integer"},
        "inventories": {"type": "object", "patternProperties": {RC_PATTERN: INVENTORY_RECORD},
                        "additionalProperties": False},
    },
    "required": ["resource_provider_generation", "inventories"],
    "additionalProperties": False,
}

# ------------------------------------------------------------------ traits, aggregates

TRAIT_NAME = {"type": "string", "pattern": RC_PATTERN, "maxLength": 255}
PROVIDER_TRAITS_PUT = {
    "type": "object",
    "properties": {"traits": {"type": "array", "items": TRAIT_NAME, "uniqueItems": True},
                   "resource_provider_generation": {"type": "integer"}},
    "required": ["traits", "resource_provider_generation"],
    "additionalProperties": False,
}
AGGREGATES_PUT_1_1 = {"type": "array", "items": UUID, "uniqueItems": True}
AGGREGATES_PUT_1_19 = {
    "type": "object",
    "properties": {"aggregates": AGGREGATES_PUT_1_1,
                   "resource_provider_generation": {"type": "integer"}},
    "required": ["aggregates", "resource_provider_generation"],
    "additionalProperties": False,
}
RESOURCE_CLASS = {
    "type": "object",
    "properties": {"name": {"type": "string", "pattern": CUSTOM_PATTERN, "maxLength": 255}},
    "required": ["name"],
    "additionalProperties": False,
}

# ------------------------------------------------------------------------ allocations

_AMOUNTS = {"type": "object", "minProperties": 1,
            "patternProperties": {RC_PATTERN: {"type": "integer", "minimum": 1,
                                               "maximum": MAX_INT}},
            "additionalProperties": False}
_OWNER = {"type": "string", "minLength": 1, "maxLength": 255}
ALLOCATIONS_LIST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "allocations": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "properties": {
                "resource_provider": {"type": "object", "properties": {"uuid": UUID},
                                      "required": ["uuid"], "additionalProperties": False},
                "resources": _AMOUNTS},
                "required": ["resource_provider", "resources"],
                "additionalProperties": False}},
        "project_id": _OWNER, "user_id": _OWNER,
    },
    "required": ["allocations"],
    "additionalProperties": False,
}
ALLOCATIONS_LIST_1_8 = {**ALLOCATIONS_LIST, "required": ["allocations", "project_id", "user_id"]}


def allocations_dict(v: APIVersion, *, post: bool = False) -> dict[str, Any]:
    """The dict form (1.12+) of one consumer's allocations, as PUT or as a POST entry."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "allocations": {
                "type": "object",
                "minProperties": 0 if post or v.matches("1.28") else 1,
                "patternProperties": {UUID_PATTERN: {
                    "type": "object",
                    "properties": {"generation": {"type": "integer"}, "resources": _AMOUNTS},
                    "required": ["resources"], "additionalProperties": False}},
                "additionalProperties": False},
            "project_id": _OWNER, "user_id": _OWNER,
        },
        "required": ["allocations", "project_id", "user_id"],
        "additionalProperties": False,
    }
    if v.matches("1.28"):
        schema["properties"]["consumer_generation"] = {"type": ["integer", "null"]}
        schema["required"].append("consumer_generation")
    if v.matches("1.34"):
        schema["properties"]["mappings"] = {
            "type": "object", "minProperties": 1,
            "patternProperties": {GROUP_PATTERN: {"type": "array", "minItems": 1,
                                                  "items": UUID}},
            "additionalProperties": False}
    if v.matches("1.38"):
        schema["properties"]["consumer_type"] = {"type": "string", "pattern": RC_PATTERN,
                                                 "minLength": 1, "maxLength": 255}
        schema["required"].append("consumer_type")
    return schema


_CACHE: dict[tuple[str, str], dict[str, Any]] = {}


def _cached(kind: str, v: APIVersion, build: Any) -> dict[str, Any]:
    # One schema object per shape, so core.validation compiles each only once.
    points = {"put": ("1.12", "1.28", "1.34", "1.38"), "post": ("1.28", "1.34", "1.38"),
              "reshape": ("1.34", "1.38")}[kind]
    key = (kind, max((p for p in points if v.matches(p)), default="1.0",
                     key=APIVersion.parse))
    if key not in _CACHE:
        _CACHE[key] = build()
    return _CACHE[key]


def allocations_put(v: APIVersion) -> dict[str, Any]:
    if not v.matches("1.12"):
        return ALLOCATIONS_LIST_1_8 if v.matches("1.8") else ALLOCATIONS_LIST
    return _cached("put", v, lambda: allocations_dict(v))


def allocations_post(v: APIVersion) -> dict[str, Any]:
    return _cached("post", v, lambda: {
        "type": "object", "minProperties": 1, "additionalProperties": False,
        "patternProperties": {UUID_PATTERN: allocations_dict(v, post=True)}})


def reshaper(v: APIVersion) -> dict[str, Any]:
    return _cached("reshape", v, lambda: {
        "type": "object",
        "properties": {
            "inventories": {"type": "object",
                            "patternProperties": {UUID_PATTERN: INVENTORIES_PUT},
                            "additionalProperties": False},
            "allocations": {"type": "object", "additionalProperties": False,
                            "patternProperties": {UUID_PATTERN: allocations_dict(v, post=True)}},
        },
        "required": ["inventories", "allocations"],
        "additionalProperties": False,
    })
