"""Transfer bodies (Cinder's `cinder/api/schemas/volume_transfer.py`)."""

from __future__ import annotations

from typing import Any

from nubo.volume.api.schemas.types_ import BOOLEAN, NAME, UUID


def create(no_snapshots: bool) -> dict[str, Any]:
    """`no_snapshots` from 3.55 (on /volume-transfers only)."""
    props: dict[str, Any] = {"volume_id": UUID, "name": NAME}
    if no_snapshots:
        props["no_snapshots"] = BOOLEAN
    return {"type": "object",
            "properties": {"transfer": {"type": "object", "properties": props,
                                        "required": ["volume_id"],
                                        "additionalProperties": False}},
            "required": ["transfer"], "additionalProperties": False}


ACCEPT: dict[str, Any] = {
    "type": "object",
    "properties": {"accept": {
        "type": "object",
        "properties": {"auth_key": {"type": ["string", "integer"], "minLength": 1,
                                    "maxLength": 255}},
        "required": ["auth_key"],
        "additionalProperties": False,
    }},
    "required": ["accept"],
    "additionalProperties": False,
}
