"""/v3/policies (stored documents; the policy Nubo enforces is in nubo.identity.policies)"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.identity import schemas
from nubo.identity.handlers.common import api, body


async def list_(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:list_policies")
    found = await a.policy_blobs.list_(request.query_params.get("type"))
    return json_response(a.views.collection("policies", [a.views.policy(p) for p in found],
                                            "policies"))


async def create(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.POLICY_CREATE))["policy"]
    a.enforce(context(request), "identity:create_policy")
    return json_response({"policy": a.views.policy(await a.policy_blobs.create(data))}, 201)


async def get(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:get_policy")
    p = await a.policy_blobs.get(request.path_params["policy_id"])
    return json_response({"policy": a.views.policy(p)})


async def update(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.POLICY_UPDATE))["policy"]
    a.enforce(context(request), "identity:update_policy")
    p = await a.policy_blobs.update(request.path_params["policy_id"], data)
    return json_response({"policy": a.views.policy(p)})


async def delete(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:delete_policy")
    await a.policy_blobs.delete(request.path_params["policy_id"])
    return no_content()
