"""POST /stacks/{name}/{id}/resources/{name}/signal: a wait condition handle's signal,
authorised by the handle's own token (X-Auth-Token or ?token=), not a Keystone token: what
a server's curl_cli sends without any stack-domain user."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import read_json
from nubo.orchestration.api.wiring import api
from nubo.orchestration.errors import (
    EntityNotFound,
    HTTPBadRequest,
    SignalRefused,
    stack_not_found,
)


async def signal(request: Request) -> Response:
    a = api(request)
    p = request.path_params
    stack = await a.store.get(p["stack_id"])
    if stack is None or stack.project_id != p["tenant_id"] or \
            p["stack_name"] not in (stack.name, stack.id) or stack.deleted_at is not None:
        raise stack_not_found(p["stack_name"])
    name = p["resource_name"]
    row = next((r for r in await a.store.resources(stack.id) if r.name == name), None)
    if row is None:
        raise EntityNotFound(entity="Resource", name=name)
    if row.type != "OS::Heat::WaitConditionHandle":
        raise SignalRefused(name=name, why="only wait condition handles are signalled "
                                            "here")
    given = request.headers.get("x-auth-token") or request.query_params.get("token") or ""
    token = str((row.data or {}).get("token") or "")
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        raise SignalRefused(name=name, why="the token is not this handle's")
    doc: Any = await read_json(request, None, 65536)
    doc = {} if doc is None else doc
    if not isinstance(doc, dict):
        raise HTTPBadRequest(msg="The signal must be a JSON object.")
    status = doc.get("status", "SUCCESS")
    if status not in ("SUCCESS", "FAILURE"):
        raise HTTPBadRequest(msg=f'Unknown status "{status}": SUCCESS or FAILURE')
    sid = doc.get("id")
    await a.store.add_signal(row.id, None if sid is None else str(sid), {
        "status": status, "reason": str(doc.get("reason") or "Signal " + status.lower()),
        "data": doc.get("data")})
    return Response(status_code=200)
