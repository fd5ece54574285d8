"""JSON Schema (draft 4, as Nova and Keystone use) validation with messages a person can act on."""

from __future__ import annotations

from typing import Any

import jsonschema
from jsonschema import Draft4Validator
from oslo_utils import uuidutils

from nubo.core.errors import ValidationError

_validators: dict[int, Draft4Validator] = {}
#: jsonschema's formats, with `uuid` as Nova's and Placement's validators register it:
#: oslo's is_uuid_like (dashes optional, any case, braces and urn:uuid: allowed)
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uuid")
def uuid_like(instance: object) -> bool:
    return not isinstance(instance, str) or uuidutils.is_uuid_like(instance)

#: What a signed 64-bit column holds: every integer column of every database we run on, and
#: what SQLite can bind at all (a larger Python int is an OverflowError, not a row).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: How deep a request body may nest. orjson writes at most 254 levels back, and a stored
#: document is rendered inside a few levels of its own (`{"ports": [{"binding:profile": ...}]}`),
#: so a deeper one would be accepted once and then break every read that shows it.
MAX_JSON_DEPTH = 100


def as_int(raw: str, lo: int = INT64_MIN, hi: int = INT64_MAX) -> int | None:
    """`raw` as an integer in [lo, hi]; None when it is not one (each service words its own
    400 from that)."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if lo <= value <= hi else None


def check_json(body: Any) -> None:
    """A 400 for a parsed request body nested deeper than MAX_JSON_DEPTH or holding an
    integer no database column can store (orjson reads up to 2**64 - 1 as an int)."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            if (type(value) is int and not INT64_MIN <= value <= INT64_MAX):
                raise ValidationError(f"Invalid input: the integer {value} is out of range "
                                      f"({INT64_MIN} to {INT64_MAX}).")
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValidationError(f"Invalid input: the JSON document nests deeper than "
                                  f"{MAX_JSON_DEPTH} levels.")
        stack.extend((child, depth + 1) for child in children)


def _validator(schema: dict[str, Any]) -> Draft4Validator:
    key = id(schema)
    v = _validators.get(key)
    if v is None:
        Draft4Validator.check_schema(schema)
        v = Draft4Validator(schema, format_checker=FORMATS)
        _validators[key] = v
    return v


def _describe(err: jsonschema.ValidationError) -> str:
    path = "/".join(str(p) for p in err.absolute_path)
    if err.validator == "required" and isinstance(err.validator_value, list):
        where = f" in '{path}'" if path else ""
        return f"{err.message}{where}"
    if path:
        return f"Invalid input for field '{path}': {err.message}"
    return f"Invalid input: {err.message}"


def validate(schema: dict[str, Any], body: Any) -> None:
    """Raise a 400 ValidationError naming the first (most relevant) problem."""
    errors = sorted(_validator(schema).iter_errors(body),
                    key=lambda e: (len(list(e.absolute_path)), str(e.message)))
    if errors:
        # jsonschema's best_match prefers the deepest, most specific error.
        best = jsonschema.exceptions.best_match(errors) or errors[0]
        raise ValidationError(_describe(best))
