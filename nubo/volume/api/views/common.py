"""What every view shares: timestamps as Cinder prints them, links, next-page links."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode


def ts(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value is not None else None


def links(base: str, project_id: str, collection: str, item_id: str) -> list[dict[str, str]]:
    root = base.rsplit("/v3", 1)[0]
    return [{"href": f"{base}/{project_id}/{collection}/{item_id}", "rel": "self"},
            {"href": f"{root}/{project_id}/{collection}/{item_id}", "rel": "bookmark"}]


def next_link(url: str, params: list[tuple[str, str]], items: list[dict[str, Any]],
              limit: int | None) -> list[dict[str, str]] | None:
    """`<collection>_links` when a page was cut at `limit` (Cinder's `_get_collection_links`)."""
    if limit is None or not items or len(items) < limit:
        return None
    kept = [(k, v) for k, v in params if k != "marker"]
    kept.append(("marker", str(items[-1]["id"])))
    return [{"rel": "next", "href": f"{url}?{urlencode(kept)}"}]
