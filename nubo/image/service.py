"""Image records: create, list, show, update (JSON patch), delete, (de)activate, tags, members.

Who sees an image follows Glance: admins see everything; others see public and community
images, their own project's images, and shared images they are a member of. An image they
cannot see is a 404; one they can see but not change is a 403.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import Database, utcnow
from nubo.core.errors import NotFound
from nubo.image import errors
from nubo.image import models as m
from nubo.image.listing import ListQuery

#: attributes that live in columns; anything else is a free-form string property
CORE = {"id", "name", "status", "visibility", "protected", "os_hidden", "owner", "disk_format",
        "container_format", "size", "virtual_size", "checksum", "os_hash_algo",
        "os_hash_value", "min_disk", "min_ram", "created_at", "updated_at", "tags", "self",
        "file", "schema", "locations", "direct_url", "stores"}
READ_ONLY = {"status", "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value",
             "created_at", "updated_at", "self", "file", "schema", "direct_url", "locations",
             "stores"}
SETTABLE = {"name", "visibility", "protected", "os_hidden", "disk_format", "container_format",
            "min_disk", "min_ram", "owner"}
SORT_KEYS = {"name", "status", "container_format", "disk_format", "size", "id", "created_at",
             "updated_at", "visibility", "owner", "min_disk", "min_ram", "virtual_size"}


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False


@dataclass
class ImageView:
    """An image with its properties and tags, as handlers render it."""

    image: m.Image
    properties: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


@dataclass
class Quotas:
    images: int
    bytes: int
    properties: int
    tags: int
    members: int


class ImageService:
    def __init__(self, db: Database, quotas: Quotas,
                 on_delete: Callable[[m.Image], None]) -> None:
        self.db = db
        self.quotas = quotas
        self._on_delete = on_delete

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        async with self.db.write() as s:
            yield s

    # ------------------------------------------------------------------ visibility

    @staticmethod
    def _visible_clause(ctx: RequestContext) -> Any:
        if ctx.is_admin:
            return True
        member = exists().where(m.ImageMember.image_id == m.Image.id,
                                m.ImageMember.member == ctx.project_id)
        return or_(m.Image.visibility.in_(("public", "community")),
                   m.Image.owner == ctx.project_id,
                   and_(m.Image.visibility == "shared", member))

    async def _load(self, s: AsyncSession, ctx: RequestContext, image_id: str) -> m.Image:
        img = await s.get(m.Image, image_id) if _uuid(image_id) else None
        if img is None or not await self._can_see(s, ctx, img):
            raise errors.ImageNotFound(image_id=image_id)
        return img

    async def _can_see(self, s: AsyncSession, ctx: RequestContext, img: m.Image) -> bool:
        if ctx.is_admin or img.visibility in ("public", "community") or \
                img.owner == ctx.project_id:
            return True
        if img.visibility == "shared" and ctx.project_id:
            return await s.get(m.ImageMember, (img.id, ctx.project_id)) is not None
        return False

    @staticmethod
    def owns(ctx: RequestContext, img: m.Image) -> bool:
        return ctx.is_admin or (img.owner is not None and img.owner == ctx.project_id)

    def _must_own(self, ctx: RequestContext, img: m.Image, what: str) -> None:
        if not self.owns(ctx, img):
            raise errors.ForeignImageForbidden(action=what, image_id=img.id)

    async def _view(self, s: AsyncSession, img: m.Image) -> ImageView:
        props = {p.name: p.value for p in (await s.execute(select(m.ImageProperty).where(
            m.ImageProperty.image_id == img.id))).scalars()}
        tags = sorted((await s.execute(select(m.ImageTag.value).where(
            m.ImageTag.image_id == img.id))).scalars().all())
        return ImageView(img, props, tags)

    # ------------------------------------------------------------------ create / read

    async def create(self, ctx: RequestContext, data: dict[str, Any]) -> ImageView:
        props = {k: v for k, v in data.items() if k not in CORE}
        tags = list(dict.fromkeys(data.get("tags") or []))
        self._check_counts(props, tags)
        image_id = data.get("id") or str(uuid.uuid4())
        owner = data.get("owner") if ctx.is_admin and data.get("owner") else ctx.project_id
        async with self._write() as s:
            if self.quotas.images:
                count = (await s.execute(select(func.count()).select_from(m.Image).where(
                    m.Image.owner == owner))).scalar_one()
                if count >= self.quotas.images:
                    raise errors.LimitExceeded(owner=owner, limit=self.quotas.images)
            if await s.get(m.Image, image_id) is not None:
                raise errors.Duplicate(image_id=image_id)
            now = utcnow()
            img = m.Image(id=image_id, name=data.get("name"), status="queued",
                          visibility=data.get("visibility") or "shared",
                          protected=bool(data.get("protected", False)),
                          os_hidden=bool(data.get("os_hidden", False)), owner=owner,
                          disk_format=data.get("disk_format"),
                          container_format=data.get("container_format"),
                          min_disk=data.get("min_disk") or 0, min_ram=data.get("min_ram") or 0,
                          created_at=now, updated_at=now)
            s.add(img)
            for k, v in props.items():
                s.add(m.ImageProperty(image_id=image_id, name=k, value=v))
            for t in tags:
                s.add(m.ImageTag(image_id=image_id, value=t))
            return ImageView(img, props, sorted(tags))

    def _check_counts(self, props: dict[str, Any], tags: list[str]) -> None:
        if self.quotas.properties and len(props) > self.quotas.properties:
            raise errors.ImagePropertyLimitExceeded(limit=self.quotas.properties)
        if self.quotas.tags and len(tags) > self.quotas.tags:
            raise errors.ImageTagLimitExceeded(limit=self.quotas.tags)

    async def get(self, ctx: RequestContext, image_id: str) -> ImageView:
        async with self.db.read() as s:
            return await self._view(s, await self._load(s, ctx, image_id))

    async def list_images(self, ctx: RequestContext, q: ListQuery) -> list[ImageView]:
        async with self.db.read() as s:
            stmt = q.statement(select(m.Image).where(self._visible_clause(ctx)), ctx)
            if q.marker:
                marker = await self._load_marker(s, ctx, q.marker)
                stmt = stmt.where(q.after(marker))
            images = list((await s.execute(stmt.limit(q.limit))).scalars().all())
            ids = [i.id for i in images]
            props: dict[str, dict[str, str]] = {i: {} for i in ids}
            tags: dict[str, list[str]] = {i: [] for i in ids}
            if ids:
                for p in (await s.execute(select(m.ImageProperty).where(
                        m.ImageProperty.image_id.in_(ids)))).scalars():
                    props[p.image_id][p.name] = p.value
                for t in (await s.execute(select(m.ImageTag).where(
                        m.ImageTag.image_id.in_(ids)))).scalars():
                    tags[t.image_id].append(t.value)
            return [ImageView(i, props[i.id], sorted(tags[i.id])) for i in images]

    async def _load_marker(self, s: AsyncSession, ctx: RequestContext, marker: str
                           ) -> m.Image:
        try:
            return await self._load(s, ctx, marker)
        except NotFound:
            raise errors.InvalidImageMarker(marker=marker) from None

    # ------------------------------------------------------------------ update

    async def update(self, ctx: RequestContext, image_id: str,
                     ops: list[tuple[str, str, Any]]) -> ImageView:
        """Apply JSON-patch operations (op, attribute, value), all or none."""
        async with self._write() as s:
            img = await self._load(s, ctx, image_id)
            self._must_own(ctx, img, "modify")
            view = await self._view(s, img)
            props, tags = dict(view.properties), list(view.tags)
            for op, attr, value in ops:
                if attr in READ_ONLY or attr == "id":
                    raise errors.ReadonlyProperty(property=attr)
                if attr == "tags":
                    if op == "remove":
                        raise errors.TagsNotRemovable()
                    tags = list(dict.fromkeys(value))
                elif attr in SETTABLE:
                    if op == "remove":
                        raise errors.BaseAttributeNotRemovable(property=attr)
                    if attr == "owner" and not ctx.is_admin:
                        raise errors.OwnerAdminOnly()
                    if attr in ("disk_format", "container_format") and img.status != "queued":
                        raise errors.QueuedOnlyAttribute(property=attr)
                    if attr == "visibility" and value == "public" and not ctx.is_admin:
                        raise errors.PublicizeAdminOnly()
                    setattr(img, attr, value)
                elif op == "remove":
                    if attr not in props:
                        raise errors.PropertyNotFound(property=attr)
                    del props[attr]
                elif op == "add" or attr in props:
                    props[attr] = value
                else:
                    raise errors.PropertyNotFound(property=attr)
            self._check_counts(props, tags)
            await s.execute(delete(m.ImageProperty).where(m.ImageProperty.image_id == img.id))
            await s.execute(delete(m.ImageTag).where(m.ImageTag.image_id == img.id))
            for k, v in props.items():
                s.add(m.ImageProperty(image_id=img.id, name=k, value=v))
            for t in tags:
                s.add(m.ImageTag(image_id=img.id, value=t))
            img.updated_at = utcnow()
            return ImageView(img, props, sorted(tags))

    async def delete(self, ctx: RequestContext, image_id: str) -> None:
        async with self._write() as s:
            img = await self._load(s, ctx, image_id)
            self._must_own(ctx, img, "delete")
            if img.protected:
                raise errors.ProtectedImageDelete(image_id=image_id)
            # An upload still running notices the row is gone and removes what it wrote.
            await s.delete(img)
        self._on_delete(img)

    async def set_active(self, ctx: RequestContext, image_id: str, active: bool) -> None:
        async with self._write() as s:
            img = await self._load(s, ctx, image_id)
            self._must_own(ctx, img, "deactivate" if not active else "reactivate")
            want, allowed = ("active", {"deactivated", "active"}) if active else \
                ("deactivated", {"active", "deactivated"})
            if img.status not in allowed:
                raise errors.ImageActivationConflict(
                    action="reactivate" if active else "deactivate", status=img.status)
            img.status, img.updated_at = want, utcnow()

    # ------------------------------------------------------------------ tags

    async def add_tag(self, ctx: RequestContext, image_id: str, tag: str) -> None:
        async with self._write() as s:
            img = await self._load(s, ctx, image_id)
            self._must_own(ctx, img, "modify")
            if await s.get(m.ImageTag, (image_id, tag)) is None:
                count = (await s.execute(select(func.count()).select_from(m.ImageTag).where(
                    m.ImageTag.image_id == image_id))).scalar_one()
                if self.quotas.tags and count >= self.quotas.tags:
                    raise errors.ImageTagLimitExceeded(limit=self.quotas.tags)
                s.add(m.ImageTag(image_id=image_id, value=tag))
                img.updated_at = utcnow()

    async def delete_tag(self, ctx: RequestContext, image_id: str, tag: str) -> None:
        async with self._write() as s:
            img = await self._load(s, ctx, image_id)
            self._must_own(ctx, img, "modify")
            row = await s.get(m.ImageTag, (image_id, tag))
            if row is None:
                raise errors.ImageTagNotFound(tag=tag)
            await s.delete(row)
            img.updated_at = utcnow()

    # ------------------------------------------------------------------ members

    async def members(self, ctx: RequestContext, image_id: str) -> list[m.ImageMember]:
        async with self.db.read() as s:
            img = await self._load(s, ctx, image_id)
            if img.visibility != "shared":
                raise errors.MembersNotShared()
            q = select(m.ImageMember).where(m.ImageMember.image_id == image_id)
            if not self.owns(ctx, img):      # a member sees only itself
                q = q.where(m.ImageMember.member == ctx.project_id)
            return list((await s.execute(q.order_by(m.ImageMember.created_at))).scalars())

    async def member(self, ctx: RequestContext, image_id: str, member: str) -> m.ImageMember:
        async with self.db.read() as s:
            img = await self._load(s, ctx, image_id)
            row = await s.get(m.ImageMember, (image_id, member))
            if row is None or (not self.owns(ctx, img) and member != ctx.project_id):
                raise errors.ImageMemberNotFound(member=member, image_id=image_id)
            return row

    async def add_member(self, ctx: RequestContext, image_id: str, member: str
                         ) -> m.ImageMember:
        async with self._write() as s:
            img = await self._load(s, ctx, image_id)
            if not self.owns(ctx, img):
                raise errors.MembersOwnerOnly(action="add")
            if img.visibility != "shared":
                raise errors.MembersNotShared()
            if await s.get(m.ImageMember, (image_id, member)) is not None:
                raise errors.DuplicateMember(member=member, image_id=image_id)
            count = (await s.execute(select(func.count()).select_from(m.ImageMember).where(
                m.ImageMember.image_id == image_id))).scalar_one()
            if self.quotas.members and count >= self.quotas.members:
                raise errors.ImageMemberLimitExceeded(limit=self.quotas.members)
            now = utcnow()
            row = m.ImageMember(image_id=image_id, member=member, status="pending",
                                created_at=now, updated_at=now)
            s.add(row)
            return row

    async def set_member_status(self, ctx: RequestContext, image_id: str, member: str,
                                status: str) -> m.ImageMember:
        async with self._write() as s:
            await self._load(s, ctx, image_id)
            row = await s.get(m.ImageMember, (image_id, member))
            if row is None:
                raise errors.ImageMemberNotFound(member=member, image_id=image_id)
            if member != ctx.project_id and not ctx.is_admin:
                raise errors.MemberStatusMemberOnly()
            row.status, row.updated_at = status, utcnow()
            return row

    async def delete_member(self, ctx: RequestContext, image_id: str, member: str) -> None:
        async with self._write() as s:
            img = await self._load(s, ctx, image_id)
            if not self.owns(ctx, img):
                raise errors.MembersOwnerOnly(action="remove")
            row = await s.get(m.ImageMember, (image_id, member))
            if row is None:
                raise errors.ImageMemberNotFound(member=member, image_id=image_id)
            await s.delete(row)

    # ------------------------------------------------------------------ data bookkeeping

    async def usage(self, owner: str | None) -> int:
        async with self.db.read() as s:
            used = (await s.execute(select(func.coalesce(func.sum(m.Image.size), 0)).where(
                m.Image.owner == owner))).scalar_one()
            return int(used or 0)

    async def transition(self, image_id: str, frm: Iterable[str], to: str) -> bool:
        """Atomically move an image between states; False when it was not in `frm`."""
        async with self._write() as s:
            res = await s.execute(update(m.Image).where(
                m.Image.id == image_id, m.Image.status.in_(list(frm))).values(
                status=to, updated_at=utcnow()))
            return bool(res.rowcount)  # type: ignore[attr-defined]

    async def finish_upload(self, image_id: str, frm: str, **values: Any) -> bool:
        async with self._write() as s:
            res = await s.execute(update(m.Image).where(
                m.Image.id == image_id, m.Image.status == frm).values(
                status="active", updated_at=utcnow(), last_error=None, **values))
            return bool(res.rowcount)  # type: ignore[attr-defined]

    async def fail_upload(self, image_id: str, frm: str, error: str) -> None:
        async with self._write() as s:
            await s.execute(update(m.Image).where(
                m.Image.id == image_id, m.Image.status == frm).values(
                status="queued", updated_at=utcnow(), last_error=error))


def _timestamp(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%SZ")


