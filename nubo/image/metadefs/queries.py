"""Query parameters of the metadef lists (namespaces, tags), validated up front, and the
keyset condition that continues a sorted list after its marker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, or_

from nubo.image import errors

DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
NAMESPACE_SORT_KEYS = ("namespace", "display_name", "visibility", "protected", "owner",
                       "created_at", "updated_at")
TAG_SORT_KEYS = ("name", "created_at", "updated_at")


def _limit(params: Mapping[str, str], default: int | None) -> int | None:
    raw = params.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.MetadefLimitNotInteger(value=raw) from None
    if value < 0:
        raise errors.MetadefLimitNotPositive()
    return min(value, MAX_LIMIT)


def _sort(params: Mapping[str, str], keys: Sequence[str]) -> tuple[str, bool]:
    key = params.get("sort_key", "created_at")
    if key not in keys:
        raise errors.InvalidMetadefSortKey(sort_key=key, keys=", ".join(keys))
    direction = params.get("sort_dir", "desc")
    if direction not in ("asc", "desc"):
        raise errors.InvalidMetadefSortDir(sort_dir=direction)
    return key, direction == "desc"


@dataclass
class NamespaceQuery:
    limit: int | None = DEFAULT_LIMIT
    marker: str | None = None
    sort_key: str = "created_at"
    desc: bool = True
    visibility: str | None = None
    resource_types: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> NamespaceQuery:
        visibility = params.get("visibility") or None
        if visibility not in (None, "public", "private"):
            raise errors.InvalidMetadefVisibility(visibility=visibility)
        key, desc = _sort(params, NAMESPACE_SORT_KEYS)
        types = [t.strip() for t in (params.get("resource_types") or "").split(",")]
        return cls(limit=_limit(params, DEFAULT_LIMIT), marker=params.get("marker") or None,
                   sort_key=key, desc=desc, visibility=visibility,
                   resource_types=[t for t in types if t])


@dataclass
class TagQuery:
    limit: int | None = None
    marker: str | None = None
    sort_key: str = "created_at"
    desc: bool = True

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> TagQuery:
        key, desc = _sort(params, TAG_SORT_KEYS)
        return cls(limit=_limit(params, None), marker=params.get("marker") or None,
                   sort_key=key, desc=desc)


def after(columns: Sequence[Any], values: Sequence[Any], desc: bool) -> Any:
    """Rows strictly after the marker whose sort columns hold `values`, in the list's order
    (columns are non-null, the last one unique)."""
    clauses = []
    for i, (col, value) in enumerate(zip(columns, values, strict=True)):
        beyond = col < value if desc else col > value
        clauses.append(and_(*[c == v for c, v in zip(columns[:i], values[:i], strict=True)],
                            beyond))
    return or_(false(), *clauses)
