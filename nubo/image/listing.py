"""GET /v2/images: Glance's filters, sorting and marker pagination, validated up front."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, true
from sqlalchemy.sql import ColumnElement

from nubo.core.context import RequestContext
from nubo.core.validation import INT64_MAX
from nubo.image import errors
from nubo.image import models as m

DEFAULT_LIMIT = 25
SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id", "created_at",
             "updated_at", "visibility", "owner", "min_disk", "min_ram", "virtual_size")
VISIBILITIES = ("public", "private", "shared", "community", "all")
MEMBER_STATUSES = ("pending", "accepted", "rejected", "all")
STATUSES = ("queued", "saving", "active", "killed", "deleted", "pending_delete",
            "deactivated", "uploading", "importing")
#: query keys that are not property filters
RESERVED = {"limit", "marker", "sort_key", "sort_dir", "sort", "name", "id", "status",
            "visibility", "owner", "disk_format", "container_format", "size_min", "size_max",
            "member_status", "tag", "os_hidden", "protected", "created_at", "updated_at"}
_OPS = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__", "eq": "__eq__",
        "neq": "__ne__"}


def _col(key: str) -> Any:
    """Sort/marker column; NULLs coalesced so that keyset comparisons stay total."""
    col = getattr(m.Image, key)
    if key in ("name", "container_format", "disk_format", "owner"):
        return func.coalesce(col, "")
    if key in ("size", "virtual_size"):
        return func.coalesce(col, -1)
    return col


def _int(params: Any, key: str, lo: int = 0, hi: int | None = None) -> int | None:
    if key not in params:
        return None
    try:
        v = int(params[key])
    except ValueError:
        raise errors.InvalidParameterValue(param=key, value=params[key]) from None
    if v < lo:
        raise errors.ParameterBelowMinimum(param=key, minimum=lo)
    if hi is not None and v > hi:
        raise errors.ParameterAboveMaximum(param=key, maximum=hi)
    return v


def _bool(params: Any, key: str) -> bool | None:
    if key not in params:
        return None
    v = params[key].lower()
    if v in ("true", "1", "yes"):
        return True
    if v in ("false", "0", "no"):
        return False
    raise errors.InvalidBooleanParameter(param=key, value=params[key])


def _time_filter(value: str, key: str) -> tuple[str, datetime]:
    op, _, ts = value.partition(":")
    if op not in _OPS or not ts:
        raise errors.InvalidFilterOperator(param=key, operators=", ".join(_OPS))
    try:
        dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        raise errors.InvalidFilterRangeValue(value=ts, param=key) from None
    if dt.tzinfo:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return _OPS[op], dt


class ListQuery:
    def __init__(self, params: Any, max_limit: int = 1000) -> None:
        self.params = params
        self.limit = min(_int(params, "limit") if "limit" in params else DEFAULT_LIMIT,
                         max_limit)  # type: ignore[type-var]
        self.marker: str | None = params.get("marker")
        self.sort = self._sort(params)
        vis = params.get("visibility")
        if vis is not None and vis not in VISIBILITIES:
            raise errors.InvalidVisibility(visibility=vis)
        self.visibility: str | None = vis
        ms = params.get("member_status", "accepted")
        if ms not in MEMBER_STATUSES:
            raise errors.InvalidStatusValue(status=ms)
        self.member_status: str = ms
        st = params.get("status")
        if st is not None and st not in STATUSES:
            raise errors.InvalidStatusValue(status=st)
        # past 64 bits the database cannot even compare a size with it
        self.size_min = _int(params, "size_min", hi=INT64_MAX)
        self.size_max = _int(params, "size_max", hi=INT64_MAX)
        self.os_hidden = _bool(params, "os_hidden")
        self.protected = _bool(params, "protected")
        self.times = [(k, *_time_filter(params[k], k)) for k in ("created_at", "updated_at")
                      if k in params]
        self.tags = params.getlist("tag") if hasattr(params, "getlist") else (
            [params["tag"]] if "tag" in params else [])
        self.properties = {k: v for k, v in params.items() if k not in RESERVED}

    @staticmethod
    def _sort(params: Any) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        if "sort" in params:
            if "sort_key" in params or "sort_dir" in params:
                raise errors.MixedSortSyntax()
            for part in params["sort"].split(","):
                key, _, d = part.strip().partition(":")
                pairs.append((key, d or "desc"))
        else:
            keys = [k for v in (params.getlist("sort_key") if hasattr(params, "getlist")
                                else [params.get("sort_key", "")]) for k in v.split(",") if k]
            dirs = [d for v in (params.getlist("sort_dir") if hasattr(params, "getlist")
                                else [params.get("sort_dir", "")]) for d in v.split(",") if d]
            keys = keys or ["created_at"]
            if len(dirs) > 1 and len(dirs) != len(keys):
                raise errors.SortDirCount()
            pairs = [(k, dirs[i] if len(dirs) > 1 else (dirs[0] if dirs else "desc"))
                     for i, k in enumerate(keys)]
        for key, d in pairs:
            if key not in SORT_KEYS:
                raise errors.InvalidImageSortKey(sort_key=key, keys=", ".join(SORT_KEYS))
            if d not in ("asc", "desc"):
                raise errors.InvalidSortDir(sort_dir=d)
        if "id" not in [k for k, _ in pairs]:
            pairs.append(("id", pairs[-1][1] if pairs else "desc"))
        return pairs

    # ------------------------------------------------------------------ SQL

    def statement(self, stmt: Any, ctx: RequestContext) -> Any:
        p, img = self.params, m.Image
        stmt = stmt.where(self._visibility(ctx))
        for key in ("status", "owner", "disk_format", "container_format"):
            if key in p:
                stmt = stmt.where(getattr(img, key) == p[key])
        for key in ("name", "id"):
            if key in p:
                v = p[key]
                stmt = stmt.where(getattr(img, key).in_(v[3:].split(",")) if v.startswith("in:")
                                  else getattr(img, key) == v)
        if self.size_min is not None:
            stmt = stmt.where(img.size >= self.size_min)
        if self.size_max is not None:
            stmt = stmt.where(img.size <= self.size_max)
        stmt = stmt.where(img.os_hidden.is_(bool(self.os_hidden)))
        if self.protected is not None:
            stmt = stmt.where(img.protected.is_(self.protected))
        for key, op, dt in self.times:
            stmt = stmt.where(getattr(getattr(img, key), op)(dt))
        for tag in self.tags:
            stmt = stmt.where(exists().where(m.ImageTag.image_id == img.id,
                                             m.ImageTag.value == tag))
        for name, value in self.properties.items():
            stmt = stmt.where(exists().where(m.ImageProperty.image_id == img.id,
                                             m.ImageProperty.name == name,
                                             m.ImageProperty.value == value))
        return stmt.order_by(*[_col(k).asc() if d == "asc" else _col(k).desc()
                               for k, d in self.sort])

    def _visibility(self, ctx: RequestContext) -> ColumnElement[bool]:
        img = m.Image
        mine = img.owner == ctx.project_id if ctx.project_id else false()
        member_q = [m.ImageMember.image_id == img.id, m.ImageMember.member == ctx.project_id]
        if self.member_status != "all":
            member_q.append(m.ImageMember.status == self.member_status)
        shared_with_me = and_(img.visibility == "shared", exists().where(*member_q))
        vis = self.visibility
        if vis in ("public", "private", "community"):
            return img.visibility == vis
        if vis == "shared":
            return and_(img.visibility == "shared",
                        or_(mine, shared_with_me) if not ctx.is_admin else true())
        if vis == "all" or ctx.is_admin:
            return true()
        # the default list: no one else's community images, shared ones once accepted
        return or_(img.visibility == "public", mine, shared_with_me)

    def after(self, marker: m.Image) -> ColumnElement[bool]:
        """Rows strictly after the marker in the sort order (keyset pagination)."""
        clauses = []
        for i, (key, d) in enumerate(self.sort):
            col, val = _col(key), _marker_value(marker, key)
            cmp = col > val if d == "asc" else col < val
            equal = [_col(k) == _marker_value(marker, k) for k, _ in self.sort[:i]]
            clauses.append(and_(*equal, cmp))
        return or_(*clauses)


def _marker_value(img: m.Image, key: str) -> Any:
    v = getattr(img, key)
    if v is None:
        return "" if key in ("name", "container_format", "disk_format", "owner") else -1
    return v
