"""Domains, projects (and their tags), users, groups."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import context, json_response, no_content, read_json
from nubo.identity import errors, schemas
from nubo.identity import models as m
from nubo.identity.handlers.common import api, body, qbool, qfilters

# ------------------------------------------------------------------------------ domains


async def list_domains(request: Request) -> Response:
    a = api(request)
    a.enforce(context(request), "identity:list_domains")
    found = await a.identity.list_domains(**qfilters(request, "name", "enabled"))
    return json_response(a.views.collection("domains", [a.views.domain(d) for d in found],
                                            "domains"))


async def create_domain(request: Request) -> Response:
    a = api(request)
    data = (await body(request, schemas.DOMAIN_CREATE))["domain"]
    a.enforce(context(request), "identity:create_domain")
    d = await a.identity.create_domain(data)
    return json_response({"domain": a.views.domain(d)}, 201)


async def get_domain(request: Request) -> Response:
    a, did = api(request), request.path_params["domain_id"]
    a.enforce(context(request), "identity:get_domain", {"target.domain.id": did})
    return json_response({"domain": a.views.domain(await a.identity.get_domain(did))})


async def update_domain(request: Request) -> Response:
    a, did = api(request), request.path_params["domain_id"]
    data = (await body(request, schemas.DOMAIN_UPDATE))["domain"]
    a.enforce(context(request), "identity:update_domain", {"target.domain.id": did})
    return json_response({"domain": a.views.domain(await a.identity.update_domain(did, data))})


async def delete_domain(request: Request) -> Response:
    a, did = api(request), request.path_params["domain_id"]
    a.enforce(context(request), "identity:delete_domain", {"target.domain.id": did})
    await a.identity.delete_domain(did)
    return no_content()

# ------------------------------------------------------------------------------ projects


def _tag_list(request: Request, name: str) -> list[str] | None:
    v = request.query_params.get(name)
    return [t for t in v.split(",") if t] if v else None


async def list_projects(request: Request) -> Response:
    a, ctx = api(request), context(request)
    f = qfilters(request, "name", "domain_id", "enabled", "parent_id")
    a.enforce(ctx, "identity:list_projects", {"target.domain_id": f.get("domain_id")})
    tag_filters = {"tags": _tag_list(request, "tags"), "tags_any": _tag_list(request, "tags-any"),
                   "not_tags": _tag_list(request, "not-tags"),
                   "not_tags_any": _tag_list(request, "not-tags-any")}
    found: list[m.Project] | list[m.Domain]
    if qbool(request.query_params.get("is_domain"), "is_domain"):
        found = await a.identity.list_domain_projects(**tag_filters, **f)
    else:
        found = await a.identity.list_projects(**tag_filters, **f)
    tags = await a.identity.project_tags([p.id for p in found])
    return json_response(a.views.collection(
        "projects", [a.views.project(p, tags[p.id]) for p in found], "projects"))


async def create_project(request: Request) -> Response:
    a, ctx = api(request), context(request)
    data = (await body(request, schemas.PROJECT_CREATE))["project"]
    if not data.get("domain_id") and not data.get("parent_id") and not data.get("is_domain"):
        # Keystone puts the project in the domain of the token's scope, else `default`.
        data["domain_id"] = ctx.domain_id or ctx.project_domain_id or "default"
    a.enforce(ctx, "identity:create_project",
              {"target.project.domain_id": data.get("domain_id")})
    p = await a.identity.create_project(data)
    return json_response({"project": a.views.project(p, list(dict.fromkeys(
        data.get("tags") or [])))}, 201)


def _target_of(p: m.Project | m.Domain) -> dict[str, str | None]:
    # A project acting as a domain belongs to no domain.
    return {"target.project.id": p.id,
            "target.project.domain_id": p.domain_id if isinstance(p, m.Project) else None}


async def _project_target(request: Request) -> dict[str, str | None]:
    return _target_of(await api(request).identity.get_project_or_domain(
        request.path_params["project_id"]))


async def get_project(request: Request) -> Response:
    a, pid = api(request), request.path_params["project_id"]
    p = await a.identity.get_project_or_domain(pid)
    a.enforce(context(request), "identity:get_project", _target_of(p))
    tags = await a.identity.project_tags([pid])
    return json_response({"project": a.views.project(p, tags[pid])})


async def update_project(request: Request) -> Response:
    a, pid = api(request), request.path_params["project_id"]
    data = (await body(request, schemas.PROJECT_UPDATE))["project"]
    a.enforce(context(request), "identity:update_project", await _project_target(request))
    p = await a.identity.update_project(pid, data)
    tags = await a.identity.project_tags([pid])
    return json_response({"project": a.views.project(p, tags[pid])})


async def delete_project(request: Request) -> Response:
    a, pid = api(request), request.path_params["project_id"]
    a.enforce(context(request), "identity:delete_project", await _project_target(request))
    await a.identity.delete_project(pid)
    return no_content()


async def list_project_tags(request: Request) -> Response:
    a, pid = api(request), request.path_params["project_id"]
    a.enforce(context(request), "identity:list_project_tags", await _project_target(request))
    return json_response({"tags": (await a.identity.project_tags([pid]))[pid]})


async def replace_project_tags(request: Request) -> Response:
    a, pid = api(request), request.path_params["project_id"]
    data = await body(request, schemas.PROJECT_TAGS)
    a.enforce(context(request), "identity:update_project_tags",
              await _project_target(request))
    return json_response({"tags": await a.identity.set_project_tags(pid, data["tags"])})


async def clear_project_tags(request: Request) -> Response:
    a, pid = api(request), request.path_params["project_id"]
    a.enforce(context(request), "identity:update_project_tags",
              await _project_target(request))
    await a.identity.delete_project_tag(pid, None)
    return no_content()


def _tag(request: Request) -> str:
    tag: str = request.path_params["tag"]
    if not tag or len(tag) > 255 or "," in tag or "/" in tag:
        raise errors.InvalidProjectTag()
    return tag


async def check_project_tag(request: Request) -> Response:
    a, pid, tag = api(request), request.path_params["project_id"], _tag(request)
    a.enforce(context(request), "identity:get_project_tag", await _project_target(request))
    if tag not in (await a.identity.project_tags([pid]))[pid]:
        raise errors.ProjectTagNotFound(project_tag=tag, project_id=pid)
    return no_content()


async def add_project_tag(request: Request) -> Response:
    a, pid, tag = api(request), request.path_params["project_id"], _tag(request)
    a.enforce(context(request), "identity:update_project_tags",
              await _project_target(request))
    await a.identity.add_project_tag(pid, tag)
    # a tag may be any unicode text; a header carries only latin-1: percent-encode it
    return no_content(201, {"Location": f"{a.views.base}/projects/{pid}/tags/"
                                        f"{quote(tag, safe='')}"})


async def delete_project_tag(request: Request) -> Response:
    a, pid, tag = api(request), request.path_params["project_id"], _tag(request)
    a.enforce(context(request), "identity:update_project_tags",
              await _project_target(request))
    await a.identity.delete_project_tag(pid, tag)
    return no_content()

# ------------------------------------------------------------------------------ users


async def list_users(request: Request) -> Response:
    a = api(request)
    f = qfilters(request, "name", "domain_id", "enabled")
    a.enforce(context(request), "identity:list_users", {"target.domain_id": f.get("domain_id")})
    found = await a.identity.list_users(**f)
    return json_response(a.views.collection("users", [a.views.user(u) for u in found], "users"))


async def create_user(request: Request) -> Response:
    a, ctx = api(request), context(request)
    data = (await body(request, schemas.USER_CREATE))["user"]
    data.setdefault("domain_id", ctx.domain_id or ctx.project_domain_id or "default")
    a.enforce(ctx, "identity:create_user", {"target.user.domain_id": data["domain_id"]})
    u = await a.identity.create_user(data)
    return json_response({"user": a.views.user(u)}, 201)


async def _user_target(request: Request, key: str = "user_id") -> dict[str, str]:
    u = await api(request).identity.get_user(request.path_params[key])
    return {"target.user.id": u.id, "target.user.domain_id": u.domain_id}


async def get_user(request: Request) -> Response:
    a, uid = api(request), request.path_params["user_id"]
    u = await a.identity.get_user(uid)
    a.enforce(context(request), "identity:get_user",
              {"target.user.id": u.id, "target.user.domain_id": u.domain_id})
    return json_response({"user": a.views.user(u)})


async def update_user(request: Request) -> Response:
    a, uid = api(request), request.path_params["user_id"]
    data = (await body(request, schemas.USER_UPDATE))["user"]
    a.enforce(context(request), "identity:update_user", await _user_target(request))
    return json_response({"user": a.views.user(await a.identity.update_user(uid, data))})


async def delete_user(request: Request) -> Response:
    a, uid = api(request), request.path_params["user_id"]
    a.enforce(context(request), "identity:delete_user", await _user_target(request))
    await a.identity.delete_user(uid)
    return no_content()


async def change_password(request: Request) -> Response:
    """POST /v3/users/{id}/password: needs no token, only the current password (as
    Keystone, so that an expired password can still be changed)."""
    a, uid = api(request), request.path_params["user_id"]
    data = (await read_json(request, schemas.USER_PASSWORD,
                            a.settings.max_request_body_size))["user"]
    user = await a.identity.get_user(uid)
    if not user.enabled or not await a.identity.hasher.check(data["original_password"],
                                                             user.password_hash):
        raise errors.Unauthorized()
    await a.identity.change_password(uid, data["password"])
    return no_content()


async def user_projects(request: Request) -> Response:
    a, uid = api(request), request.path_params["user_id"]
    a.enforce(context(request), "identity:list_user_projects", await _user_target(request))
    found = await a.assignments.projects_of_user(uid)
    tags = await a.identity.project_tags([p.id for p in found])
    return json_response(a.views.collection(
        "projects", [a.views.project(p, tags[p.id]) for p in found], f"users/{uid}/projects"))


async def user_groups(request: Request) -> Response:
    a, uid = api(request), request.path_params["user_id"]
    a.enforce(context(request), "identity:list_groups_for_user", {"user_id": uid})
    found = await a.identity.user_groups(uid)
    return json_response(a.views.collection("groups", [a.views.group(g) for g in found],
                                            f"users/{uid}/groups"))

# ------------------------------------------------------------------------------ groups


async def list_groups(request: Request) -> Response:
    a = api(request)
    f = qfilters(request, "name", "domain_id")
    a.enforce(context(request), "identity:list_groups", {"target.domain_id": f.get("domain_id")})
    found = await a.identity.list_groups(**f)
    return json_response(a.views.collection("groups", [a.views.group(g) for g in found],
                                            "groups"))


async def create_group(request: Request) -> Response:
    a, ctx = api(request), context(request)
    data = (await body(request, schemas.GROUP_CREATE))["group"]
    data.setdefault("domain_id", ctx.domain_id or ctx.project_domain_id or "default")
    a.enforce(ctx, "identity:create_group", {"target.group.domain_id": data["domain_id"]})
    return json_response({"group": a.views.group(await a.identity.create_group(data))}, 201)


async def _group_target(request: Request) -> dict[str, str]:
    g = await api(request).identity.get_group(request.path_params["group_id"])
    return {"target.group.id": g.id, "target.group.domain_id": g.domain_id}


async def get_group(request: Request) -> Response:
    a, gid = api(request), request.path_params["group_id"]
    a.enforce(context(request), "identity:get_group", await _group_target(request))
    return json_response({"group": a.views.group(await a.identity.get_group(gid))})


async def update_group(request: Request) -> Response:
    a, gid = api(request), request.path_params["group_id"]
    data = (await body(request, schemas.GROUP_UPDATE))["group"]
    a.enforce(context(request), "identity:update_group", await _group_target(request))
    return json_response({"group": a.views.group(await a.identity.update_group(gid, data))})


async def delete_group(request: Request) -> Response:
    a, gid = api(request), request.path_params["group_id"]
    a.enforce(context(request), "identity:delete_group", await _group_target(request))
    await a.identity.delete_group(gid)
    return no_content()


async def group_users(request: Request) -> Response:
    a, gid = api(request), request.path_params["group_id"]
    a.enforce(context(request), "identity:list_users_in_group", await _group_target(request))
    found = await a.identity.group_users(gid, **qfilters(request, "name", "domain_id",
                                                         "enabled"))
    return json_response(a.views.collection("users", [a.views.user(u) for u in found],
                                            f"groups/{gid}/users"))


async def add_member(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:add_user_to_group", await _group_target(request))
    await a.identity.add_member(p["group_id"], p["user_id"])
    return no_content()


async def check_member(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:check_user_in_group", await _group_target(request))
    if not await a.identity.is_member(p["group_id"], p["user_id"]):
        raise errors.UserNotInGroup(user_id=p["user_id"], group_id=p["group_id"])
    return no_content()


async def remove_member(request: Request) -> Response:
    a, p = api(request), request.path_params
    a.enforce(context(request), "identity:remove_user_from_group", await _group_target(request))
    await a.identity.remove_member(p["group_id"], p["user_id"])
    return no_content()
