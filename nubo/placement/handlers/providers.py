"""/resource_providers: create, list, show, update, delete; a provider's traits and
aggregates."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.placement import names, query, schemas, views
from nubo.placement.handlers.common import begin, body, param

RP = "placement:resource_providers"


async def list_(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{RP}:list")
    filters = query.provider_filters(list(request.query_params.multi_items()), v)
    found = await a.service.list_providers(filters)
    return json_response({"resource_providers": [views.provider(p, v) for p in found]},
                         headers=views.cache_headers(v))


async def create(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{RP}:create")
    data = await body(request, schemas.provider_post(v))
    # Placement normalises a provider's uuid written without dashes (or in capitals)
    new = names.dashed(data["uuid"]) if data.get("uuid") else None
    p = await a.service.create_provider(data["name"], new,
                                        data.get("parent_provider_uuid"))
    location = {"Location": f"{views.PREFIX}/resource_providers/{p.uuid}"}
    if v.matches("1.20"):
        return json_response(views.provider(p, v), 200,
                             {**location, **views.cache_headers(v, p.updated_at)})
    return no_content(201, location)


async def show(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{RP}:show")
    p = await a.service.get_provider(param(request, "uuid"))
    return json_response(views.provider(p, v), headers=views.cache_headers(v, p.updated_at))


async def update(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{RP}:update")
    data = await body(request, schemas.provider_put(v))
    p = await a.service.update_provider(
        param(request, "uuid"), data["name"], data.get("parent_provider_uuid"),
        change_parent="parent_provider_uuid" in data, allow_reparent=v.matches("1.37"))
    return json_response(views.provider(p, v), headers=views.cache_headers(v, p.updated_at))


async def delete(request: Request) -> Response:
    a, _ctx, _v = begin(request, f"{RP}:delete")
    await a.service.delete_provider(param(request, "uuid"), missing_ok=False)
    return no_content()


# --------------------------------------------------------------------------- traits

async def traits(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{RP}:traits:list")
    p, names = await a.service.provider_traits(param(request, "uuid"))
    return json_response({"traits": names, "resource_provider_generation": p.generation},
                         headers=views.cache_headers(v))


async def set_traits(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{RP}:traits:update")
    data = await body(request, schemas.PROVIDER_TRAITS_PUT)
    uuid = param(request, "uuid")
    gen = await a.service.set_provider_traits(uuid, data["resource_provider_generation"],
                                              data["traits"])
    return json_response({"traits": sorted(set(data["traits"])),
                          "resource_provider_generation": gen},
                         headers=views.cache_headers(v))


async def delete_traits(request: Request) -> Response:
    a, _ctx, _v = begin(request, f"{RP}:traits:delete")
    await a.service.set_provider_traits(param(request, "uuid"), None, ())
    return no_content()


# ----------------------------------------------------------------------- aggregates

async def aggregates(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{RP}:aggregates:list")
    p, aggs = await a.service.provider_aggregates(param(request, "uuid"))
    return json_response(views.aggregates(v, p.generation, aggs),
                         headers=views.cache_headers(v))


async def set_aggregates(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{RP}:aggregates:update")
    uuid = param(request, "uuid")
    if v.matches("1.19"):
        data = await body(request, schemas.AGGREGATES_PUT_1_19)
        wanted, gen = data["aggregates"], data["resource_provider_generation"]
    else:
        wanted, gen = await body(request, schemas.AGGREGATES_PUT_1_1), None
    new_gen = await a.service.set_provider_aggregates(uuid, gen, wanted)
    return json_response(views.aggregates(v, new_gen, sorted(set(wanted))),
                         headers=views.cache_headers(v))
