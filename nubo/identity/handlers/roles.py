"""Roles, implied roles, grants and the role assignment report."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content
from nubo.identity import errors, schemas
from nubo.identity import models as m
from nubo.identity.assignments import SYSTEM, Actor, Target
from nubo.identity.handlers.common import api, body, flag


async def list_roles(request: Request) -> Response:
    a = api(request)
    q = request.query_params
    a.enforce(context(request), "identity:list_roles", {"target.domain_id": q.get("domain_id")})
    found = await a.identity.list_roles(q.get("name"), q.get("domain_id"))
    return json_response(a.views.collection("roles", [a.views.role(r) for r in found], "roles"))


async def create_role(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.ROLE_CREATE))["role"]
    a.enforce(context(request), "identity:create_role")
    return json_response({"role": a.views.role(await a.identity.create_role(data))}, 201)


async def get_role(request: Request) -> Response:
    a, rid = api(request), request.path_params["role_id"]
    a.enforce(context(request), "identity:get_role")
    return json_response({"role": a.views.role(await a.identity.get_role(rid))})


async def update_role(request: Request) -> Response:
    a, rid = api(request), request.path_params["role_id"]
    data = (await body(request, schemas.ROLE_UPDATE))["role"]
    a.enforce(context(request), "identity:update_role")
    return json_response({"role": a.views.role(await a.identity.update_role(rid, data))})


async def delete_role(request: Request) -> Response:
    a, rid = api(request), request.path_params["role_id"]
    a.enforce(context(request), "identity:delete_role")
    await a.identity.delete_role(rid)
    return no_content()

# ------------------------------------------------------------------------------ implied


async def create_implied(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:create_implied_role")
    prior, implied = await a.identity.create_implied_role(p["prior_role_id"],
                                                          p["implied_role_id"])
    return json_response(_inference(a, prior, implied), 201)


def _inference(a: Any, prior: m.Role, implied: m.Role) -> dict[str, Any]:
    return {"role_inference": {"prior_role": a.views.role_ref(prior),
                               "implies": a.views.role_ref(implied)},
            "links": a.views.link(f"roles/{prior.id}/implies/{implied.id}")}


async def get_implied(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:get_implied_role")
    prior, implied = await a.identity.get_implied_role(p["prior_role_id"], p["implied_role_id"])
    return json_response(_inference(a, prior, implied))


async def check_implied(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:get_implied_role")
    await a.identity.get_implied_role(p["prior_role_id"], p["implied_role_id"])
    return no_content()


async def delete_implied(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:delete_implied_role")
    await a.identity.delete_implied_role(p["prior_role_id"], p["implied_role_id"])
    return no_content()


async def list_implied(request: Request) -> Response:
    a, rid = api(request), request.path_params["prior_role_id"]
    a.enforce(context(request), "identity:list_implied_roles")
    prior = await a.identity.get_role(rid)
    implies = (await a.identity.implied_roles()).get(rid, [])
    roles = await a.identity.roles_by_id(implies)
    return json_response(a.views.implied(prior, [roles[i] for i in implies if i in roles]))


async def list_inference_rules(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:list_role_inference_rules")
    implies = await a.identity.implied_roles()
    roles = await a.identity.roles_by_id(set(implies) | {i for v in implies.values() for i in v})
    rules = [{"prior_role": a.views.role_ref(roles[p]),
              "implies": [a.views.role_ref(roles[i]) for i in imp]}
             for p, imp in implies.items()]
    return json_response({"role_inferences": rules, "links": a.views.link("role_inferences")})

# ------------------------------------------------------------------------------ grants


def _grant_args(request: Request) -> tuple[Actor, str, Target, str]:
    p = request.path_params
    actor: Actor = "user" if "user_id" in p else "group"
    actor_id = p.get("user_id") or p["group_id"]
    if "project_id" in p:
        return actor, actor_id, "project", p["project_id"]
    if "domain_id" in p:
        return actor, actor_id, "domain", p["domain_id"]
    return actor, actor_id, "system", SYSTEM


async def put_grant(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:create_grant")
    await a.assignments.grant(*_grant_args(request), request.path_params["role_id"])
    return no_content()


async def check_grant(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:check_grant")
    await a.assignments.check(*_grant_args(request), request.path_params["role_id"])
    return no_content()


async def delete_grant(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:revoke_grant")
    await a.assignments.revoke(*_grant_args(request), request.path_params["role_id"])
    return no_content()


async def list_grants(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:list_grants")
    roles = await a.assignments.roles_of(*_grant_args(request))
    path = request.url.path.split("/v3/", 1)[-1]
    return json_response(a.views.collection("roles", [a.views.role(r) for r in roles], path))

# ------------------------------------------------------------------------------ report


async def role_assignments(request: Request) -> Response:
    a, q = api(request), request.query_params
    effective = flag(request, "effective")
    if effective and q.get("group.id"):
        raise errors.EffectiveWithGroup()
    if q.get("scope.system") not in (None, "all"):
        raise errors.InvalidSystemScopeQuery()
    a.enforce(context(request), "identity:list_role_assignments",
              {"target.domain_id": q.get("scope.domain.id")})
    grants = await a.assignments.grants(
        user_id=q.get("user.id"), group_id=q.get("group.id"),
        project_id=q.get("scope.project.id"), domain_id=q.get("scope.domain.id"),
        system="scope.system" in q, role_id=q.get("role.id"), effective=effective)
    names = await _names(a, grants) if flag(request, "include_names") else None
    items = [a.views.assignment(g, names) for g in grants]
    return json_response(a.views.collection("role_assignments", items, "role_assignments"))


async def _names(a: Any, grants: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    domains = {d.id: d.name for d in await a.identity.list_domains()}

    def dom(did: str | None) -> dict[str, Any]:
        return {"domain": {"id": did, "name": domains.get(did or "")}}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    roles = await a.identity.roles_by_id(g.role_id for g in grants)
    for rid, r in roles.items():
        out["role", rid] = {"name": r.name} | (
            {} if r.domain_id == m.NULL_DOMAIN else dom(r.domain_id))
    for g in grants:
        key = (g.actor_kind, g.actor_id)
        if key not in out:
            obj = await (a.identity.get_user(g.actor_id) if g.actor_kind == "user"
                         else a.identity.get_group(g.actor_id))
            out[key] = {"name": obj.name} | dom(obj.domain_id)
        tkey = (g.target_kind, g.target_id)
        if g.target_kind == "project" and tkey not in out:
            p = await a.identity.get_project(g.target_id)
            out[tkey] = {"name": p.name} | dom(p.domain_id)
        elif g.target_kind == "domain" and tkey not in out:
            out[tkey] = {"name": domains.get(g.target_id)}
    return out
