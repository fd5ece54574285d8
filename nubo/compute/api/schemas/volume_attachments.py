"""os-volume_attachments bodies (Nova's schemas/volumes.py: create_volume_attachment with its
2.49 `tag` and 2.79 `delete_on_termination`; update_volume_attachment with 2.85's)."""

from __future__ import annotations

import copy
from typing import Any

from nubo.compute.api.schemas.server_actions import TAG
from nubo.core.microversion import APIVersion

_UUID = {"type": "string", "format": "uuid"}
#: Nova's parameter_types: a device name such as /dev/vdb (or null: Nova picks)
DEVICE = {"type": ["string", "null"],
          "pattern": "(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$"}
_BOOL = {"type": ["boolean", "string"],
         "enum": [True, False, "True", "False", "true", "false", "1", "0", "yes", "no",
                  "on", "off", "y", "n", "t", "f", "Y", "N", "T", "F"]}

CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"volumeAttachment": {
        "type": "object",
        "properties": {"volumeId": _UUID, "device": DEVICE},
        "required": ["volumeId"],
        "additionalProperties": False}},
    "required": ["volumeAttachment"],
    "additionalProperties": False,
}
CREATE_249 = copy.deepcopy(CREATE)
CREATE_249["properties"]["volumeAttachment"]["properties"]["tag"] = TAG
CREATE_279 = copy.deepcopy(CREATE_249)
CREATE_279["properties"]["volumeAttachment"]["properties"]["delete_on_termination"] = _BOOL

UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"volumeAttachment": {
        "type": "object",
        "properties": {"volumeId": _UUID},
        "required": ["volumeId"],
        "additionalProperties": False}},
    "required": ["volumeAttachment"],
    "additionalProperties": False,
}
#: 2.85: the other fields may be given too (unchanged), delete_on_termination changed
UPDATE_285 = copy.deepcopy(UPDATE)
UPDATE_285["properties"]["volumeAttachment"]["properties"].update({
    "device": DEVICE, "tag": TAG, "delete_on_termination": _BOOL, "id": _UUID,
    "serverId": _UUID})


def create_schema(ver: APIVersion) -> dict[str, Any]:
    if ver >= APIVersion(2, 79):
        return CREATE_279
    return CREATE_249 if ver >= APIVersion(2, 49) else CREATE


def update_schema(ver: APIVersion) -> dict[str, Any]:
    return UPDATE_285 if ver >= APIVersion(2, 85) else UPDATE
