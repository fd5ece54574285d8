"""/v3/users/{user_id}/application_credentials and /v3/users/{user_id}/access_rules"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.identity import schemas
from nubo.identity.handlers.common import api, body, qfilters


def _target(request: Request) -> dict[str, str]:
    return {"target.user.id": request.path_params["user_id"]}


async def create(request: Request) -> Response:
    a, ctx = api(request), context(request)
    data = (await body(request, schemas.APP_CRED_CREATE))["application_credential"]
    a.enforce(ctx, "identity:create_application_credential", _target(request))
    token = await a.auth.validate(ctx.auth_token or "")
    cred, secret, rules = await a.appcreds.create(request.path_params["user_id"], data, token)
    return json_response({"application_credential": a.views.app_cred(cred, rules, secret)},
                         201)


async def list_(request: Request) -> Response:
    a, uid = api(request), request.path_params["user_id"]
    a.enforce(context(request), "identity:list_application_credentials", _target(request))
    found = await a.appcreds.list(uid, request.query_params.get("name"))
    return json_response(a.views.collection(
        "application_credentials", [a.views.app_cred(c, rules) for c, rules in found],
        f"users/{uid}/application_credentials"))


async def get(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:get_application_credential", _target(request))
    cred, rules = await a.appcreds.get(p["user_id"], p["cred_id"])
    return json_response({"application_credential": a.views.app_cred(cred, rules)})


async def delete(request: Request) -> Response:
    a, ctx, p = api(request), context(request), request.path_params
    a.enforce(ctx, "identity:delete_application_credential", _target(request))
    token = await a.auth.validate(ctx.auth_token or "")
    await a.appcreds.delete(p["user_id"], p["cred_id"], token)
    return no_content()


async def list_access_rules(request: Request) -> Response:
    a, uid = api(request), request.path_params["user_id"]
    a.enforce(context(request), "identity:list_access_rules", _target(request))
    found = await a.access_rules.list(uid, qfilters(request, "service", "path", "method"))
    return json_response(a.views.collection(
        "access_rules", [a.views.access_rule(r) for r in found], f"users/{uid}/access_rules"))


async def get_access_rule(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:get_access_rule", _target(request))
    rule = await a.access_rules.get(p["user_id"], p["access_rule_id"])
    return json_response({"access_rule": a.views.access_rule(rule)})


async def delete_access_rule(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:delete_access_rule", _target(request))
    await a.access_rules.delete(p["user_id"], p["access_rule_id"])
    return no_content()
