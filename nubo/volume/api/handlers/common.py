"""What every block storage handler starts with, and the query-string helpers they share."""

from __future__ import annotations

import ast
import json
from typing import Any

from starlette.requests import Request

from nubo.core.context import RequestContext
from nubo.core.http import context, read_json, version
from nubo.core.microversion import APIVersion
from nubo.volume import errors
from nubo.volume.api.wiring import VolumeApi, api


def begin(request: Request, action: str,
          target_project: str | None = None) -> tuple[VolumeApi, RequestContext, APIVersion]:
    """Policy first, on the caller's own project unless a target is named."""
    a, ctx = api(request), context(request)
    a.enforce(ctx, action, {"project_id": target_project or ctx.project_id})
    return a, ctx, version(request)


def is_admin(a: VolumeApi, ctx: RequestContext) -> bool:
    return a.allowed(ctx, "context_is_admin")


def scope(a: VolumeApi, ctx: RequestContext) -> str | None:
    """The project whose resources the caller may reach by id: None (all) for an admin."""
    return None if is_admin(a, ctx) else ctx.project_id


def own_project(ctx: RequestContext) -> str:
    if not ctx.project_id:
        raise errors.InvalidInput(reason="A project-scoped token is required to create resources.")
    return ctx.project_id


async def body(request: Request, schema: dict[str, Any]) -> Any:
    return await read_json(request, schema, api(request).max_body)


def param(request: Request, name: str) -> str:
    value: str = request.path_params[name]
    return value


def query(request: Request) -> dict[str, str]:
    return dict(request.query_params)


def flag(value: str | None, name: str) -> bool:
    if value is None:
        return False
    low = value.lower()
    if low in ("true", "1", "yes", "on", "y", "t"):
        return True
    if low in ("false", "0", "no", "off", "n", "f"):
        return False
    raise errors.InvalidInput(reason=f"Invalid value '{value}' for {name}: it must be a boolean.")


def metadata_filter(raw: str | None) -> dict[str, str]:
    """`?metadata={"k": "v"}` (Cinder takes a JSON or Python-literal dict)."""
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = None
    if not isinstance(value, dict):
        raise errors.InvalidInput(
            reason=f"Invalid metadata filter: {raw}; a JSON object is expected.")
    return {str(k): str(v) for k, v in value.items()}


def size(value: Any, name: str = "size") -> int:
    n = int(value)
    if n < 1:
        raise errors.InvalidInput(reason=f"{name} must be an integer and greater than 0")
    return n


def all_tenants(a: VolumeApi, ctx: RequestContext, q: dict[str, str]) -> bool:
    """An admin's `all_tenants` (ignored for others, as Cinder does)."""
    return "all_tenants" in q and flag(q["all_tenants"] or "true", "all_tenants") and \
        is_admin(a, ctx)
