"""Request bodies of the quota set and quota class APIs at 2.1, as Nova's schemas state them."""

from __future__ import annotations

from functools import cache
from typing import Any

from nubo.compute.api.schemas.flavors import BOOLEAN
from nubo.compute.service.quotas import RESOURCES

QUOTA = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$", "minimum": -1,
         "maximum": 0x7FFFFFFF}
_RESOURCES = {r: QUOTA for r in RESOURCES}

UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"quota_set": {"type": "object",
                                 "properties": {**_RESOURCES, "force": BOOLEAN},
                                 "additionalProperties": False}},
    "required": ["quota_set"],
    "additionalProperties": False,
}
CLASS_UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"quota_class_set": {"type": "object", "properties": _RESOURCES,
                                       "additionalProperties": False}},
    "required": ["quota_class_set"],
    "additionalProperties": False,
}


@cache   # one object per version: validators are cached by id
def update_schema(hidden: tuple[str, ...]) -> dict[str, Any]:
    """UPDATE without the resources a version dropped (2.36 network, 2.57 files)."""
    props = {r: QUOTA for r in RESOURCES if r not in hidden}
    return {"type": "object",
            "properties": {"quota_set": {"type": "object",
                                         "properties": {**props, "force": BOOLEAN},
                                         "additionalProperties": False}},
            "required": ["quota_set"], "additionalProperties": False}


@cache
def class_update_schema(hidden: tuple[str, ...]) -> dict[str, Any]:
    props = {r: QUOTA for r in RESOURCES if r not in hidden}
    return {"type": "object",
            "properties": {"quota_class_set": {"type": "object", "properties": props,
                                               "additionalProperties": False}},
            "required": ["quota_class_set"], "additionalProperties": False}
