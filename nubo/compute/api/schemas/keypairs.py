"""Request bodies of the key pair API, as Nova's schemas state them per microversion:
2.2 adds `type`, 2.10 `user_id` (admins create for another user), 2.92 requires
`public_key` (no more generated key pairs)."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from nubo.core.microversion import APIVersion

#: Nova's `name`: printable characters, no leading or trailing whitespace
NAME = {"type": "string", "format": "name", "minLength": 1, "maxLength": 255}

KEYPAIR_NAME = {"allOf": [NAME, {"type": "string", "pattern": r"^[_\- a-zA-Z0-9]+$",
                                 "minLength": 1, "maxLength": 255}]}
#: 2.92 widens the name to printable characters plus '@' and '.'
KEYPAIR_NAME_292 = {"allOf": [NAME, {"type": "string", "pattern": r"^[_\- a-zA-Z0-9@.]+$",
                                     "minLength": 1, "maxLength": 255}]}

CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"keypair": {
        "type": "object",
        "properties": {"name": KEYPAIR_NAME, "public_key": {"type": "string"}},
        "required": ["name"],
        "additionalProperties": False,
    }},
    "required": ["keypair"],
    "additionalProperties": False,
}


@cache   # one object per version: validators are cached by id
def create_schema(ver: APIVersion) -> dict[str, Any]:
    schema: dict[str, Any] = copy.deepcopy(CREATE)
    kp = schema["properties"]["keypair"]
    if ver >= APIVersion(2, 2):
        kp["properties"]["type"] = {"type": "string", "enum": ["ssh", "x509"]}
    if ver >= APIVersion(2, 10):
        kp["properties"]["user_id"] = {"type": "string"}
    if ver >= APIVersion(2, 92):
        kp["properties"]["name"] = KEYPAIR_NAME_292
        kp["required"] = ["name", "public_key"]
    return schema
