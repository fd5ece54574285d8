"""Glance's tasks: one `api_image_import` task per import (glance-direct), recorded as Glance's
images.import_image does (input: image_id, import_req, backend; owner, user and request ids),
processing until the import ends in success (result {"image_id": ...}) or failure (message).
A finished task expires after task_time_to_live (48 h by default) and is then no longer
listed. Visibility is Glance's _is_task_visible: an admin sees all, others their project's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from nubo.core.context import RequestContext
from nubo.core.db import Database, utcnow
from nubo.image import errors
from nubo.image import models as m

#: Glance's [task] task_time_to_live (hours)
TIME_TO_LIVE = timedelta(hours=48)
STATUSES = ("pending", "processing", "success", "failure")
SORT_KEYS = ("created_at", "updated_at", "id", "type", "status", "owner", "expires_at")


@dataclass(frozen=True)
class TaskQuery:
    """GET /v2/tasks: Glance's filters (status, type), sort and page."""
    status: str | None = None
    type: str | None = None
    sort_key: str = "created_at"
    sort_dir: str = "desc"
    limit: int = 25
    marker: str | None = None


class TaskStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def start_import(self, ctx: RequestContext, image_id: str,
                           import_req: dict[str, Any]) -> str:
        task = m.ImageTask(
            id=str(uuid.uuid4()), type="api_image_import", status="processing",
            owner=ctx.project_id, image_id=image_id, user_id=ctx.user_id,
            request_id=ctx.request_id, message="",
            input={"image_id": image_id, "import_req": import_req, "backend": None})
        async with self.db.write() as s:
            s.add(task)
        return task.id

    async def finish(self, image_id: str, error: str | None) -> None:
        """The image's processing tasks succeed (or fail with `error`)."""
        now = utcnow()
        async with self.db.write() as s:
            rows = (await s.execute(select(m.ImageTask).where(
                m.ImageTask.image_id == image_id,
                m.ImageTask.status == "processing"))).scalars()
            for t in rows:
                t.status = "failure" if error else "success"
                t.result = None if error else {"image_id": image_id}
                t.message = error or ""
                t.updated_at, t.expires_at = now, now + TIME_TO_LIVE

    def _visible(self, ctx: RequestContext, q: Any) -> Any:
        q = q.where(or_(m.ImageTask.expires_at.is_(None), m.ImageTask.expires_at >= utcnow()))
        if ctx.is_admin:
            return q
        return q.where(or_(m.ImageTask.owner.is_(None), m.ImageTask.owner == ctx.project_id))

    async def get(self, ctx: RequestContext, task_id: str) -> m.ImageTask:
        async with self.db.read() as s:
            t = (await s.execute(self._visible(ctx, select(m.ImageTask).where(
                m.ImageTask.id == task_id)))).scalars().first()
        if t is None:
            raise errors.TaskNotFound(task_id=task_id)
        return t

    async def of_image(self, ctx: RequestContext, image_id: str) -> list[m.ImageTask]:
        async with self.db.read() as s:
            return list((await s.execute(self._visible(ctx, select(m.ImageTask).where(
                m.ImageTask.image_id == image_id)).order_by(m.ImageTask.created_at))).scalars())

    async def list_(self, ctx: RequestContext, f: TaskQuery) -> list[m.ImageTask]:
        q = self._visible(ctx, select(m.ImageTask))
        if f.status:
            q = q.where(m.ImageTask.status == f.status)
        if f.type:
            q = q.where(m.ImageTask.type == f.type)
        col = getattr(m.ImageTask, f.sort_key)
        desc = f.sort_dir == "desc"
        async with self.db.read() as s:
            if f.marker:
                mk = (await s.execute(self._visible(ctx, select(m.ImageTask).where(
                    m.ImageTask.id == f.marker)))).scalars().first()
                if mk is None:
                    raise errors.TaskMarkerNotFound(marker=f.marker)
                v: datetime | str | None = getattr(mk, f.sort_key)
                after = or_(col < v, (col == v) & (m.ImageTask.id < mk.id)) if desc else \
                    or_(col > v, (col == v) & (m.ImageTask.id > mk.id))
                q = q.where(after)
            order = (col.desc(), m.ImageTask.id.desc()) if desc else (col.asc(),
                                                                     m.ImageTask.id.asc())
            return list((await s.execute(q.order_by(*order).limit(f.limit))).scalars())
