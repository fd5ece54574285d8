"""The metadef JSON schemas: served at /v2/schemas/metadefs/* as Glance serves them, and used
to validate request bodies. Names are at least one character long here (Glance accepts an
empty name, which no URL can then address); otherwise the documents are Glance's."""

from __future__ import annotations

import copy
from typing import Any

TYPES = ["array", "boolean", "integer", "number", "object", "string", None]
NAME = {"type": "string", "minLength": 1, "maxLength": 80}
_TS = {"type": "string", "readOnly": True, "format": "date-time"}


def _ts(what: str) -> dict[str, Any]:
    return {"created_at": {**_TS, "description": f"Date and time of {what} creation"},
            "updated_at": {**_TS, "description": f"Date and time of the last {what} "
                                                 "modification"}}


#: the fields of one property definition (a JSON-schema-like description of a value)
PROPERTY_FIELDS: dict[str, Any] = {
    "name": NAME,
    "title": {"type": "string"},
    "description": {"type": "string"},
    "operators": {"type": "array", "items": {"type": "string"}},
    "type": {"type": "string", "enum": TYPES},
    "required": {"$ref": "#/definitions/stringArray"},
    "minimum": {"type": "number"},
    "maximum": {"type": "number"},
    "maxLength": {"$ref": "#/definitions/positiveInteger"},
    "minLength": {"$ref": "#/definitions/positiveIntegerDefault0"},
    "pattern": {"type": "string", "format": "regex"},
    "enum": {"type": "array"},
    "readonly": {"type": "boolean"},
    "default": {},
    "items": {"type": "object", "properties": {"type": {"type": "string", "enum": TYPES},
                                               "enum": {"type": "array"}}},
    "maxItems": {"$ref": "#/definitions/positiveInteger"},
    "minItems": {"$ref": "#/definitions/positiveIntegerDefault0"},
    "uniqueItems": {"type": "boolean", "default": False},
    "additionalItems": {"type": "boolean"},
}


def _definitions(string_array_min: int | None, with_property: bool) -> dict[str, Any]:
    string_array: dict[str, Any] = {"type": "array", "items": {"type": "string"},
                                    "uniqueItems": True}
    if string_array_min:
        string_array["minItems"] = string_array_min
    out: dict[str, Any] = {
        "positiveInteger": {"type": "integer", "minimum": 0},
        "positiveIntegerDefault0": {"allOf": [{"$ref": "#/definitions/positiveInteger"},
                                              {"default": 0}]},
        "stringArray": string_array,
    }
    if with_property:
        out["property"] = {"type": "object", "additionalProperties": {
            "type": "object", "required": ["title", "type"], "properties": PROPERTY_FIELDS}}
    return out


def _collection(name: str, item: dict[str, Any], as_dict: bool = False) -> dict[str, Any]:
    """Glance's collection document: the item's definitions move up to the top."""
    item = dict(item)
    definitions = item.pop("definitions", None)
    items: dict[str, Any] = ({"type": "object", "additionalProperties": item} if as_dict
                             else {"type": "array", "items": item})
    out: dict[str, Any] = {
        "name": name,
        "properties": {name: items, "first": {"type": "string"},
                       "next": {"type": "string"}, "schema": {"type": "string"}},
        "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                  {"rel": "describedby", "href": "{schema}"}],
    }
    if definitions:
        out["definitions"] = definitions
    return out


_READ_ONLY_STRING = {"type": "string", "readOnly": True}

NAMESPACE: dict[str, Any] = {
    "name": "namespace",
    "properties": {
        "namespace": {**NAME, "description": "The unique namespace text."},
        "display_name": {"type": "string", "maxLength": 80,
                         "description": "The user friendly name for the namespace. Used by "
                                        "UI if available."},
        "description": {"type": "string", "maxLength": 500,
                        "description": "Provides a user friendly description of the "
                                       "namespace."},
        "visibility": {"type": "string", "enum": ["public", "private"],
                       "description": "Scope of namespace accessibility."},
        "protected": {"type": "boolean",
                      "description": "If true, namespace will not be deletable."},
        "owner": {"type": "string", "maxLength": 255,
                  "description": "Owner of the namespace."},
        **_ts("namespace"),
        "schema": _READ_ONLY_STRING,
        "self": _READ_ONLY_STRING,
        "resource_type_associations": {"type": "array", "items": {
            "type": "object", "properties": {"name": {"type": "string"},
                                             "prefix": {"type": "string"},
                                             "properties_target": {"type": "string"}}}},
        "properties": {"$ref": "#/definitions/property"},
        "objects": {"type": "array", "items": {
            "type": "object", "properties": {
                "name": {"type": "string"}, "description": {"type": "string"},
                "required": {"$ref": "#/definitions/stringArray"},
                "properties": {"$ref": "#/definitions/property"}}}},
        "tags": {"type": "array", "items": {"type": "object",
                                            "properties": {"name": {"type": "string"}}}},
    },
    "additionalProperties": False,
    "definitions": _definitions(None, True),
    "required": ["namespace"],
}
NAMESPACES = _collection("namespaces", NAMESPACE)

