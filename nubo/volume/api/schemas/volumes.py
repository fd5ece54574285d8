"""Volume bodies: create, update, and the actions (os-extend, os-reset_status,
os-force_delete)."""

from __future__ import annotations

from typing import Any

from nubo.volume.api.schemas.types_ import (
    BOOLEAN,
    DESCRIPTION,
    METADATA,
    NAME,
    OPTIONAL_SIZE,
    OPTIONAL_UUID,
    SIZE,
)

CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"volume": {
        "type": "object",
        "properties": {
            "name": NAME, "description": DESCRIPTION,
            "display_name": NAME, "display_description": DESCRIPTION,
            "size": OPTIONAL_SIZE,
            "availability_zone": {"type": ["string", "null"], "maxLength": 255},
            "volume_type": {"type": ["string", "null"], "maxLength": 255},
            "metadata": {**METADATA, "type": ["object", "null"]},
            "snapshot_id": OPTIONAL_UUID, "source_volid": OPTIONAL_UUID,
            "imageRef": {"type": ["string", "null"]},
            "backup_id": OPTIONAL_UUID,
            "consistencygroup_id": OPTIONAL_UUID, "group_id": OPTIONAL_UUID,
            "multiattach": BOOLEAN,
        },
        "additionalProperties": True,
    }},
    "required": ["volume"],
    "additionalProperties": True,
}

UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"volume": {
        "type": "object",
        "properties": {"name": NAME, "description": DESCRIPTION, "display_name": NAME,
                       "display_description": DESCRIPTION, "metadata": METADATA},
        "additionalProperties": False,
        "minProperties": 1,
    }},
    "required": ["volume"],
    "additionalProperties": False,
}

EXTEND: dict[str, Any] = {
    "type": "object",
    "properties": {"os-extend": {
        "type": "object",
        "properties": {"new_size": SIZE},
        "required": ["new_size"],
        "additionalProperties": False,
    }},
    "required": ["os-extend"],
    "additionalProperties": False,
}

RESET_STATUS: dict[str, Any] = {
    "type": "object",
    "properties": {"os-reset_status": {
        "type": "object",
        "properties": {"status": {"type": "string", "maxLength": 255},
                       "attach_status": {"type": "string", "enum": ["detached"]},
                       "migration_status": {"type": ["string", "null"], "maxLength": 255}},
        "additionalProperties": False,
        "minProperties": 1,
    }},
    "required": ["os-reset_status"],
    "additionalProperties": False,
}

FORCE_DELETE: dict[str, Any] = {
    "type": "object",
    "properties": {"os-force_delete": {"type": ["object", "null"]}},
    "required": ["os-force_delete"],
    "additionalProperties": False,
}

#: an action body names exactly one action
ACTION: dict[str, Any] = {"type": "object", "minProperties": 1, "maxProperties": 1}


def _action(name: str, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    inner: dict[str, Any] = {"type": ["object", "null"], "properties": props,
                             "additionalProperties": True}
    if required:
        inner = {**inner, "type": "object", "required": required}
    return {"type": "object", "properties": {name: inner}, "required": [name],
            "additionalProperties": False}


_CONNECTOR = {"connector": {"type": "object"}}
#: the attachment actions before the attachment API (Cinder's volume_actions)
ATTACH = _action("os-attach", {
    "instance_uuid": {"type": ["string", "null"], "format": "uuid"},
    "mountpoint": {"type": "string", "minLength": 1, "maxLength": 255},
    "host_name": {"type": ["string", "null"], "maxLength": 255},
    "mode": {"type": "string", "enum": ["rw", "ro"]}}, ["mountpoint"])
DETACH = _action("os-detach", {"attachment_id": {"type": ["string", "null"]}}, [])
CONNECTION = {name: _action(name, _CONNECTOR, ["connector"])
              for name in ("os-initialize_connection", "os-terminate_connection")}
PLAIN = {name: _action(name, {}, []) for name in
         ("os-reserve", "os-unreserve", "os-begin_detaching", "os-roll_detaching")}

_BOOL = {"type": ["boolean", "string"]}
UPLOAD_IMAGE = _action("os-volume_upload_image", {
    "image_name": {"type": "string", "minLength": 1, "maxLength": 255},
    "force": _BOOL,
    "disk_format": {"type": "string", "enum": ["raw", "qcow2"]},
    "container_format": {"type": "string", "enum": ["bare"]},
    "visibility": {"type": "string", "enum": ["public", "private", "shared", "community"]},
    "protected": _BOOL}, ["image_name"])
SET_BOOTABLE = _action("os-set_bootable", {"bootable": _BOOL}, ["bootable"])
READONLY = _action("os-update_readonly_flag", {"readonly": _BOOL}, ["readonly"])
SET_IMAGE_METADATA = _action("os-set_image_metadata", {
    "metadata": {**METADATA, "type": "object"}}, ["metadata"])
UNSET_IMAGE_METADATA = _action("os-unset_image_metadata", {
    "key": {"type": "string", "minLength": 1, "maxLength": 255}}, ["key"])
SHOW_IMAGE_METADATA = _action("os-show_image_metadata", {}, [])
RETYPE = _action("os-retype", {
    "new_type": {"type": "string", "minLength": 1, "maxLength": 255},
    "migration_policy": {"type": ["string", "null"], "enum": ["on-demand", "never", None]}},
    ["new_type"])
FORCE_DETACH = _action("os-force_detach", {
    "attachment_id": {"type": ["string", "null"]},
    "connector": {"type": ["object", "null"]}}, [])
