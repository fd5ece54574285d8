"""/flavors: list, show, create, delete; extra specs; access to private flavors."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.compute import errors
from nubo.compute.api.schemas import flavors as schemas
from nubo.compute.api.validation import query_int, read_body, validate
from nubo.compute.api.views import flavors as views
from nubo.compute.api.wiring import api
from nubo.compute.service.flavors import FlavorQuery, parse_bool
from nubo.core.http import context, json_response, no_content, version
from nubo.core.microversion import APIVersion
from nubo.core.validation import as_int

MAX_LIMIT = 1000
FM = "os_compute_api:os-flavor-manage:"
ES = "os_compute_api:os-flavor-extra-specs:"
FA = "os_compute_api:os-flavor-access"


def _enum(params: Any, name: str, allowed: list[str], default: str) -> str:
    value = params.get(name) or default
    if value not in allowed:
        raise errors.QueryParamNotOneOf(name=name, value=value, allowed=allowed)
    return str(value)


def _query(request: Request) -> FlavorQuery:
    p, ctx = request.query_params, context(request)
    q = FlavorQuery()
    if ctx.is_admin:        # only admins may list private flavors they have no access to
        raw = p.get("is_public")
        if raw is not None and raw.strip().lower() == "none":
            q.is_public = None
        elif raw is not None:
            q.is_public = parse_bool(raw)
            if q.is_public is None:
                raise errors.InvalidFilter(name="is_public", value=raw)
    for name, attr in (("minRam", "min_memory_mb"), ("minDisk", "min_root_gb")):
        if name in p:
            value = as_int(p[name])     # beyond 64 bits no column can be compared with it
            if value is None:
                raise errors.InvalidFilter(name=name, value=p[name])
            setattr(q, attr, value)
    q.sort_key = _enum(p, "sort_key", schemas.VALID_SORT_KEYS, "flavorid")
    q.sort_dir = _enum(p, "sort_dir", ["asc", "desc"], "asc")
    limit = query_int(p, "limit")
    q.limit = MAX_LIMIT if limit is None else min(limit, MAX_LIMIT)
    q.marker = p.get("marker")
    return q


async def _list(request: Request, detailed: bool) -> Response:
    a, q, ver = api(request), _query(request), version(request)
    found = await a.flavors.find(context(request), q)
    specs = _may_read_specs(request)
    items = [views.detail(f, a.base_url, ver, specs) if detailed else
             views.brief(f, a.base_url, ver) for f in found]
    path = "flavors/detail" if detailed else "flavors"
    return json_response(views.collection(items, found, a.base_url, path,
                                          dict(request.query_params), q.limit, MAX_LIMIT))


async def list_(request: Request) -> Response:
    return await _list(request, detailed=False)


async def detail(request: Request) -> Response:
    return await _list(request, detailed=True)


def _may_read_specs(request: Request) -> bool:
    """2.61 shows extra specs in flavor views to whom the extra specs policy allows."""
    ctx = context(request)
    return bool(api(request).policy.allowed(ctx, ES + "index", {"project_id": ctx.project_id}))


def _one(request: Request, f: Any) -> Response:
    a = api(request)
    return json_response({"flavor": views.detail(f, a.base_url, version(request),
                                                 _may_read_specs(request))})


async def show(request: Request) -> Response:
    f = await api(request).flavors.get(context(request), request.path_params["flavor_id"])
    return _one(request, f)


async def create(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, FM + "create")
    schema = schemas.CREATE_255 if version(request) >= APIVersion(2, 55) else schemas.CREATE
    body = await read_body(request, schema, a.max_body)
    f = await a.flavors.create(body["flavor"])
    return _one(request, f)


async def update(request: Request) -> Response:
    """PUT /flavors/{id} (2.55): change the description."""
    a, ctx = api(request), context(request)
    a.enforce(ctx, FM + "update")
    body = await read_body(request, schemas.UPDATE, a.max_body)
    f = await a.flavors.set_description(ctx, request.path_params["flavor_id"],
                                        body["flavor"]["description"])
    return _one(request, f)


async def delete(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, FM + "delete")
    await a.flavors.delete(ctx, request.path_params["flavor_id"])
    return no_content(202)


# ---------------------------------------------------------------------- extra specs

async def specs_list(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, ES + "index", {"project_id": ctx.project_id})
    specs = await a.flavors.extra_specs(ctx, request.path_params["flavor_id"])
    return json_response({"extra_specs": specs})


async def specs_create(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, ES + "create")
    body = await read_body(request, schemas.EXTRA_SPECS_CREATE, a.max_body)
    await a.flavors.set_extra_specs(ctx, request.path_params["flavor_id"], body["extra_specs"])
    return json_response(body)


async def spec_show(request: Request) -> Response:
    a, ctx, p = api(request), context(request), request.path_params
    a.enforce(ctx, ES + "show", {"project_id": ctx.project_id})
    specs = await a.flavors.extra_specs(ctx, p["flavor_id"])
    if p["key"] not in specs:
        raise errors.FlavorExtraSpecsNotFound(flavor_id=p['flavor_id'], extra_specs_key=p['key'])
    return json_response({p["key"]: specs[p["key"]]})


async def spec_update(request: Request) -> Response:
    a, ctx, p = api(request), context(request), request.path_params
    a.enforce(ctx, ES + "update")
    body = await read_body(request, schemas.EXTRA_SPEC_UPDATE, a.max_body)
    if p["key"] not in body:
        raise errors.BodyUriMismatch()
    await a.flavors.set_extra_specs(ctx, p["flavor_id"], body)
    return json_response(body)


async def spec_delete(request: Request) -> Response:
    a, ctx, p = api(request), context(request), request.path_params
    a.enforce(ctx, ES + "delete")
    await a.flavors.delete_extra_spec(ctx, p["flavor_id"], p["key"])
    return no_content(200)


# ---------------------------------------------------------------------- access

async def access_list(request: Request) -> Response:
    a, ctx = api(request), context(request)
    a.enforce(ctx, FA)
    flavor, projects = await a.flavors.access(ctx, request.path_params["flavor_id"])
    if flavor.is_public:
        raise errors.FlavorAccessNotAvailable()
    return json_response(views.access(flavor.id, projects))


async def action(request: Request) -> Response:
    """POST /flavors/{id}/action: addTenantAccess or removeTenantAccess."""
    a, ctx = api(request), context(request)
    flavor_id = request.path_params["flavor_id"]
    raw = await read_body(request, {"type": "object"}, a.max_body)
    if "addTenantAccess" in raw:
        a.enforce(ctx, FA + ":add_tenant_access")
        validate(schemas.ADD_TENANT_ACCESS, raw)
        tenant = raw["addTenantAccess"]["tenant"]
        await a.verify_project(tenant)
        await a.flavors.add_access(ctx, flavor_id, tenant)
    elif "removeTenantAccess" in raw:
        a.enforce(ctx, FA + ":remove_tenant_access")
        validate(schemas.REMOVE_TENANT_ACCESS, raw)
        await a.flavors.remove_access(ctx, flavor_id, raw["removeTenantAccess"]["tenant"])
    else:
        name = next(iter(raw), "") if raw else ""
        raise errors.InvalidAction(action=name)
    _, projects = await a.flavors.access(ctx, flavor_id)
    return json_response(views.access(flavor_id, projects))
