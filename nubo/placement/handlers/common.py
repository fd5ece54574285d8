"""What every placement handler starts with: the api object, the caller, the microversion."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from nubo.core.context import RequestContext
from nubo.core.errors import NuboError
from nubo.core.http import context, read_json, version
from nubo.core.microversion import APIVersion
from nubo.placement.api import PlacementApi, api
from nubo.placement.errors import UNDEFINED


def begin(request: Request, action: str) -> tuple[PlacementApi, RequestContext, APIVersion]:
    """Policy first, as Placement checks it before looking at anything else."""
    a, ctx = api(request), context(request)
    a.enforce(ctx, action, {"project_id": ctx.project_id})
    return a, ctx, version(request)


async def body(request: Request, schema: dict[str, Any]) -> Any:
    try:
        return await read_json(request, schema, api(request).max_body)
    except NuboError as exc:  # core's 400/413/415: Placement's generic code
        exc.code = UNDEFINED
        raise


def param(request: Request, name: str) -> str:
    value: str = request.path_params[name]
    return value
