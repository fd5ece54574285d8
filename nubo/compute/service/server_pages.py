"""A page of a project's servers, newest first, limited in SQL: what a console's list shows.

`ServerService.list_servers` serves GET /servers with every filter the API has, some of them
applied in Python, so it loads every row of the project before it pages. A console showing
the newest 100 of 1,000 servers needs none of those filters: this reads those 100 rows and
their addresses only."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from nubo.compute.models import Instance
from nubo.compute.service.networking import ComputeNetworking
from nubo.compute.service.server_view import ServerView
from nubo.core.context import RequestContext
from nubo.core.db import Database


class ServerPages:
    def __init__(self, db: Database, networking: ComputeNetworking) -> None:
        self.db = db
        self.networking = networking

    async def newest(self, ctx: RequestContext, limit: int, marker: str | None = None
                     ) -> list[ServerView]:
        """Up to `limit` servers of the caller's project (not deleted), newest first, after
        the server `marker` (a marker not among them: from the newest)."""
        stmt = select(Instance).where(Instance.project_id == ctx.project_id,
                                      Instance.deleted.is_(False))
        async with self.db.read() as s:
            after = await s.get(Instance, marker) if marker else None
            if after is not None and after.project_id == ctx.project_id:
                stmt = stmt.where(or_(Instance.created_at < after.created_at, and_(
                    Instance.created_at == after.created_at, Instance.id < after.id)))
            stmt = stmt.order_by(Instance.created_at.desc(), Instance.id.desc()).limit(limit)
            rows = list((await s.execute(stmt)).scalars())
        addresses = await self.networking.addresses([r.id for r in rows])
        return [ServerView(r, {}, addresses=addresses[r.id]) for r in rows]
