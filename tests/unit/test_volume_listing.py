"""Pure parts of the block storage API: sort/marker/limit parsing and paging, and the
project id taken off /volume/v3/{project_id}/... paths."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from nubo.core.errors import NotFound
from nubo.volume import errors
from nubo.volume.api.rewrite import rewrite
from nubo.volume.service.listing import MAX_LIMIT, paginate, parse_page

KEYS = frozenset({"id", "name", "size", "created_at"})


@dataclass
class Row:
    id: str
    name: str | None
    size: int
    created_at: datetime


ROWS = [Row("a", "x", 2, datetime(2026, 1, 1)), Row("b", None, 1, datetime(2026, 1, 3)),
        Row("c", "y", 2, datetime(2026, 1, 2))]


def ids(rows: list[Row]) -> list[str]:
    return [r.id for r in rows]


def page(**kw: Any) -> Any:
    args = {k: kw.get(k) for k in ("sort", "sort_key", "sort_dir", "limit", "marker",
                                   "offset")}
    return parse_page(**args, keys=KEYS)


def test_default_is_newest_first() -> None:
    assert ids(paginate(ROWS, page())) == ["b", "c", "a"]


def test_sort_keys_directions_and_ties() -> None:
    assert ids(paginate(ROWS, page(sort="size:asc"))) == ["b", "a", "c"]
    assert ids(paginate(ROWS, page(sort="size:desc,id:asc"))) == ["a", "c", "b"]
    assert ids(paginate(ROWS, page(sort="name:asc"))) == ["b", "a", "c"]   # None first
    assert ids(paginate(ROWS, page(sort_key="size", sort_dir="asc"))) == ["b", "a", "c"]


def test_marker_limit_offset() -> None:
    p = page(sort="size:asc", limit="1", marker="b")
    assert ids(paginate(ROWS, p)) == ["a"]
    assert ids(paginate(ROWS, page(sort="size:asc", offset="2"))) == ["c"]
    assert page(limit="100000").limit == MAX_LIMIT
    with pytest.raises(NotFound):
        paginate(ROWS, page(marker="zzz"))


@pytest.mark.parametrize("kw", [{"sort": "bogus"}, {"sort": "size:up"}, {"limit": "-1"},
                                {"limit": "x"}, {"offset": "-3"},
                                {"sort": "size", "sort_key": "size"}])
def test_bad_paging_is_invalid_input(kw: dict[str, str]) -> None:
    with pytest.raises(errors.InvalidInput):
        page(**kw)


@pytest.mark.parametrize(("path", "rewritten", "project"), [
    ("/volume/v3/p1/volumes", "/volume/v3/volumes", "p1"),
    ("/volume/v3/p1/volumes/v/action", "/volume/v3/volumes/v/action", "p1"),
    ("/volume/v3/volumes/detail", "/volume/v3/volumes/detail", None),
    ("/volume/v3/os-quota-sets/p2", "/volume/v3/os-quota-sets/p2", None),
    ("/volume/v3", "/volume/v3", None),
    ("/volume/v3/p1", "/volume/v3/p1", None),
])
def test_project_id_taken_off_the_path(path: str, rewritten: str, project: str | None) -> None:
    scope: dict[str, Any] = {"path": path}
    assert rewrite(scope) is False
    assert scope["path"] == rewritten and scope.get("nubo.url_project_id") == project
