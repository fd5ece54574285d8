"""Request bodies of the servers API (v2.1), after Nova's schemas."""

from __future__ import annotations

from functools import cache
from typing import Any

from nubo.core.microversion import APIVersion

NAME = {"type": "string", "minLength": 1, "maxLength": 255,
        "pattern": r"^(?! )[^\x00-\x1f]*(?<! )$"}
UUID = {"type": "string", "format": "uuid"}
REF = {"type": ["string", "integer"], "minLength": 1, "maxLength": 255}
#: how many items is a quota (metadata_items, a 403; service/quotas.py), not a schema rule
METADATA = {"type": "object", "patternProperties": {
    r"^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False}
IPV4 = {"type": "string", "format": "ipv4"}
IPV6 = {"type": "string", "format": "ipv6"}

_bdm = {"type": "object", "properties": {
    "source_type": {"type": "string", "enum": ["volume", "image", "snapshot", "blank"]},
    "destination_type": {"type": "string", "enum": ["local", "volume"]},
    "uuid": {"type": "string", "maxLength": 255}, "boot_index": {"type": ["integer", "string",
                                                                          "null"]},
    "volume_size": {"type": ["integer", "string", "null"]},
    "delete_on_termination": {"type": ["boolean", "string"]},
    "device_name": {"type": ["string", "null"]}, "device_type": {"type": ["string", "null"]},
    "disk_bus": {"type": ["string", "null"]}, "guest_format": {"type": ["string", "null"]},
    "no_device": {}}, "additionalProperties": False}

SERVER_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": NAME,
                "imageRef": {"type": "string", "maxLength": 255},
                "flavorRef": REF,
                "adminPass": {"type": "string"},
                "metadata": METADATA,
                "networks": {"type": "array", "items": {"type": "object", "properties": {
                    "uuid": {"type": "string"}, "port": {"type": ["string", "null"]},
                    "fixed_ip": {"type": "string"}, "tag": {"type": "string"}},
                    "additionalProperties": False}},
                "key_name": {"type": "string", "minLength": 1, "maxLength": 255},
                "user_data": {"type": "string", "format": "base64", "maxLength": 65535},
                "availability_zone": {"type": "string", "minLength": 1, "maxLength": 255},
                "security_groups": {"type": "array", "items": {
                    "type": "object", "properties": {"name": {"type": "string",
                                                              "minLength": 1,
                                                              "maxLength": 255}},
                    "additionalProperties": False}},
                "config_drive": {"type": ["boolean", "string"]},
                "min_count": {"type": ["integer", "string"], "pattern": "^[0-9]*$",
                              "minimum": 1, "minLength": 1},
                "max_count": {"type": ["integer", "string"], "pattern": "^[0-9]*$",
                              "minimum": 1, "minLength": 1},
                "return_reservation_id": {"type": ["boolean", "string"]},
                "block_device_mapping_v2": {"type": "array", "items": _bdm},
                "accessIPv4": IPV4, "accessIPv6": IPV6,
                "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
                "personality": {"type": "array", "maxItems": 0},
            },
            "required": ["name", "flavorRef"],
            "additionalProperties": False,
        },
        "os:scheduler_hints": {"type": "object"},
        "OS-SCH-HNT:scheduler_hints": {"type": "object"},
    },
    "required": ["server"],
    "additionalProperties": False,
}

SERVER_UPDATE = {"type": "object", "properties": {"server": {
    "type": "object", "properties": {"name": NAME, "accessIPv4": IPV4, "accessIPv6": IPV6,
                                     "OS-DCF:diskConfig": {"type": "string",
                                                           "enum": ["AUTO", "MANUAL"]}},
    "additionalProperties": False}}, "required": ["server"], "additionalProperties": False}

METADATA_BODY = {"type": "object", "properties": {"metadata": METADATA},
                 "required": ["metadata"], "additionalProperties": False}
META_ITEM = {"type": "object", "properties": {"meta": {
    "type": "object", "patternProperties": {r"^[a-zA-Z0-9-_:. ]{1,255}$": {
        "type": "string", "maxLength": 255}},
    "minProperties": 1, "maxProperties": 1, "additionalProperties": False}},
    "required": ["meta"], "additionalProperties": False}

