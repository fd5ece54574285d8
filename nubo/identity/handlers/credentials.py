"""/v3/credentials"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content
from nubo.identity import schemas
from nubo.identity.credentials import Caller
from nubo.identity.handlers.common import api, body, qfilters


def _caller(ctx: RequestContext) -> Caller:
    return Caller(app_cred_id=ctx.application_credential_id,
                  app_cred_unrestricted=ctx.application_credential_unrestricted,
                  project_id=ctx.project_id)


def _target(user_id: str | None) -> dict[str, str | None]:
    return {"target.credential.user_id": user_id}


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    # As Keystone: anyone may ask, and sees what get_credential lets them read (their own).
    a.enforce(ctx, "identity:list_credentials", None if ctx.system_scope else
              _target(ctx.user_id))
    found = await a.credentials.list_(_caller(ctx), **qfilters(request, "user_id", "type"))
    readable = [c for c in found
                if a.policy.allowed(ctx, "identity:get_credential", _target(c.user_id))]
    return json_response(a.views.collection(
        "credentials", [a.views.credential(c, a.credentials.blob(c)) for c in readable],
        "credentials"))


async def create(request: Request) -> Response:
    a, ctx = api(request), context(request)
    data = (await body(request, schemas.CREDENTIAL_CREATE))["credential"]
    a.enforce(ctx, "identity:create_credential", _target(data["user_id"]))
    cred, blob = await a.credentials.create(data, _caller(ctx))
    return json_response({"credential": a.views.credential(cred, blob)}, 201)


async def get(request: Request) -> Response:
    a, ctx = api(request), context(request)
    cred = await a.credentials.get(request.path_params["credential_id"], _caller(ctx))
    a.enforce(ctx, "identity:get_credential", _target(cred.user_id))
    return json_response({"credential": a.views.credential(cred, a.credentials.blob(cred))})


async def update(request: Request) -> Response:
    a, ctx, cid = api(request), context(request), request.path_params["credential_id"]
    data = (await body(request, schemas.CREDENTIAL_UPDATE))["credential"]
    current = await a.credentials.get(cid, _caller(ctx))
    a.enforce(ctx, "identity:update_credential", _target(current.user_id))
    if "user_id" in data:   # giving it away needs the right on the new owner too
        a.enforce(ctx, "identity:update_credential", _target(data["user_id"]))
    cred, blob = await a.credentials.update(cid, data, _caller(ctx))
    return json_response({"credential": a.views.credential(cred, blob)})


async def delete(request: Request) -> Response:
    a, ctx, cid = api(request), context(request), request.path_params["credential_id"]
    cred = await a.credentials.get(cid, _caller(ctx))
    a.enforce(ctx, "identity:delete_credential", _target(cred.user_id))
    await a.credentials.delete(cid, _caller(ctx))
    return no_content()
