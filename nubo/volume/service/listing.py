"""Sorting and paging of volume and snapshot lists, with Cinder's rules: `sort=key:dir,...`
(or `sort_key`/`sort_dir`), newest first by default, `marker` the last id of the previous
page, `limit` at most `osapi_max_limit` (1000)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Protocol, TypeVar

from nubo.volume import errors

MAX_LIMIT = 1000


class Row(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=Row)


@dataclass(frozen=True)
class Page:
    sort: tuple[tuple[str, str], ...] = (("created_at", "desc"), ("id", "desc"))
    limit: int | None = None
    marker: str | None = None
    offset: int = 0


def parse_page(sort: str | None, sort_key: str | None, sort_dir: str | None,
               limit: str | None, marker: str | None, offset: str | None,
               keys: frozenset[str]) -> Page:
    pairs: list[tuple[str, str]] = []
    if sort:
        if sort_key or sort_dir:
            raise errors.InvalidInput(
                reason="The 'sort_key' and 'sort_dir' parameters are deprecated and "
                       "cannot be used with the 'sort' parameter.")
        for part in sort.split(","):
            key, _, direction = part.strip().partition(":")
            pairs.append((key.strip(), (direction or "desc").strip().lower()))
    elif sort_key or sort_dir:
        pairs.append((sort_key or "created_at", (sort_dir or "desc").lower()))
    #: Cinder's v1 names of the columns (its API maps them as it sorts)
    pairs = [({"display_name": "name", "display_description": "description"}.get(k, k), d)
             for k, d in pairs]
    for key, direction in pairs:
        if key not in keys:
            raise errors.InvalidInput(reason=f"Invalid sort key {key}; valid keys are "
                                             f"{', '.join(sorted(keys))}.")
        if direction not in ("asc", "desc"):
            raise errors.InvalidInput(
                reason=f"Unknown sort direction, must be 'desc' or 'asc': {direction}")
    if not pairs:
        pairs = [("created_at", "desc")]
    if "id" not in [k for k, _ in pairs]:
        pairs.append(("id", pairs[-1][1]))
    return Page(tuple(pairs), _int(limit, "limit"), marker, _int(offset, "offset") or 0)


def _int(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        n = int(value)
    except ValueError:
        raise errors.InvalidInput(reason=f"{name} param must be an integer") from None
    if n < 0:
        raise errors.InvalidInput(reason=f"{name} param must be positive")
    return min(n, MAX_LIMIT) if name == "limit" else n


def _key(value: Any) -> tuple[int, Any]:
    """None sorts first (as NULLs in Cinder's MySQL ordering), then by value."""
    if value is None:
        return (0, "")
    if isinstance(value, datetime):
        return (1, value.timestamp())
    return (1, value)


def _attr(key: str, row: Row) -> tuple[int, Any]:
    return _key(getattr(row, key, None))


def paginate(rows: Sequence[R], page: Page) -> list[R]:
    out = list(rows)
    for key, direction in reversed(page.sort):
        out.sort(key=partial(_attr, key), reverse=direction == "desc")
    if page.marker is not None:
        ids = [r.id for r in out]
        if page.marker not in ids:
            raise errors.MarkerNotFound(marker=page.marker)
        out = out[ids.index(page.marker) + 1:]
    out = out[page.offset:]
    limit = MAX_LIMIT if page.limit is None else page.limit
    return out[:limit]
