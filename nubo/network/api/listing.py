"""What every Neutron collection GET does with its query: filters by attribute (a repeated key
means any of the values), tag filters, `fields=`, sorting (`sort_key`/`sort_dir`) and
pagination (`limit`/`marker`/`page_reverse`, with `<collection>_links`).

The items come in as rendered views (already limited to what the caller may see), so one
function serves every resource, N2's included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response
from nubo.network import errors

CONTROL = {"fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse"}
TAG_FILTERS = {"tags", "tags-any", "not-tags", "not-tags-any"}


def _as_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def _matches(value: Any, wanted: list[str]) -> bool:
    if isinstance(value, list):
        if all(isinstance(x, dict) for x in value):   # fixed_ips=ip_address=10.0.0.5
            for w in wanted:
                k, _, v = w.partition("=")
                if k == "ip_address_substr":      # the ip-substring-filtering extension
                    if any(v in _as_text(x.get("ip_address")) for x in value):
                        return True
                elif any(_as_text(x.get(k)) == v for x in value):
                    return True
            return False
        return any(_as_text(x) in wanted for x in value)
    text = _as_text(value)
    if isinstance(value, bool):
        return text in {w.lower() for w in wanted}
    return text in wanted


def _tags_ok(item: dict[str, Any], query: dict[str, list[str]]) -> bool:
    have = set(item.get("tags") or [])

    def sets(key: str) -> list[set[str]]:
        return [set(v.split(",")) for v in query.get(key, []) if v]
    if any(not s <= have for s in sets("tags")):
        return False
    if any(not s & have for s in sets("tags-any")):
        return False
    if any(s <= have for s in sets("not-tags")):
        return False
    return not any(s & have for s in sets("not-tags-any"))


def multi(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        out.setdefault(k, []).append(v)
    return out


def filter_items(items: list[dict[str, Any]], query: dict[str, list[str]],
                 attributes: Iterable[str], extra: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Keep the items matching every filter; 400 for a filter on no attribute (Neutron's
    filter validation)."""
    known = set(attributes) | set(extra)
    filters = {k: v for k, v in query.items() if k not in CONTROL and k not in TAG_FILTERS}
    for k in filters:
        # the attribute names come from the items: with none there is nothing to check
        if items and k not in known:
            raise errors.bad_request(f"[{k}] is invalid attribute for filtering")
    out = []
    for it in items:
        if all(k not in it or _matches(it[k], v) for k, v in filters.items()) and \
                _tags_ok(it, query):
            out.append(it)
    return out


def _sort(items: list[dict[str, Any]], query: dict[str, list[str]],
          attributes: set[str]) -> list[dict[str, Any]]:
    keys = query.get("sort_key", [])
    dirs = query.get("sort_dir", [])
    for k in keys:
        if k not in attributes:
            raise errors.bad_request(f"{k} is an invalid attribute for sort_keys")
    for d in dirs:
        if d not in ("asc", "desc"):
            raise errors.bad_request(f"{d} is an invalid value for sort_dir, valid values "
                                     "are 'asc' and 'desc'")
    if dirs and len(dirs) != len(keys):
        raise errors.bad_request("The number of sort_keys and sort_dirs must be same")
    out = sorted(items, key=lambda i: str(i.get("id")))
    for k, d in reversed(list(zip(keys, dirs or ["asc"] * len(keys), strict=True))):
        out.sort(key=_sort_key(k), reverse=(d == "desc"))
    return out


def _sort_key(k: str) -> Callable[[dict[str, Any]], Any]:
    def key(item: dict[str, Any]) -> Any:
        v = item.get(k)
        return (v is not None, _sortable(v))
    return key


def _sortable(v: Any) -> Any:
    if isinstance(v, bool | int | float):
        return (0, v, "")
    return (1, 0, _as_text(v))


def _page(items: list[dict[str, Any]], query: dict[str, list[str]]
          ) -> tuple[list[dict[str, Any]], bool, bool]:
    """(page, more after it, more before it)"""
    raw = query.get("limit", [None])[-1]
    limit = 0
    if raw is not None:
        try:
            limit = int(raw)
        except ValueError:
            raise errors.bad_request(f"Limit must be an integer 0 or greater and not "
                                     f"'{raw}'") from None
        if limit < 0:
            raise errors.bad_request(f"Limit must be an integer 0 or greater and not '{raw}'")
    reverse = query.get("page_reverse", ["false"])[-1].lower() == "true"
    marker = query.get("marker", [None])[-1]
    seq = list(reversed(items)) if reverse else items
    start = 0
    if marker:
        idx = next((i for i, it in enumerate(seq) if it.get("id") == marker), None)
        if idx is None:
            raise errors.bad_request(f"Marker {marker} could not be found")
        start = idx + 1
    end = start + limit if limit else len(seq)
    page = seq[start:end]
    more, before = end < len(seq), start > 0
    if reverse:
        page.reverse()
        more, before = before, more
    return page, more, before


def project_fields(item: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    if not fields:
        return item
    return {k: v for k, v in item.items() if k in fields}


def respond(request: Request, collection: str, items: list[dict[str, Any]],
            extra_filters: Iterable[str] = (),
            prefilter: Callable[[dict[str, list[str]]], None] | None = None) -> Response:
    """Filter, sort, page and trim `items` as the query asks; the JSON response."""
    query = multi(request)
    attributes = set().union(*(i.keys() for i in items)) if items else set()
    attributes |= {"id", "name", "project_id", "tenant_id", "description", "tags",
                   "created_at", "updated_at", "revision_number", "status"}
    attributes |= set(extra_filters)
    if prefilter is not None:
        prefilter(query)
    found = filter_items(items, query, attributes)
    found = _sort(found, query, attributes)
    page, more, before = _page(found, query)
    fields = [f for fv in query.get("fields", []) for f in fv.split(",") if f]
    body: dict[str, Any] = {collection: [project_fields(i, fields) for i in page]}
    links = _links(request, query, page, more, before)
    if links:
        body[f"{collection}_links"] = links
    return json_response(body)


def _links(request: Request, query: dict[str, list[str]], page: list[dict[str, Any]],
           more: bool, before: bool) -> list[dict[str, str]]:
    if "limit" not in query or not page:
        return []
    base = str(request.url).split("?")[0]
    keep = [(k, v) for k, vs in query.items() if k not in ("marker", "page_reverse")
            for v in vs]
    out = []
    if more:
        out.append({"rel": "next", "href": base + "?" + urlencode(
            keep + [("marker", page[-1]["id"])])})
    if before:
        out.append({"rel": "previous", "href": base + "?" + urlencode(
            keep + [("marker", page[0]["id"]), ("page_reverse", "True")])})
    return out
