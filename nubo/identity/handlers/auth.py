"""/v3/auth: tokens, and what the token's user may scope to."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.identity import errors, schemas
from nubo.identity.auth import TokenInfo, iso_ts
from nubo.identity.handlers.common import api, body, flag


def render_token(info: TokenInfo, catalog: list | None) -> dict:
    p = info.payload
    tok: dict = {
        "methods": list(p.methods), "user": info.user, "audit_ids": list(p.audit_ids),
        "expires_at": info.expires_at, "issued_at": iso_ts(p.issued_at),
    }
    if info.project:
        tok["project"] = info.project
        tok["is_domain"] = False
    elif info.domain:
        tok["domain"] = info.domain
    elif info.system:
        tok["system"] = {"all": True}
    if p.scope is not None:
        tok["roles"] = info.roles
        if catalog is not None:
            tok["catalog"] = catalog
    if info.app_cred:
        tok["application_credential"] = info.app_cred
    return {"token": tok}


async def issue(request: Request) -> Response:
    a = api(request)
    data = await body(request, schemas.AUTH)
    info = await a.auth.authenticate(data["auth"])
    catalog = None if flag(request, "nocatalog") else await a.auth.get_catalog(
        info.project["id"] if info.project else None)
    return json_response(render_token(info, catalog), 201, {"X-Subject-Token": info.token})


async def _subject(request: Request, action: str) -> TokenInfo:
    a, ctx = api(request), context(request)
    subject = request.headers.get("x-subject-token")
    if not subject:
        raise errors.TokenInvalid(reason="no X-Subject-Token header")
    allow_expired = flag(request, "allow_expired") and ctx.is_admin
    info = await a.auth.validate(subject, allow_expired=allow_expired)
    a.enforce(ctx, action, {"target.token.user_id": info.payload.user_id})
    return info


async def validate(request: Request) -> Response:
    info = await _subject(request, "identity:validate_token")
    a = api(request)
    catalog = None if flag(request, "nocatalog") else await a.auth.get_catalog(
        info.project["id"] if info.project else None)
    return json_response(render_token(info, catalog), 200, {"X-Subject-Token": info.token})


async def check(request: Request) -> Response:
    await _subject(request, "identity:check_token")
    return no_content(200)


async def revoke(request: Request) -> Response:
    info = await _subject(request, "identity:revoke_token")
    await api(request).auth.revoke(info)
    return no_content()


async def catalog(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "identity:get_auth_catalog")
    if ctx.project_id is None and ctx.domain_id is None and ctx.system_scope is None:
        raise errors.UnscopedCatalog()
    return json_response({"catalog": await a.auth.get_catalog(ctx.project_id),
                          "links": {"self": f"{a.views.base}/auth/catalog", "previous": None,
                                    "next": None}})


async def projects(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "identity:get_auth_projects")
    found = [p for p in await a.assignments.projects_of_user(ctx.user_id or "") if p.enabled]
    tags = await a.identity.project_tags([p.id for p in found])
    return json_response(a.views.collection(
        "projects", [a.views.project(p, tags[p.id]) for p in found], "auth/projects"))


async def domains(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "identity:get_auth_domains")
    found = [d for d in await a.assignments.domains_of_user(ctx.user_id or "") if d.enabled]
    return json_response(a.views.collection(
        "domains", [a.views.domain(d) for d in found], "auth/domains"))


async def system(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, "identity:get_auth_system")
    grants = await a.assignments.grants(user_id=ctx.user_id, system=True, effective=True)
    return json_response({"system": [{"all": True}] if grants else [],
                          "links": {"self": f"{a.views.base}/auth/system"}})