ACTIONS: dict[str, Any] = {
    # Nova takes null or an empty object for the argument-less actions
    "os-start": {"type": ["null", "object"], "maxProperties": 0},
    "os-stop": {"type": ["null", "object"], "maxProperties": 0},
    "reboot": {"type": "object", "properties": {"type": {
        "type": "string", "enum": ["HARD", "Hard", "hard", "SOFT", "Soft", "soft"]}},
        "required": ["type"], "additionalProperties": False},
    "lock": {"type": ["object", "null"]},
    "resize": {"type": "object", "properties": {
        "flavorRef": {"type": ["string", "integer"], "minLength": 1},
        "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]}},
        "required": ["flavorRef"], "additionalProperties": False},
    "confirmResize": {"type": ["null", "object"], "maxProperties": 0},
    "rebuild": {"type": "object", "properties": {
        "imageRef": {"type": "string", "minLength": 1, "maxLength": 255},
        "name": NAME, "adminPass": {"type": "string"}, "metadata": METADATA,
        "accessIPv4": IPV4, "accessIPv6": IPV6, "preserve_ephemeral": {"type": "boolean"},
        "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
        "personality": {"type": "array", "maxItems": 0}},
        "required": ["imageRef"], "additionalProperties": False},
    "os-resetState": {"type": "object", "properties": {"state": {
        "type": "string", "enum": ["active", "error"]}}, "required": ["state"],
        "additionalProperties": False},
    "createImage": {"type": "object", "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "metadata": METADATA},       # Nova's parameter_types.metadata: keys 1-255 chars
        "required": ["name"], "additionalProperties": False},
    "revertResize": {"type": ["null", "object"], "maxProperties": 0},
    "unlock": {"type": ["null", "object"], "maxProperties": 0},
    "forceDelete": {"type": ["null", "object"], "maxProperties": 0},
}


# ------------------------------------------------------------------ later microversions

#: a server or device tag (2.26 server tags, 2.32/2.42 device tags)
TAG = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"}
DESCRIPTION = {"type": ["string", "null"], "minLength": 0, "maxLength": 255,
               "pattern": r"^[^\x00-\x1f\x7f]*$"}
TRUSTED_CERTS = {"type": ["array", "null"], "minItems": 1, "maxItems": 50,
                 "uniqueItems": True, "items": {"type": "string", "minLength": 1}}
#: 2.90: a hostname (one label); 2.94 allows a fully qualified domain name
HOSTNAME = {"type": "string", "minLength": 2, "maxLength": 63,
            "pattern": r"^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$"}
FQDN = {"type": "string", "minLength": 2, "maxLength": 255,
        "pattern": r"^[a-zA-Z0-9]+[a-zA-Z0-9-.]*[a-zA-Z0-9]+$"}
USER_DATA = {"type": ["string", "null"], "format": "base64", "maxLength": 65535}


def _copy(schema: dict[str, Any]) -> dict[str, Any]:
    import copy
    out: dict[str, Any] = copy.deepcopy(schema)
    return out


def _hostname(ver: APIVersion) -> dict[str, Any]:
    return FQDN if ver >= APIVersion(2, 94) else HOSTNAME


@cache   # one object per version: validators are cached by id
def create_schema(ver: APIVersion) -> dict[str, Any]:
    """POST /servers at `ver` (Nova's create schemas, 2.1 .. MAX)."""
    schema = _copy(SERVER_CREATE)
    srv = schema["properties"]["server"]
    props = srv["properties"]
    device_tags = ver == APIVersion(2, 32) or ver >= APIVersion(2, 42)
    if not device_tags:
        del props["networks"]["items"]["properties"]["tag"]
    else:
        props["networks"]["items"]["properties"]["tag"] = TAG
        props["block_device_mapping_v2"]["items"]["properties"]["tag"] = TAG
    if ver >= APIVersion(2, 19):
        props["description"] = DESCRIPTION
    if ver >= APIVersion(2, 37):
        # a list of networks, or "auto"/"none"; and one of them must be said
        props["networks"] = {"oneOf": [props["networks"],
                                       {"type": "string", "enum": ["none", "auto"]}]}
        srv["required"] = [*srv["required"], "networks"]
    if ver >= APIVersion(2, 52):
        props["tags"] = {"type": "array", "items": TAG, "maxItems": 50}
    if ver >= APIVersion(2, 57):
        del props["personality"]
    if ver >= APIVersion(2, 63):
        props["trusted_image_certificates"] = TRUSTED_CERTS
    if ver >= APIVersion(2, 67):
        props["block_device_mapping_v2"]["items"]["properties"]["volume_type"] = {
            "type": ["string", "null"], "minLength": 0, "maxLength": 255}
    if ver >= APIVersion(2, 90):
        props["hostname"] = _hostname(ver)
    return schema


@cache   # one object per version: validators are cached by id
def update_schema(ver: APIVersion) -> dict[str, Any]:
    schema = _copy(SERVER_UPDATE)
    props = schema["properties"]["server"]["properties"]
    if ver >= APIVersion(2, 19):
        props["description"] = DESCRIPTION
    if ver >= APIVersion(2, 90):
        props["hostname"] = _hostname(ver)
    return schema


@cache   # one object per version: validators are cached by id
def action_schema(name: str, ver: APIVersion) -> dict[str, Any] | None:
    """The argument schema of a server action at `ver` (None: not an action of ours)."""
    if name == "lock" and ver >= APIVersion(2, 73):
        return {"type": ["object", "null"], "properties": {"locked_reason": {
            "type": "string", "minLength": 1, "maxLength": 255}},
            "additionalProperties": False}
    if name != "rebuild":
        return ACTIONS.get(name)
    schema = _copy(ACTIONS["rebuild"])
    props = schema["properties"]
    if ver >= APIVersion(2, 19):
        props["description"] = DESCRIPTION
    if ver >= APIVersion(2, 54):
        props["key_name"] = {"type": ["string", "null"], "minLength": 1, "maxLength": 255}
    if ver >= APIVersion(2, 57):
        del props["personality"]
        props["user_data"] = USER_DATA
    if ver >= APIVersion(2, 63):
        props["trusted_image_certificates"] = TRUSTED_CERTS
    if ver >= APIVersion(2, 90):
        props["hostname"] = _hostname(ver)
    return schema


@cache   # one object per version: validators are cached by id
def action_body_schema(name: str, ver: APIVersion) -> dict[str, Any]:
    return {"type": "object", "properties": {name: action_schema(name, ver)}}
