"""What every orchestration handler starts with."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from nubo.core.context import RequestContext
from nubo.core.http import context, read_json
from nubo.orchestration.api.wiring import OrchestrationApi, api
from nubo.orchestration.errors import HTTPBadRequest, stack_not_found
from nubo.orchestration.models import Stack


def begin(request: Request, action: str) -> tuple[OrchestrationApi, RequestContext]:
    """The URL's project is the token's (Heat's check), then the policy."""
    a, ctx = api(request), context(request)
    tenant = request.path_params.get("tenant_id")
    if tenant is not None and tenant != ctx.project_id and not ctx.is_admin:
        raise stack_not_found(request.path_params.get("stack_name", tenant))
    a.enforce(ctx, action, {"project_id": tenant or ctx.project_id})
    return a, ctx


def scope(a: OrchestrationApi, ctx: RequestContext, request: Request) -> str | None:
    """The project whose stacks the URL reaches."""
    return str(request.path_params.get("tenant_id") or ctx.project_id)


async def body(request: Request) -> dict[str, Any]:
    doc = await read_json(request, None, api(request).max_body)
    if not isinstance(doc, dict):
        raise HTTPBadRequest(msg="The request body must be a JSON object.")
    return doc


async def stack_of(request: Request, a: OrchestrationApi, ctx: RequestContext) -> Stack:
    """The stack the URL names by /{stack_name}/{stack_id}; both must agree."""
    p = request.path_params
    stack = await a.store.find(scope(a, ctx, request), p["stack_id"], deleted=True)
    if stack.name != p["stack_name"] and stack.id != p["stack_name"]:
        raise stack_not_found(p["stack_name"])
    return stack


def admin(a: OrchestrationApi, ctx: RequestContext) -> bool:
    return a.allowed(ctx, "context_is_admin")


def qbool(v: str | None, name: str, default: bool = False) -> bool:
    if v is None:
        return default
    low = v.lower()
    if low in ("true", "1", "yes", "on", "t", "y"):
        return True
    if low in ("false", "0", "no", "off", "f", "n"):
        return False
    raise HTTPBadRequest(msg=f'Unrecognized value "{v}" for "{name}", acceptable values '
                             "are: true, false")
