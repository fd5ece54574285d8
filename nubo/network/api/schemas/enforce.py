"""Enforcing the attribute schemas of a Neutron body with neutron-lib's messages.

A failed JSON Schema check becomes the words neutron-lib's validator for that attribute
type gives (`Invalid input for <attr>. Reason: ...`):

- type:string (`string()`): "'<v>' is not a valid string.", "'<v>' exceeds maximum length
  of <n>.";
- type:uuid and type:uuid_or_none (`UUID`, `UUID_OR_NULL`): "'<v>' is not a valid UUID.";
- convert_to_boolean (`BOOLEAN`): "'<v>' cannot be converted to boolean."

`check` takes the attributes to enforce by name, in the order the refusals must come
(Neutron reports the first bad attribute), so a handler replaces a run of hand checks by one
call at the same place. A schema with no translation here is a programming error (a
ValueError, caught by the tests), never a message invented on the fly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import jsonschema
from jsonschema import Draft4Validator

from nubo.network import errors
from nubo.network.api.schemas.types import BOOLEAN, Schema

#: `uuid` as neutron-lib's validate_uuid reads it (uuid.UUID of the value's text)
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("uuid")
def _uuid(instance: object) -> bool:
    if instance is None:
        return True     # the type decides whether null is allowed
    try:
        uuid.UUID(str(instance))
    except ValueError:
        return False
    return True


def attribute_schemas(schema: Schema) -> dict[str, Schema]:
    """The schema of each attribute of a `types.resource` or `types.bulk` schema."""
    one = schema["oneOf"][0] if "oneOf" in schema else schema
    key = one["required"][0]
    props: dict[str, Schema] = one["properties"][key]["properties"]
    return props


def reason(sub: Schema, value: Any, error: jsonschema.ValidationError) -> str:
    """neutron-lib's reason for `value` failing the attribute schema `sub`."""
    if sub.get("format") == "uuid":
        return f"'{value}' is not a valid UUID."
    if sub == BOOLEAN:
        return f"'{value}' cannot be converted to boolean."
    types = sub.get("type")
    if types == "string" or (isinstance(types, list) and "string" in types):
        if error.validator == "maxLength":
            return f"'{value}' exceeds maximum length of {error.validator_value}."
        if error.validator == "type":
            return f"'{value}' is not a valid string."
    raise ValueError(f"no Neutron message for {error.validator} of {sub}")


def check(attrs: dict[str, Any], schema: Schema, names: Iterable[str]) -> None:
    """A 400 in Neutron's words for the first of `names` (present in `attrs`) whose value
    fails its schema in `schema`."""
    subs = attribute_schemas(schema)
    for name in names:
        if name not in attrs:
            continue
        sub = subs[name]
        error = next(Draft4Validator(sub, format_checker=FORMATS).iter_errors(attrs[name]),
                     None)
        if error is not None:
            raise errors.bad_request(f"Invalid input for {name}. Reason: "
                                     f"{reason(sub, attrs[name], error)}")
