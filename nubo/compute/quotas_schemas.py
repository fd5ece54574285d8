"""Request bodies of the quota set and quota class APIs at 2.1, as Nova's schemas state them."""

from __future__ import annotations

from typing import Any

from nubo.compute.flavors_schemas import BOOLEAN
from nubo.compute.quotas import RESOURCES

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
