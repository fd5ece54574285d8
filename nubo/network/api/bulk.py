"""Neutron's bulk create: `{"networks": [{...}, ...]}` creates them all in one transaction
(all or nothing) and answers with the plural key; `{"network": {...}}` creates one."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from nubo.core.http import read_json
from nubo.network import errors
from nubo.network.api import body
from nubo.network.api.schemas.types import Schema, parts


def _one(attrs: Any, key: str, allowed: list[str], required: list[str]) -> dict[str, Any]:
    if not isinstance(attrs, dict):
        raise errors.bad_request(f"Unable to find '{key}' in request body")
    body.check_attributes(attrs, allowed, required)
    return attrs


async def resources(request: Request, schema: Schema) -> tuple[list[dict[str, Any]], bool]:
    """The attribute dicts of the body `schema` (schemas.types.bulk) describes and whether it
    was the bulk (plural) form."""
    key, allowed, required = parts(schema)
    raw = await read_json(request)
    plural = key + "s"
    if isinstance(raw, dict) and isinstance(raw.get(plural), list) and key not in raw:
        if not raw[plural]:
            raise errors.bad_request("Resources required")
        return [_one(a, key, allowed, required) for a in raw[plural]], True
    if not isinstance(raw, dict) or not isinstance(raw.get(key), dict):
        raise errors.bad_request("Resource body required" if raw is None else
                                 f"Unable to find '{key}' in request body")
    return [_one(raw[key], key, allowed, required)], False
