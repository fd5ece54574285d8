"""Reading a Neutron request body for one resource (`{"router": {...}}`), with Neutron's
messages for a missing resource key, unknown or read-only attributes and bad values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from nubo.core.http import read_json
from nubo.network import errors
from nubo.network.api.schemas.types import Schema, parts
from nubo.network.service.checks import boolean, string, uuid, uuid_or_none

__all__ = ["boolean", "check_attributes", "document", "resource", "string", "uuid",
           "uuid_or_none"]


async def resource(request: Request, schema: Schema) -> dict[str, Any]:
    """The attributes of the resource `schema` (schemas.types.resource) describes: 400 for a
    body without its key, for attributes the operation does not take, and for a missing
    required one, in Neutron's words."""
    key, allowed, required = parts(schema)
    body = await read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise errors.bad_request("Resource body required" if body is None else
                                 f"Unable to find '{key}' in request body")
    attrs: dict[str, Any] = body[key]
    check_attributes(attrs, allowed, required)
    return attrs


def check_attributes(attrs: dict[str, Any], allowed: Iterable[str],
                     required: Iterable[str]) -> None:
    """Neutron's "Unrecognized attribute(s)" and "Required attribute ... not specified"."""
    unknown = sorted(set(attrs) - set(allowed))
    if unknown:
        raise errors.bad_request(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    for name in required:
        if name not in attrs:
            raise errors.bad_request(f"Failed to parse request. Required attribute '{name}' "
                                     "not specified")


async def document(request: Request, schema: Schema) -> Any:
    """A body whose checks the service words itself (Neutron's add_router_interface,
    add_prefixes): read as JSON; `schema` documents it."""
    del schema
    return await read_json(request)
