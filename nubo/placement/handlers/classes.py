"""/resource_classes and /traits."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.placement import errors, query, schemas, views
from nubo.placement.handlers.common import begin, body, param

RC = "placement:resource_classes"


async def list_classes(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{RC}:list")
    found = await a.service.resource_classes()
    return json_response({"resource_classes": [views.resource_class(n) for n in found]},
                         headers=views.cache_headers(v))


async def create_class(request: Request) -> Response:
    a, _ctx, _v = begin(request, f"{RC}:create")
    name = (await body(request, schemas.RESOURCE_CLASS))["name"]
    await a.service.create_resource_class(name)
    return no_content(201, {"Location": f"{views.PREFIX}/resource_classes/{name}"})


async def show_class(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{RC}:show")
    name = param(request, "name")
    await a.service.get_resource_class(name)
    return json_response(views.resource_class(name), headers=views.cache_headers(v))


async def update_class(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{RC}:update")
    name = param(request, "name")
    if v.matches("1.7"):
        # create-or-verify, no body
        created = await a.service.ensure_resource_class(name)
        if created:
            return no_content(201, {"Location": f"{views.PREFIX}/resource_classes/{name}"})
        return no_content(204)
    new = (await body(request, schemas.RESOURCE_CLASS))["name"]
    await a.service.rename_resource_class(name, new)
    return json_response(views.resource_class(new))


async def delete_class(request: Request) -> Response:
    a, _ctx, _v = begin(request, f"{RC}:delete")
    await a.service.delete_resource_class(param(request, "name"))
    return no_content()


async def list_traits(request: Request) -> Response:
    a, _ctx, v = begin(request, "placement:traits:list")
    params = list(request.query_params.multi_items())
    query.check_keys(params, {"name", "associated"})
    get = dict(params)
    associated = None
    if "associated" in get:
        flag = get["associated"].lower()
        if flag not in ("true", "false"):
            raise errors.InvalidQueryString(
                detail=f"'associated' must be true or false. Got: {get['associated']}")
        associated = flag == "true"
    found = await a.service.traits(get.get("name"), associated)
    return json_response({"traits": found}, headers=views.cache_headers(v))


async def show_trait(request: Request) -> Response:
    a, _ctx, v = begin(request, "placement:traits:show")
    name = param(request, "name")
    if not await a.service.trait_exists(name):
        raise errors.TraitNotFound(names=name)
    return no_content(204, views.cache_headers(v))


async def put_trait(request: Request) -> Response:
    a, _ctx, v = begin(request, "placement:traits:update")
    name = param(request, "name")
    created = await a.service.ensure_trait(name)
    headers = {"Location": f"{views.PREFIX}/traits/{name}", **views.cache_headers(v)}
    return no_content(201 if created else 204, headers)


async def delete_trait(request: Request) -> Response:
    a, _ctx, _v = begin(request, "placement:traits:delete")
    await a.service.delete_trait(param(request, "name"))
    return no_content()
