"""/resource_providers/{uuid}/inventories and /inventories/{resource_class}."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.placement import errors, schemas, views
from nubo.placement.handlers.common import begin, body, param
from nubo.placement.service import INVENTORY_FIELDS, Inventory

INV = "placement:resource_providers:inventories"


def record(data: dict[str, Any]) -> Inventory:
    return Inventory(**{k: data[k] for k in INVENTORY_FIELDS if k in data})


async def list_(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{INV}:list")
    p, invs = await a.service.inventories(param(request, "uuid"))
    return json_response(views.inventories(p.generation, invs),
                         headers=views.cache_headers(v))


async def replace(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{INV}:update")
    uuid = param(request, "uuid")
    data = await body(request, schemas.INVENTORIES_PUT)
    wanted = {rc: record(d) for rc, d in data["inventories"].items()}
    gen = await a.service.set_inventories(uuid, data["resource_provider_generation"], wanted,
                                          reserved_may_equal=v.matches("1.26"))
    return json_response(views.inventories(gen, wanted), headers=views.cache_headers(v))


async def delete_all(request: Request) -> Response:
    a, _ctx, _v = begin(request, f"{INV}:delete")
    await a.service.set_inventories(param(request, "uuid"), None, {})
    return no_content()


async def create(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{INV}:create")
    uuid = param(request, "uuid")
    data = await body(request, schemas.INVENTORY_POST)
    rc, inv = data["resource_class"], record(data)
    gen = await a.service.change_inventory(uuid, rc, inv, None, create=True,
                                           reserved_may_equal=v.matches("1.26"))
    return json_response(views.inventory(gen, inv), 201, {
        "Location": f"{views.PREFIX}/resource_providers/{uuid}/inventories/{rc}",
        **views.cache_headers(v)})


async def show(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{INV}:show")
    uuid, rc = param(request, "uuid"), param(request, "resource_class")
    p, invs = await a.service.inventories(uuid)
    if rc not in invs:
        raise errors.InventoryNotFound(resource_class=rc, uuid=uuid)
    return json_response(views.inventory(p.generation, invs[rc]),
                         headers=views.cache_headers(v))


async def update(request: Request) -> Response:
    a, _ctx, v = begin(request, f"{INV}:update")
    uuid, rc = param(request, "uuid"), param(request, "resource_class")
    data = await body(request, schemas.INVENTORY_PUT)
    inv = record(data)
    gen = await a.service.change_inventory(uuid, rc, inv, data["resource_provider_generation"],
                                           reserved_may_equal=v.matches("1.26"))
    return json_response(views.inventory(gen, inv), headers=views.cache_headers(v))


async def delete(request: Request) -> Response:
    a, _ctx, _v = begin(request, f"{INV}:delete")
    await a.service.change_inventory(param(request, "uuid"),
                                     param(request, "resource_class"), None, None)
    return no_content()
