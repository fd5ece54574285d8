"""/v2.0/quotas: show, update, reset, defaults and details (limit, used, reserved) per
project, as Neutron's quotasv2 and quota_details extensions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.network import errors
from nubo.network.api import body
from nubo.network.api.schemas import admin as schemas
from nubo.network.api.wiring import api
from nubo.network.service import quotas
from nubo.network.service.ops import admin as ops


def _view(project_id: str, limits: dict[str, int]) -> dict[str, Any]:
    return {**limits, "project_id": project_id, "tenant_id": project_id}


async def list_(request: Request) -> Response:
    na, ctx = api(request), context(request)
    na.enforce(ctx, "update_quota")
    out = [_view(p, limits) for p, limits in await ops.all_quotas(na.db)]
    return json_response({"quotas": out})


async def show(request: Request) -> Response:
    na, ctx = api(request), context(request)
    pid = request.path_params["project_id"]
    na.enforce(ctx, "get_quota", {"project_id": pid})
    return json_response({"quota": await ops.quota(na.db, pid)})


async def defaults(request: Request) -> Response:
    na, ctx = api(request), context(request)
    na.enforce(ctx, "get_quota", {"project_id": request.path_params["project_id"]})
    return json_response({"quota": dict(quotas.DEFAULTS)})


async def details(request: Request) -> Response:
    na, ctx = api(request), context(request)
    pid = request.path_params["project_id"]
    na.enforce(ctx, "get_quota", {"project_id": pid})
    limits, used = await ops.quota_details(na.db, pid)
    return json_response({"quota": {r: {"limit": v, "used": used.get(r, 0), "reserved": 0}
                                    for r, v in limits.items()}})


async def update(request: Request) -> Response:
    na, ctx = api(request), context(request)
    pid = request.path_params["project_id"]
    a = await body.resource(request, schemas.QUOTA)
    a.pop("force", None)
    a.pop("check_limit", None)
    values: dict[str, int] = {}
    for k, v in a.items():
        if isinstance(v, str) and v.lstrip("-").isdigit():
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool) or v < -1 or v > 2**31 - 1:
            raise errors.bad_request(f"Invalid input for {k}. Reason: '{v}' is not a valid "
                                     "quota limit (an integer, -1 for unlimited).")
        values[k] = v
    na.enforce(ctx, "update_quota", {"project_id": pid})
    return json_response({"quota": await ops.set_quota(na.db, pid, values)})


async def delete(request: Request) -> Response:
    na, ctx = api(request), context(request)
    pid = request.path_params["project_id"]
    na.enforce(ctx, "delete_quota", {"project_id": pid})
    await ops.reset_quota(na.db, pid)
    return no_content()
