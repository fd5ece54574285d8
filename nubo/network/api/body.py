"""Reading a Neutron request body for one resource (`{"router": {...}}`), with Neutron's
messages for a missing resource key, unknown or read-only attributes and bad values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from nubo.core.http import read_json
from nubo.network import errors


async def resource(request: Request, key: str, allowed: Iterable[str],
                   required: Iterable[str] = ()) -> dict[str, Any]:
    """The attributes of `key` in the body: 400 for a body without it, for attributes the
    operation does not take, and for a missing required one."""
    body = await read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise errors.bad_request("Resource body required" if body is None else
                                 f"Unable to find '{key}' in request body")
    attrs: dict[str, Any] = body[key]
    unknown = sorted(set(attrs) - set(allowed))
    if unknown:
        raise errors.bad_request(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    for name in required:
        if name not in attrs:
            raise errors.bad_request(f"Failed to parse request. Required attribute '{name}' "
                                     "not specified")
    return attrs


def string(attrs: dict[str, Any], name: str, max_len: int = 255,
           nullable: bool = False) -> None:
    """Neutron's type:string check (in place; absent attributes are left alone)."""
    if name not in attrs:
        return
    v = attrs[name]
    if v is None and nullable:
        return
    if not isinstance(v, str):
        raise errors.bad_request(f"Invalid input for {name}. Reason: '{v}' is not a valid "
                                 "string.")
    if len(v) > max_len:
        raise errors.bad_request(f"Invalid input for {name}. Reason: '{v}' exceeds maximum "
                                 f"length of {max_len}.")


def boolean(attrs: dict[str, Any], name: str) -> None:
    """Neutron's convert_to_boolean: true/false, "true"/"false" in any case, 0/1."""
    if name not in attrs:
        return
    v = attrs[name]
    if isinstance(v, bool):
        return
    if isinstance(v, str) and v.lower() in ("true", "false", "1", "0"):
        attrs[name] = v.lower() in ("true", "1")
        return
    if isinstance(v, int) and v in (0, 1):
        attrs[name] = bool(v)
        return
    raise errors.bad_request(f"Invalid input for {name}. Reason: '{v}' cannot be converted "
                             "to boolean.")


def uuid(attrs: dict[str, Any], name: str) -> None:
    """Neutron's type:uuid (in place; absent attributes are left alone): null is refused."""
    if name in attrs and attrs[name] is None:
        raise errors.bad_request(f"Invalid input for {name}. Reason: 'None' is not a valid "
                                 "UUID.")
    uuid_or_none(attrs, name)


def uuid_or_none(attrs: dict[str, Any], name: str) -> None:
    import uuid

    if name not in attrs or attrs[name] is None:
        return
    try:
        uuid.UUID(str(attrs[name]))
    except ValueError:
        raise errors.bad_request(f"Invalid input for {name}. Reason: '{attrs[name]}' is not "
                                 "a valid UUID.") from None
