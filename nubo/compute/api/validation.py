"""Request validation the way Nova words it: JSON Schema draft 4, numbers given as strings
checked against minimum/maximum, a `name` format, and Nova's messages ("Invalid input for
field/attribute ram. Value: 0. 0 is less than the minimum of 1")."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

import jsonschema
from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match

from nubo.compute import errors
from nubo.core.validation import uuid_like

NAME_REASON = "printable characters. Can not start or end with whitespace."


class InvalidName(ValueError):
    pass


def _printable(ch: str, spaces: bool = True) -> bool:
    if ord(ch) >= 0xFFFF:
        return False
    cat = unicodedata.category(ch)
    if cat.startswith("C") or (cat.startswith("Z") and cat != "Zs"):
        return False
    return spaces or cat != "Zs"


def valid_name(value: str) -> bool:
    """Printable characters, not starting or ending with whitespace (Nova's `name`)."""
    if not all(_printable(c) for c in value):
        return False
    return not value or (_printable(value[0], False) and _printable(value[-1], False))


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("uuid")(uuid_like)     # Nova's validators: oslo's is_uuid_like


@FORMATS.checks("name", InvalidName)
def _check_name(instance: object) -> bool:
    if isinstance(instance, str) and valid_name(instance):
        return True
    raise InvalidName(f"An invalid 'name' value was provided. The name must be: {NAME_REASON}")


def _number(instance: Any) -> float | int | None:
    if isinstance(instance, bool):
        return None
    for conv in (int, float):
        try:
            return conv(instance)  # type: ignore[no-any-return]
        except (TypeError, ValueError):
            continue
    return None


def _bound(name: str) -> Any:
    base = Draft4Validator.VALIDATORS[name]

    def check(validator: Any, bound: Any, instance: Any, schema: Any) -> Iterator[Any]:
        value = _number(instance)
        if value is None:
            return iter(())
        return base(validator, bound, value, schema) or iter(())  # type: ignore[no-any-return]
    return check


NovaValidator = jsonschema.validators.extend(
    Draft4Validator, {"minimum": _bound("minimum"), "maximum": _bound("maximum")})
_cache: dict[int, Any] = {}


def validate(schema: dict[str, Any], body: Any) -> None:
    """Raise a 400 with Nova's message for the first (most relevant) problem in `body`."""
    v = _cache.get(id(schema))
    if v is None:
        v = _cache[id(schema)] = NovaValidator(schema, format_checker=FORMATS)
    err = best_match(v.iter_errors(body))
    if err is None:
        return
    if isinstance(err.cause, InvalidName):
        raise errors.ValidationError(detail=str(err.cause))
    if err.path:
        raise errors.FieldValidationError(path=err.path[-1], value=_show(err.instance),
                                          message=err.message)
    raise errors.ValidationError(detail=err.message)


def _show(value: Any) -> str:
    return str(value)


def query_int(params: Any, name: str, minimum: int = 0) -> int | None:
    """An integer query parameter (the first if repeated), Nova's message when it is not."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise errors.QueryParamNotDigits(name=name, value=raw) from None
    if value < minimum:
        raise errors.QueryParamBelowMinimum(name=name, raw=raw, value=value, minimum=minimum)
    return value


async def read_body(request: Any, schema: dict[str, Any], max_size: int) -> Any:
    """The JSON body of `request`, validated against `schema` with Nova's messages."""
    from nubo.core.http import read_json

    body = await read_json(request, None, max_size)
    if body is None:
        raise errors.EmptyBody()
    validate(schema, body)
    return body
