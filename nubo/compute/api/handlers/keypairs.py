"""/os-keypairs: a user's key pairs (the caller's own; from 2.10 an admin may name another
user with `user_id`; from 2.35 the list pages with limit and marker)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute.api.schemas import keypairs as schemas
from nubo.compute.api.validation import query_int, read_body
from nubo.compute.api.views import keypairs as views
from nubo.compute.api.wiring import api
from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content, version
from nubo.core.microversion import APIVersion

KP = "os_compute_api:os-keypairs:"


def _user(request: Request, ctx: RequestContext, given: str | None = None) -> str:
    """Whose key pairs: the caller's, or (2.10) the `user_id` named; the policy decides
    whether the caller may (admins only by default)."""
    if version(request) >= APIVersion(2, 10):
        given = given or request.query_params.get("user_id")
        if given:
            return given
    return ctx.user_id or ""


async def list_(request: Request) -> Response:
    a, ctx, ver = api(request), context(request), version(request)
    user = _user(request, ctx)
    a.enforce(ctx, KP + "index", {"user_id": user})
    limit = marker = None
    if ver >= APIVersion(2, 35):
        limit = query_int(request.query_params, "limit")
        marker = request.query_params.get("marker")
    found = await a.keypairs.of_user(user, limit, marker)
    return json_response(views.collection(found, ver, a.base_url,
                                          dict(request.query_params), limit))


async def create(request: Request) -> Response:
    a, ctx, ver = api(request), context(request), version(request)
    body = (await read_body(request, schemas.create_schema(ver), a.max_body))["keypair"]
    user = _user(request, ctx, body.get("user_id"))
    a.enforce(ctx, KP + "create", {"user_id": user})
    k = await a.keypairs.create(ctx, user, body["name"].strip(), body.get("public_key"),
                                body.get("type", "ssh"))
    # 2.2 answers a create with 201 (it was 200 at 2.1)
    return json_response(views.created(k, ver), 201 if ver >= APIVersion(2, 2) else 200)


async def show(request: Request) -> Response:
    a, ctx = api(request), context(request)
    user = _user(request, ctx)
    a.enforce(ctx, KP + "show", {"user_id": user})
    k = await a.keypairs.get(user, request.path_params["name"])
    return json_response(views.show(k, version(request)))


async def delete(request: Request) -> Response:
    a, ctx, ver = api(request), context(request), version(request)
    user = _user(request, ctx)
    a.enforce(ctx, KP + "delete", {"user_id": user})
    await a.keypairs.delete(user, request.path_params["name"])
    # 2.2 answers a delete with 204 (it was 202 at 2.1)
    return no_content(204 if ver >= APIVersion(2, 2) else 202)
