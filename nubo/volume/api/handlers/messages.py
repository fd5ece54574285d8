"""/messages (Cinder 3.3; sorting and paging 3.5): why an asynchronous operation failed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.core.microversion import APIVersion
from nubo.volume.api.handlers.common import begin, is_admin, param, query, scope
from nubo.volume.api.views import messages as views
from nubo.volume.api.views.common import next_link
from nubo.volume.errors import InvalidInput, VersionNotFoundForAPIMethod
from nubo.volume.service.listing import parse_page
from nubo.volume.service.messages import MessageFilter

FIRST = "3.3"
SORT_KEYS = frozenset({"id", "event_id", "resource_type", "resource_uuid", "message_level",
                       "request_id", "created_at"})
FILTERS = frozenset({"event_id", "resource_type", "resource_uuid", "message_level",
                     "request_id"})
PAGING = frozenset({"sort", "sort_key", "sort_dir", "limit", "marker", "offset"})


def _since(v: APIVersion) -> None:
    if not v.matches(FIRST):
        raise VersionNotFoundForAPIMethod(version=str(v))


def _base(request: Request) -> str:
    return str(request.scope["nubo.state"].base_url) + "/v3"


async def list_(request: Request) -> Response:
    a, ctx, v = begin(request, "message:get_all")
    _since(v)
    q = query(request)
    unknown = set(q) - FILTERS - PAGING
    if unknown and not is_admin(a, ctx):
        raise InvalidInput(reason=f"Invalid filters {', '.join(sorted(unknown))} are found "
                           "in query options.")
    paging = v.matches("3.5")
    page = parse_page(q.get("sort") if paging else None,
                      q.get("sort_key") if paging else None,
                      q.get("sort_dir") if paging else None,
                      q.get("limit") if paging else None,
                      q.get("marker") if paging else None,
                      q.get("offset") if paging else None, SORT_KEYS)
    # an admin reads every project's, as Cinder's project_only query
    f = MessageFilter(project_id=scope(a, ctx), event_id=q.get("event_id"),
                      resource_type=q.get("resource_type"),
                      resource_uuid=q.get("resource_uuid"),
                      message_level=q.get("message_level"), request_id=q.get("request_id"))
    found = await a.storage.messages.list_(f, page)
    items = [views.detail(_base(request), m) for m in found]
    out: dict[str, object] = {"messages": items}
    more = next_link(str(request.url).split("?")[0], list(request.query_params.multi_items()),
                     items, page.limit)
    if more:
        out["messages_links"] = more
    return json_response(out)


async def show(request: Request) -> Response:
    a, ctx, v = begin(request, "message:get")
    _since(v)
    m = await a.storage.messages.get(param(request, "message_id"), scope(a, ctx))
    return json_response({"message": views.detail(_base(request), m)})


async def delete(request: Request) -> Response:
    a, ctx, v = begin(request, "message:delete")
    _since(v)
    await a.storage.messages.delete(param(request, "message_id"), scope(a, ctx))
    return no_content(204)
