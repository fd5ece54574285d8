"""GET /allocation_candidates and POST /reshaper."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.placement import query, schemas, views
from nubo.placement.handlers.allocations import consumer_write
from nubo.placement.handlers.common import begin, body
from nubo.placement.handlers.inventories import record


async def list_(request: Request) -> Response:
    a, _ctx, v = begin(request, "placement:allocation_candidates:list")
    q = query.candidates_query(list(request.query_params.multi_items()), v)
    matches, world = await a.service.allocation_candidates(q)
    wanted = {rc for g in q.groups for rc, _ in g.resources}
    return json_response(views.candidates(v, matches, world, wanted),
                         headers=views.cache_headers(v))


async def reshape(request: Request) -> Response:
    a, _ctx, v = begin(request, "placement:reshaper:reshape")
    data = await body(request, schemas.reshaper(v))
    inventories = {rp: (d["resource_provider_generation"],
                        {rc: record(i) for rc, i in d["inventories"].items()})
                   for rp, d in data["inventories"].items()}
    writes = [consumer_write(c, d, v) for c, d in data["allocations"].items()]
    await a.service.reshape(inventories, writes)
    return no_content()
