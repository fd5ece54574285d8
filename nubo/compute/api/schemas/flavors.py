"""Request bodies of the flavor API at 2.1, as Nova's schemas state them."""

from __future__ import annotations

import copy
from typing import Any

from nubo.compute.api.schemas.keypairs import NAME

BOOLEAN = {"type": ["boolean", "string"],
           "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
                    False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No",
                    "no"]}
POSITIVE = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1,
            "maximum": 0x7FFFFFFF}
NON_NEGATIVE = {**POSITIVE, "minimum": 0}
VALID_SORT_KEYS = ["created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id",
                   "is_public", "memory_mb", "name", "root_gb", "rxtx_factor", "swap",
                   "updated_at", "vcpu_weight", "vcpus"]

CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"flavor": {
        "type": "object",
        "properties": {
            "name": NAME,
            "id": {"type": ["string", "number", "null"], "minLength": 1, "maxLength": 255,
                   "pattern": "^(?! )[a-zA-Z0-9. _-]+(?<! )$"},
            "ram": POSITIVE,
            "vcpus": POSITIVE,
            "disk": NON_NEGATIVE,
            "OS-FLV-EXT-DATA:ephemeral": NON_NEGATIVE,
            "swap": NON_NEGATIVE,
            "rxtx_factor": {"type": ["number", "string"], "pattern": r"^[0-9]+(\.[0-9]+)?$",
                            "maximum": 3.40282e38},
            "os-flavor-access:is_public": BOOLEAN,
        },
        "required": ["name", "ram", "vcpus", "disk"],
        "additionalProperties": False,
    }},
    "required": ["flavor"],
    "additionalProperties": False,
}

_SPEC_KEY = "^[a-zA-Z0-9-_:. ]{1,255}$"
_SPECS = {"type": "object",
          "patternProperties": {_SPEC_KEY: {"type": ["string", "number"], "maxLength": 255}},
          "additionalProperties": False}
EXTRA_SPECS_CREATE: dict[str, Any] = {
    "type": "object", "properties": {"extra_specs": _SPECS},
    "required": ["extra_specs"], "additionalProperties": False}
EXTRA_SPEC_UPDATE: dict[str, Any] = {**_SPECS, "minProperties": 1, "maxProperties": 1}

_TENANT = {"type": "object",
           "properties": {"tenant": {"type": "string", "minLength": 1, "maxLength": 255}},
           "required": ["tenant"], "additionalProperties": False}
ADD_TENANT_ACCESS: dict[str, Any] = {
    "type": "object", "properties": {"addTenantAccess": _TENANT},
    "required": ["addTenantAccess"], "additionalProperties": False}
REMOVE_TENANT_ACCESS: dict[str, Any] = {
    "type": "object", "properties": {"removeTenantAccess": _TENANT},
    "required": ["removeTenantAccess"], "additionalProperties": False}

#: 2.55: a flavor's description (create and PUT /flavors/{id})
DESCRIPTION = {"type": ["string", "null"], "minLength": 0, "maxLength": 65535,
               "pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"}
CREATE_255: dict[str, Any] = copy.deepcopy(CREATE)
CREATE_255["properties"]["flavor"]["properties"]["description"] = DESCRIPTION
UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"flavor": {"type": "object", "properties": {"description": DESCRIPTION},
                              "required": ["description"], "additionalProperties": False}},
    "required": ["flavor"], "additionalProperties": False}
