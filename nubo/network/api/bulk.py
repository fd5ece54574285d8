"""Neutron's bulk create: `{"networks": [{...}, ...]}` creates them all in one transaction
(all or nothing) and answers with the plural key; `{"network": {...}}` creates one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from nubo.core.http import read_json
from nubo.network import errors


def _one(attrs: Any, key: str, allowed: Iterable[str], required: Iterable[str]
         ) -> dict[str, Any]:
    if not isinstance(attrs, dict):
        raise errors.bad_request(f"Unable to find '{key}' in request body")
    unknown = sorted(set(attrs) - set(allowed))
    if unknown:
        raise errors.bad_request(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    for name in required:
        if name not in attrs:
            raise errors.bad_request(f"Failed to parse request. Required attribute '{name}' "
                                     "not specified")
    return attrs


async def resources(request: Request, key: str, allowed: Iterable[str],
                    required: Iterable[str] = ()) -> tuple[list[dict[str, Any]], bool]:
    """The attribute dicts of the body and whether it was the bulk (plural) form."""
    body = await read_json(request)
    plural = key + "s"
    allowed, required = list(allowed), list(required)
    if isinstance(body, dict) and isinstance(body.get(plural), list) and key not in body:
        if not body[plural]:
            raise errors.bad_request("Resources required")
        return [_one(a, key, allowed, required) for a in body[plural]], True
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise errors.bad_request("Resource body required" if body is None else
                                 f"Unable to find '{key}' in request body")
    return [_one(body[key], key, allowed, required)], False
