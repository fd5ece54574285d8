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
