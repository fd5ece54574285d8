"""Request bodies of the server actions in actions.py and of the APIs around them."""

from __future__ import annotations

from typing import Any

_EMPTY = {"type": ["null", "object"], "maxProperties": 0}
_HOST = {"type": ["string", "null"], "minLength": 1, "maxLength": 255}
_LENGTH = {"oneOf": [{"type": "integer", "minimum": -1},
                     {"type": "string", "pattern": "^-?[0-9]+$"}, {"type": "null"}]}
TAG = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"}

ACTIONS: dict[str, Any] = {
    "pause": _EMPTY, "unpause": _EMPTY, "suspend": _EMPTY, "resume": _EMPTY,
    "unrescue": _EMPTY, "shelve": _EMPTY, "shelveOffload": _EMPTY, "restore": _EMPTY,
    "forceDelete": _EMPTY, "injectNetworkInfo": _EMPTY,
    "rescue": {"type": ["null", "object"], "properties": {
        "adminPass": {"type": "string"},
        "rescue_image_ref": {"type": "string", "format": "uuid"}},
        "additionalProperties": False},
    "unshelve": {"type": ["null", "object"], "properties": {
        "availability_zone": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
        "host": {"type": "string", "minLength": 1, "maxLength": 255}},
        "additionalProperties": False},
    "migrate": {"type": ["null", "object"], "properties": {"host": _HOST},
                "additionalProperties": False},
    "os-migrateLive": {"type": "object", "properties": {
        "host": _HOST,
        "block_migration": {"oneOf": [{"type": "boolean"}, {"enum": ["auto"]}]},
        "disk_over_commit": {"type": "boolean"}, "force": {"type": "boolean"}},
        "required": ["host", "block_migration"], "additionalProperties": False},
    "evacuate": {"type": "object", "properties": {
        "host": {"type": "string", "minLength": 1, "maxLength": 255},
        "adminPass": {"type": "string"}, "onSharedStorage": {"type": "boolean"},
        "force": {"type": "boolean"}, "targetState": {"enum": ["stopped"]}},
        "additionalProperties": False},
    "createBackup": {"type": "object", "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "backup_type": {"type": "string", "minLength": 1, "maxLength": 255},
        "rotation": {"oneOf": [{"type": "integer", "minimum": 0},
                               {"type": "string", "pattern": "^[0-9]+$"}]},
        "metadata": {"type": "object", "additionalProperties": {"type": "string",
                                                                 "maxLength": 255}}},
        "required": ["name", "backup_type", "rotation"], "additionalProperties": False},
    "os-getConsoleOutput": {"type": ["object", "null"], "properties": {"length": _LENGTH},
                            "additionalProperties": False},
    "os-getVNCConsole": {"type": "object", "properties": {
        "type": {"enum": ["novnc", "xvpvnc"]}}, "required": ["type"],
        "additionalProperties": False},
    "os-getSerialConsole": {"type": "object", "properties": {
        "type": {"enum": ["serial"]}}, "required": ["type"], "additionalProperties": False},
}

#: unshelve's own forms by version (checked after ACTIONS["unshelve"]): from 2.77 a zone is
#: required when a body is given; from 2.91 the zone may be null (unpin) and a host named
UNSHELVE_277 = {"type": ["null", "object"], "properties": {
    "availability_zone": {"type": "string", "minLength": 1, "maxLength": 255}},
    "required": ["availability_zone"], "additionalProperties": False}
UNSHELVE_291 = {"type": ["null", "object"], "properties": {
    "availability_zone": {"type": ["string", "null"]}, "host": {"type": "string"}},
    "additionalProperties": False}

REMOTE_CONSOLE = {"type": "object", "properties": {"remote_console": {
    "type": "object", "properties": {
        "protocol": {"enum": ["vnc", "spice", "rdp", "serial", "mks"]},
        "type": {"enum": ["novnc", "xvpvnc", "rdp-html5", "spice-html5", "serial", "webmks",
                          "spice-direct"]}},
    "required": ["protocol", "type"], "additionalProperties": False}},
    "required": ["remote_console"], "additionalProperties": False}

TAGS = {"type": "object", "properties": {"tags": {"type": "array", "items": TAG}},
        "required": ["tags"], "additionalProperties": False}

EVENTS = {"type": "object", "properties": {"events": {
    "type": "array", "minItems": 1, "items": {"type": "object", "properties": {
        "name": {"enum": ["network-changed", "network-vif-plugged", "network-vif-unplugged",
                          "network-vif-deleted", "volume-extended", "power-update",
                          "accelerator-request-bound", "volume-reimaged"]},
        "server_uuid": {"type": "string", "format": "uuid"},
        "status": {"enum": ["failed", "completed", "in-progress"]},
        "tag": {"type": "string", "maxLength": 255}},
        "required": ["name", "server_uuid"], "additionalProperties": False}}},
    "required": ["events"], "additionalProperties": False}

FORCE_COMPLETE = {"type": "object", "properties": {"force_complete": {"type": "null"}},
                  "required": ["force_complete"], "additionalProperties": False}