OBJECT: dict[str, Any] = {
    "name": "object",
    "properties": {
        "name": NAME,
        "description": {"type": "string"},
        "required": {"$ref": "#/definitions/stringArray"},
        "properties": {"$ref": "#/definitions/property"},
        "schema": _READ_ONLY_STRING,
        "self": _READ_ONLY_STRING,
        **_ts("object"),
    },
    "additionalProperties": False,
    "definitions": _definitions(None, True),
    "required": ["name"],
}
OBJECTS = _collection("objects", OBJECT)

PROPERTY: dict[str, Any] = {
    "name": "property",
    "properties": PROPERTY_FIELDS,
    "additionalProperties": False,
    "definitions": _definitions(1, False),
    "required": ["type", "title", "name"],
}
PROPERTIES = _collection("properties", {**PROPERTY, "required": ["type", "title"]},
                         as_dict=True)

TAG: dict[str, Any] = {
    "name": "tag",
    "properties": {"name": NAME, **_ts("tag")},
    "additionalProperties": False,
    "required": ["name"],
}
TAGS = _collection("tags", TAG)

_RT_DOC = {
    "name": "Resource type names should be aligned with Heat resource types whenever "
            "possible: https://docs.openstack.org/heat/latest/template_guide/openstack.html",
    "prefix": "Specifies the prefix to use for the given resource type. Any properties in "
              "the namespace should be prefixed with this prefix when being applied to the "
              "specified resource type. Must include prefix separator (e.g. a colon :).",
    "properties_target": "Some resource types allow more than one key / value pair per "
                         "instance.  For example, Cinder allows user and image metadata on "
                         "volumes. Only the image properties metadata is evaluated by Nova "
                         "(scheduling or drivers). This property allows a namespace target "
                         "to remove the ambiguity.",
}
RESOURCE_TYPE: dict[str, Any] = {
    "name": "resource_type_association",
    "properties": {
        "name": {**NAME, "description": _RT_DOC["name"]},
        "prefix": {"type": "string", "maxLength": 80, "description": _RT_DOC["prefix"]},
        "properties_target": {"type": "string", "maxLength": 80,
                              "description": _RT_DOC["properties_target"]},
        "created_at": {**_TS, "description": "Date and time of resource type association"},
        "updated_at": {**_TS, "description": "Date and time of the last resource type "
                                             "association modification"},
    },
    "additionalProperties": False,
    "required": ["name"],
}
RESOURCE_TYPES = _collection("resource_type_associations", RESOURCE_TYPE)

#: served at /v2/schemas/metadefs/<key>
DOCUMENTS: dict[str, dict[str, Any]] = {
    "namespace": NAMESPACE, "namespaces": NAMESPACES, "object": OBJECT, "objects": OBJECTS,
    "property": PROPERTY, "properties": PROPERTIES, "tag": TAG, "tags": TAGS,
    "resource_type": RESOURCE_TYPE, "resource_types": RESOURCE_TYPES,
}

# ---- request bodies: the documents above, with what Glance's models then insist on (a name
# on every nested item) and no unknown keys in nested items (Glance drops those silently;
# refusing them tells the user about a typo)


def _strict(doc: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["definitions"]["property"]["additionalProperties"]["additionalProperties"] = False
    props = out["properties"]
    nested = {"resource_type_associations": RESOURCE_TYPE, "objects": None, "tags": TAG}
    for key, item_doc in nested.items():
        if key not in props:
            continue
        items = props[key]["items"]
        items["properties"]["name"] = NAME
        if item_doc is not None:
            items["properties"] = {k: v for k, v in item_doc["properties"].items()
                                   if k not in ("created_at", "updated_at")}
        items.update(required=["name"], additionalProperties=False)
    return out


NAMESPACE_IN = _strict(NAMESPACE)
OBJECT_IN = _strict(OBJECT)
#: POST /v2/metadefs/namespaces/{namespace}/tags
TAGS_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"tags": {"type": "array", "items": {
        "type": "object", "properties": {"name": NAME}, "required": ["name"],
        "additionalProperties": False}}},
    "required": ["tags"],
    "additionalProperties": False,
}
