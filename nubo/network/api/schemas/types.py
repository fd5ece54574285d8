"""Building blocks: Neutron's attribute validators (neutron-lib `type:*`) as JSON Schema, and
the shapes of a resource body, one or in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Schema = dict[str, Any]


def string(max_len: int = 255, nullable: bool = False) -> Schema:
    """type:string (type:string_or_none when nullable)."""
    return {"type": ["string", "null"] if nullable else "string", "maxLength": max_len}


#: convert_to_boolean: true/false, "true"/"false" in any case, "1"/"0", 1/0
BOOLEAN: Schema = {"anyOf": [
    {"type": "boolean"},
    {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[01])$"},
    {"type": "integer", "enum": [0, 1]}]}
UUID: Schema = {"type": "string", "format": "uuid"}
UUID_OR_NULL: Schema = {"type": ["string", "null"], "format": "uuid"}
IP_ADDRESS: Schema = {"type": "string", "maxLength": 64}
IP_ADDRESS_OR_NULL: Schema = {"type": ["string", "null"], "maxLength": 64}
CIDR: Schema = {"type": "string", "maxLength": 64}
NAME = string()
DESCRIPTION = string()
PROJECT_ID = string()
#: type:list_of_tags: non-empty strings without "," or "/" (255 characters at most)
TAGS: Schema = {"type": ["array", "null"], "items": {"type": "string", "minLength": 1,
                                                    "maxLength": 255}}
AZ_HINTS: Schema = {"type": "array", "items": {"type": "string", "maxLength": 255}}
PREFIXLEN: Schema = {"type": ["integer", "string", "null"]}
VALUE: Schema = {}   # anything; the service checks it and words the refusal as Neutron does


def attributes(props: Mapping[str, Schema], required: Iterable[str] = ()) -> Schema:
    """The attributes object of one resource: exactly `props`, `required` among them."""
    out: Schema = {"type": "object", "properties": dict(props), "additionalProperties": False}
    req = list(required)
    if req:
        out["required"] = req
    return out


def resource(key: str, attrs: Schema) -> Schema:
    """`{"<key>": {attributes}}`."""
    return {"type": "object", "required": [key], "properties": {key: attrs}}


def bulk(key: str, attrs: Schema) -> Schema:
    """Neutron's create: one (`{"port": {...}}`) or in bulk (`{"ports": [{...}, ...]}`)."""
    return {"oneOf": [resource(key, attrs),
                      {"type": "object", "required": [key + "s"], "properties": {
                          key + "s": {"type": "array", "minItems": 1, "items": attrs}}}]}


def only(attrs: Schema, names: Iterable[str]) -> Schema:
    """`attrs` restricted to `names` (an update takes fewer attributes than the create)."""
    props = attrs["properties"]
    return attributes({n: props.get(n, VALUE) for n in names})


def parts(schema: Schema) -> tuple[str, list[str], list[str]]:
    """The resource key, the accepted and the required attributes of a `resource` or `bulk`
    schema."""
    one = schema["oneOf"][0] if "oneOf" in schema else schema
    key: str = one["required"][0]
    attrs = one["properties"][key]
    return key, list(attrs["properties"]), list(attrs.get("required", ()))
