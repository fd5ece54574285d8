"""/os-keypairs: a user's key pairs (at 2.1 always the caller's own)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import keypairs_schemas as schemas
from nubo.compute import keypairs_views as views
from nubo.compute.api import api
from nubo.compute.validation import read_body
from nubo.core.http import context, json_response, no_content

KP = "os_compute_api:os-keypairs:"


async def list_(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, KP + "index", {"user_id": ctx.user_id})
    found = await a.keypairs.of_user(ctx.user_id or "")
    return json_response({"keypairs": [views.brief(k) for k in found]})


async def create(request: Request) -> Response:
    a, ctx = api(request), context(request)
    body = (await read_body(request, schemas.CREATE, a.max_body))["keypair"]
    a.enforce(ctx, KP + "create", {"user_id": ctx.user_id})
    k = await a.keypairs.create(ctx, ctx.user_id or "", body["name"].strip(),
                                body.get("public_key"))
    return json_response(views.created(k))


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, KP + "show", {"user_id": ctx.user_id})
    k = await a.keypairs.get(ctx.user_id or "", request.path_params["name"])
    return json_response(views.show(k))


async def delete(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, KP + "delete", {"user_id": ctx.user_id})
    await a.keypairs.delete(ctx.user_id or "", request.path_params["name"])
    return no_content(202)
