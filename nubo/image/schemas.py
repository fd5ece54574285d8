"""Glance's image and member schemas: served at /v2/schemas/* and used to validate bodies."""

from __future__ import annotations

from typing import Any

from nubo.image.formats import CONTAINER_FORMATS, DISK_FORMATS

UUID_PATTERN = ("^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
                "-([0-9a-fA-F]){12}$")
TAG = {"type": "string", "maxLength": 255}

IMAGE_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string", "description": "An identifier for the image",
           "pattern": UUID_PATTERN},
    "name": {"type": ["null", "string"], "maxLength": 255,
             "description": "Descriptive name for the image"},
    "status": {"type": "string", "readOnly": True,
               "enum": ["queued", "saving", "active", "killed", "deleted", "uploading",
                        "importing", "pending_delete", "deactivated"]},
    "visibility": {"type": "string", "enum": ["community", "public", "private", "shared"]},
    "protected": {"type": "boolean"},
    "os_hidden": {"type": "boolean"},
    "checksum": {"type": ["null", "string"], "readOnly": True, "maxLength": 32},
    "os_hash_algo": {"type": ["null", "string"], "readOnly": True, "maxLength": 64},
    "os_hash_value": {"type": ["null", "string"], "readOnly": True, "maxLength": 128},
    "owner": {"type": ["null", "string"], "maxLength": 255},
    "size": {"type": ["null", "integer"], "readOnly": True},
    "virtual_size": {"type": ["null", "integer"], "readOnly": True},
    "container_format": {"type": ["null", "string"],
                         "enum": [None, *CONTAINER_FORMATS]},
    "disk_format": {"type": ["null", "string"], "enum": [None, *DISK_FORMATS]},
    "created_at": {"type": "string", "readOnly": True},
    "updated_at": {"type": "string", "readOnly": True},
    "tags": {"type": "array", "items": TAG, "maxItems": 128},
    "direct_url": {"type": "string", "readOnly": True},
    "min_ram": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    "min_disk": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    "self": {"type": "string", "readOnly": True},
    "file": {"type": "string", "readOnly": True},
    "stores": {"type": "string", "readOnly": True},
    "schema": {"type": "string", "readOnly": True},
    "locations": {"type": "array", "readOnly": True},
}
PROPERTY_VALUE = {"type": "string", "maxLength": 65535}

IMAGE = {
    "name": "image",
    "properties": IMAGE_PROPERTIES,
    "additionalProperties": PROPERTY_VALUE,
    "links": [{"rel": "self", "href": "{self}"}, {"rel": "enclosure", "href": "{file}"},
              {"rel": "describedby", "href": "{schema}"}],
}
IMAGES = {
    "name": "images",
    "properties": {"images": {"type": "array", "items": IMAGE},
                   "schema": {"type": "string"}, "first": {"type": "string"},
                   "next": {"type": "string"}},
    "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
              {"rel": "describedby", "href": "{schema}"}],
}
MEMBER: dict[str, Any] = {
    "name": "member",
    "properties": {
        "image_id": {"type": "string", "pattern": UUID_PATTERN},
        "member_id": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "accepted", "rejected"]},
        "created_at": {"type": "string"}, "updated_at": {"type": "string"},
        "schema": {"type": "string", "readOnly": True},
    },
}
MEMBERS = {"name": "members",
           "properties": {"members": {"type": "array", "items": MEMBER},
                          "schema": {"type": "string"}},
           "links": [{"rel": "self", "href": "{self}"},
                     {"rel": "describedby", "href": "{schema}"}]}

# ---- request bodies (validated after read-only and reserved attributes were refused)

IMAGE_CREATE = {"type": "object", "properties": {
    k: v for k, v in IMAGE_PROPERTIES.items() if not v.get("readOnly")},
    "additionalProperties": PROPERTY_VALUE}
PATCH = {"type": "array", "items": {
    "type": "object",
    "properties": {"op": {"type": "string", "enum": ["add", "remove", "replace"]},
                   "path": {"type": "string", "pattern": "^/"}, "value": {}},
    "required": ["op", "path"], "additionalProperties": False}}
MEMBER_CREATE = {"type": "object", "properties": {"member": {"type": "string", "minLength": 1,
                                                             "maxLength": 255}},
                 "required": ["member"], "additionalProperties": False}
#: clients (openstacksdk) send the member back whole; only `status` may change
MEMBER_UPDATE = {"type": "object", "properties": {**MEMBER["properties"], "member": {
    "type": "string"}, "id": {"type": "string"}}, "required": ["status"],
    "additionalProperties": False}
IMPORT = {"type": "object", "properties": {
    "method": {"type": "object", "properties": {"name": {"type": "string"},
                                                "uri": {"type": "string"}},
               "required": ["name"]},
    "stores": {"type": "array", "items": {"type": "string"}},
    "all_stores": {"type": "boolean"}, "all_stores_must_succeed": {"type": "boolean"}},
    "required": ["method"], "additionalProperties": False}
