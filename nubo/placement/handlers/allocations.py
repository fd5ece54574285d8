"""/allocations/{consumer_uuid}, POST /allocations, a provider's allocations and usages,
and GET /usages."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.core.microversion import APIVersion
from nubo.placement import errors, names, query, schemas, views
from nubo.placement.handlers.common import begin, body, param
from nubo.placement.service import ConsumerWrite

#: Placement's `incomplete_consumer_project_id`/`user_id` for allocations made before 1.8
INCOMPLETE = "00000000-0000-0000-0000-000000000000"


def _consumer(consumer: str) -> str:
    """Placement's PUT /allocations/{consumer_uuid}: any is_uuid_like form, stored dashed."""
    if not names.is_uuid(consumer):
        raise errors.MalformedConsumerUuid(consumer_uuid=consumer)
    return names.dashed(consumer)


def consumer_write(consumer: str, data: dict[str, Any], v: APIVersion) -> ConsumerWrite:
    """One consumer's body, list form (<1.12) or dict form, as a ConsumerWrite."""
    if not names.is_uuid(consumer):
        raise errors.MalformedConsumerUuid(consumer_uuid=consumer)
    allocations: dict[str, dict[str, int]] = {}
    if isinstance(data["allocations"], list):
        for item in data["allocations"]:
            rp = item["resource_provider"]["uuid"]
            allocations.setdefault(rp, {}).update(item["resources"])
    else:
        allocations = {rp: dict(a["resources"]) for rp, a in data["allocations"].items()}
    return ConsumerWrite(
        consumer, allocations, data.get("project_id", INCOMPLETE),
        data.get("user_id", INCOMPLETE),
        generation=data["consumer_generation"] if v.matches("1.28") else "any",
        consumer_type=data.get("consumer_type") if v.matches("1.38") else None)


async def show(request: Request) -> Response:
    a, _ctx, v = begin(request, "placement:allocations:list")
    found = await a.service.consumer_allocations(param(request, "consumer_uuid"))
    return json_response(views.consumer_allocations(v, found), headers=views.cache_headers(v))


async def replace(request: Request) -> Response:
    a, _ctx, v = begin(request, "placement:allocations:update")
    data = await body(request, schemas.allocations_put(v))
    await a.service.replace_allocations(
        [consumer_write(_consumer(param(request, "consumer_uuid")), data, v)])
    return no_content()


async def delete(request: Request) -> Response:
    a, _ctx, _v = begin(request, "placement:allocations:delete")
    await a.service.remove_allocations(param(request, "consumer_uuid"))
    return no_content()


async def post(request: Request) -> Response:
    a, _ctx, v = begin(request, "placement:allocations:manage")
    data = await body(request, schemas.allocations_post(v))
    await a.service.replace_allocations(
        [consumer_write(c, d, v) for c, d in data.items()])
    return no_content()


async def for_provider(request: Request) -> Response:
    a, _ctx, v = begin(request, "placement:resource_providers:allocations:list")
    p, found = await a.service.provider_allocations(param(request, "uuid"))
    return json_response(views.provider_allocations(v, p.generation, found),
                         headers=views.cache_headers(v))


async def provider_usages(request: Request) -> Response:
    a, _ctx, v = begin(request, "placement:resource_providers:usages")
    p, used = await a.service.provider_usages(param(request, "uuid"))
    return json_response({"resource_provider_generation": p.generation, "usages": used},
                         headers=views.cache_headers(v))


async def usages(request: Request) -> Response:
    a, _ctx, v = begin(request, "placement:usages")
    params = list(request.query_params.multi_items())
    allowed = {"project_id", "user_id"} | ({"consumer_type"} if v.matches("1.38") else set())
    query.check_keys(params, allowed)
    get = dict(params)
    if not get.get("project_id"):
        raise errors.InvalidQueryString(detail="'project_id' is a required property")
    ctype = get.get("consumer_type")
    if ctype is not None and not (names.NAME_RE.match(ctype) or ctype in ("all", "unknown")):
        raise errors.InvalidQueryString(detail=f"invalid consumer_type {ctype!r}")
    found = await a.service.project_usages(get["project_id"], get.get("user_id"), ctype,
                                           by_type=v.matches("1.38"))
    return json_response({"usages": found}, headers=views.cache_headers(v))
