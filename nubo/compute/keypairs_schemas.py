"""Request bodies of the key pair API at 2.1, as Nova's schemas state them."""

from __future__ import annotations

from typing import Any

#: Nova's `name`: printable characters, no leading or trailing whitespace
NAME = {"type": "string", "format": "name", "minLength": 1, "maxLength": 255}

KEYPAIR_NAME = {"allOf": [NAME, {"type": "string", "pattern": r"^[_\- a-zA-Z0-9]+$",
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
