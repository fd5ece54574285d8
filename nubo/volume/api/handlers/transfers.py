"""Volume transfers: the legacy /os-volume-transfer and /volume-transfers (3.55, with
`no_snapshots`; 3.57 shows the source and destination): create (the auth key is in this
answer only), list (summary and detail), show, accept (by another project, with the key),
delete."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.core.microversion import APIVersion
from nubo.volume.api.handlers.common import (
    all_tenants,
    begin,
    body,
    own_project,
    param,
    query,
    scope,
)
from nubo.volume.api.schemas import transfers as schemas
from nubo.volume.api.schemas.types_ import to_bool
from nubo.volume.api.views import transfers as views
from nubo.volume.api.views.common import next_link
from nubo.volume.errors import VersionNotFoundForAPIMethod
from nubo.volume.service.listing import parse_page

COLLECTION = "os-volume-transfer"
SORT_KEYS = frozenset({"id", "name", "created_at", "volume_id"})
NEW = "3.55"


def _base(request: Request) -> str:
    return str(request.scope["nubo.state"].base_url) + "/v3"


def _new_api(request: Request) -> bool:
    """/volume-transfers (3.55+) rather than the legacy /os-volume-transfer."""
    return "/volume-transfers" in request.url.path


def _gate(request: Request, v: APIVersion) -> None:
    if _new_api(request) and not v.matches(NEW):
        raise VersionNotFoundForAPIMethod(version=str(v))


async def create(request: Request) -> Response:
    a, ctx, v = begin(request, "volume:create_transfer")
    _gate(request, v)
    new = _new_api(request) and v.matches(NEW)
    spec = (await body(request, schemas.create(new)))["transfer"]
    offer = await a.storage.transfers.create(spec["volume_id"], scope(a, ctx),
                                             spec.get("name"),
                                             to_bool(spec.get("no_snapshots", False)))
    out = views.detail(_base(request), offer.transfer, COLLECTION, v)
    out["auth_key"] = offer.auth_key
    return json_response({"transfer": out}, 202)


async def list_summary(request: Request) -> Response:
    return await _list(request, detailed=False)


async def list_detail(request: Request) -> Response:
    return await _list(request, detailed=True)


async def _list(request: Request, detailed: bool) -> Response:
    a, ctx, v = begin(request, "volume:get_all_transfers")
    _gate(request, v)
    q = query(request)
    project = None if all_tenants(a, ctx, q) else ctx.project_id
    page = parse_page(q.get("sort"), q.get("sort_key"), q.get("sort_dir"), q.get("limit"),
                      q.get("marker"), q.get("offset"), SORT_KEYS)
    found = await a.storage.transfers.list_(project, q.get("name"), q.get("volume_id"), page)
    base = _base(request)
    items = [views.detail(base, t, COLLECTION, v) if detailed else
             views.summary(base, t, COLLECTION) for t in found]
    out: dict[str, object] = {"transfers": items}
    more = next_link(str(request.url).split("?")[0], list(request.query_params.multi_items()),
                     items, page.limit)
    if more:
        out["transfers_links"] = more
    return json_response(out)


async def show(request: Request) -> Response:
    a, ctx, v = begin(request, "volume:get_transfer")
    _gate(request, v)
    t = await a.storage.transfers.get(param(request, "transfer_id"), scope(a, ctx))
    return json_response({"transfer": views.detail(_base(request), t, COLLECTION, v)})


async def delete(request: Request) -> Response:
    a, ctx, v = begin(request, "volume:delete_transfer")
    _gate(request, v)
    await a.storage.transfers.delete(param(request, "transfer_id"), scope(a, ctx))
    return no_content(202)


async def accept(request: Request) -> Response:
    a, ctx, v = begin(request, "volume:accept_transfer")
    _gate(request, v)
    spec = (await body(request, schemas.ACCEPT))["accept"]
    t = await a.storage.transfers.accept(param(request, "transfer_id"), str(spec["auth_key"]),
                                         own_project(ctx), ctx.user_id or "")
    return json_response({"transfer": views.summary(_base(request), t, COLLECTION)}, 202)
