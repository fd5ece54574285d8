"""Neutron's attribute converters and validators (type:string, convert_to_boolean, type:uuid)
applied in place to a body's attributes, with Neutron's messages."""

from __future__ import annotations

from typing import Any

from nubo.network import errors


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
        # neutron-lib's is_uuid_like: only text can be a UUID (a 32-digit number is not)
        if not isinstance(attrs[name], str):
            raise ValueError
        uuid.UUID(attrs[name])
    except ValueError:
        raise errors.bad_request(f"Invalid input for {name}. Reason: '{attrs[name]}' is not "
                                 "a valid UUID.") from None
