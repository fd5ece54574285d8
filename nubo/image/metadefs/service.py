"""Metadef records: namespaces and their objects, properties, tags and resource-type
associations, as Glance's metadef API keeps them.

Who sees a namespace follows Glance: admins see all; others see public namespaces and their
own project's. One they cannot see is a 404. A protected namespace cannot be deleted, nor can
anything in it (its contents may still be added to and changed). Bodies reach this layer
validated against `schemas.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import Database, utcnow
from nubo.core.errors import Conflict
from nubo.image import errors
from nubo.image.metadefs import defaults
from nubo.image.metadefs import models as m
from nubo.image.metadefs.queries import NamespaceQuery, TagQuery, after

NS = m.MetadefNamespace
LINK = m.MetadefNamespaceResourceType
RT = m.MetadefResourceType
Child = TypeVar("Child", m.MetadefObject, m.MetadefProperty, m.MetadefTag)
ContentKind = Literal["objects", "properties", "tags"]

CONTENTS: dict[str, type[m.MetadefObject] | type[m.MetadefProperty] | type[m.MetadefTag]] = {
    "objects": m.MetadefObject, "properties": m.MetadefProperty, "tags": m.MetadefTag}
_WHAT = {m.MetadefObject: "object", m.MetadefProperty: "property", m.MetadefTag: "tag"}


@dataclass
class Association:
    """A namespace's association with a resource type, by the resource type's name."""

    name: str
    link: LINK


@dataclass
class NamespaceDetail:
    ns: NS
    associations: list[Association] = field(default_factory=list)
    properties: list[m.MetadefProperty] = field(default_factory=list)
    objects: list[m.MetadefObject] = field(default_factory=list)
    tags: list[m.MetadefTag] = field(default_factory=list)


def _not_found(name: str) -> errors.MetadefNamespaceNotFound:
    return errors.MetadefNamespaceNotFound(namespace_name=name)


def _duplicates(names: Iterable[str], what: str, namespace: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise errors.MetadefDuplicateInRequest(what=what, name=name, namespace=namespace)
        seen.add(name)


class MetadefService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._seeded = False
        self._seed_lock = asyncio.Lock()

    # ------------------------------------------------------------------ sessions, seeding

    async def _ready(self) -> None:
        """Load the defaults once per deployment, on first use. Resource types cannot be
        deleted through the API, so none at all means a catalog never seeded (a namespace an
        admin deleted stays deleted). A replica losing the race to seed sees a conflict, and
        then the other's data."""
        if self._seeded:
            return
        async with self._seed_lock:
            if self._seeded:
                return
            try:
                async with self.db.write() as s:
                    if (await s.execute(select(RT.id).limit(1))).first() is None:
                        await self._seed(s)
            except Conflict:
                pass
            self._seeded = True

    async def _seed(self, s: AsyncSession) -> None:
        now = utcnow()
        s.add_all([RT(name=name, protected=True, created_at=now, updated_at=now)
                   for name in defaults.RESOURCE_TYPES])
        await s.flush()
        for body in defaults.NAMESPACES:
            await self._add_namespace(s, body, defaults.OWNER)

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncSession]:
        await self._ready()
        async with self.db.read() as s:
            yield s

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        await self._ready()
        async with self.db.write() as s:
            yield s

    # ------------------------------------------------------------------ visibility

    @staticmethod
    def _visible_clause(ctx: RequestContext) -> Any:
        if ctx.is_admin:
            return True
        if ctx.project_id is None:
            return NS.visibility == "public"
        return (NS.visibility == "public") | (NS.owner == ctx.project_id)

    async def _ns(self, s: AsyncSession, ctx: RequestContext, name: str) -> NS:
        ns = (await s.execute(select(NS).where(NS.namespace == name,
                                               self._visible_clause(ctx)))).scalar_one_or_none()
        if ns is None:
            raise _not_found(name)
        return ns

    async def _associations(self, s: AsyncSession, ns_ids: list[int]
                            ) -> dict[int, list[Association]]:
        out: dict[int, list[Association]] = {i: [] for i in ns_ids}
        if ns_ids:
            rows = await s.execute(select(LINK, RT.name).join(RT, RT.id == LINK.resource_type_id)
                                   .where(LINK.namespace_id.in_(ns_ids))
                                   .order_by(LINK.created_at, RT.id))
            for link, name in rows:
                out[link.namespace_id].append(Association(name, link))
        return out

    async def _children(self, s: AsyncSession, model: type[Child], ns: NS) -> list[Child]:
        rows = await s.execute(select(model).where(model.namespace_id == ns.id)
                               .order_by(model.id))
        return list(rows.scalars())

    async def _child(self, s: AsyncSession, model: type[Child], ns: NS, name: str) -> Child:
        found = (await s.execute(select(model).where(
            model.namespace_id == ns.id, model.name == name))).scalar_one_or_none()
        if found is None:
            raise errors.MetadefContentNotFound(what=_WHAT[model], name=name,
                                                namespace_name=ns.namespace)
        return found

    async def _free(self, s: AsyncSession, model: type[Child], ns: NS, name: str) -> None:
        taken = await s.execute(select(model.id).where(model.namespace_id == ns.id,
                                                       model.name == name))
        if taken.first() is not None:
            raise errors.MetadefDuplicate(what=_WHAT[model], name=name, namespace_name=ns.namespace)

    @staticmethod
    def _unprotected(ns: NS, what: str) -> None:
        if ns.protected:
            raise errors.ProtectedMetadefContentDelete(what=what, namespace=ns.namespace)

    # ------------------------------------------------------------------ namespaces

    async def namespace(self, ctx: RequestContext, name: str) -> NS:
        async with self._read() as s:
            return await self._ns(s, ctx, name)

    async def list_namespaces(self, ctx: RequestContext, q: NamespaceQuery
                              ) -> list[tuple[NS, list[Association]]]:
        async with self._read() as s:
            stmt = select(NS).where(self._visible_clause(ctx))
            if q.visibility:
                stmt = stmt.where(NS.visibility == q.visibility)
            if q.resource_types:
                stmt = stmt.where(exists().where(
                    LINK.namespace_id == NS.id, LINK.resource_type_id == RT.id,
                    RT.name.in_(q.resource_types)))
            cols, values = _namespace_order(q.sort_key)
            if q.marker:
                stmt = stmt.where(after(cols, values(await self._ns(s, ctx, q.marker)), q.desc))
            stmt = stmt.order_by(*[c.desc() if q.desc else c.asc() for c in cols])
            if q.limit is not None:
                stmt = stmt.limit(q.limit)
            found = list((await s.execute(stmt)).scalars())
            links = await self._associations(s, [n.id for n in found])
            return [(n, links[n.id]) for n in found]

    async def show_namespace(self, ctx: RequestContext, name: str) -> NamespaceDetail:
        async with self._read() as s:
            ns = await self._ns(s, ctx, name)
            return NamespaceDetail(
                ns, (await self._associations(s, [ns.id]))[ns.id],
                await self._children(s, m.MetadefProperty, ns),
                await self._children(s, m.MetadefObject, ns),
                await self._children(s, m.MetadefTag, ns))

    async def create_namespace(self, body: dict[str, Any], owner: str) -> NamespaceDetail:
        """A namespace with everything nested in `body`, all or nothing."""
        name = body["namespace"]
        _duplicates([o["name"] for o in body.get("objects") or []], "object", name)
        _duplicates([t["name"] for t in body.get("tags") or []], "tag", name)
        _duplicates([a["name"] for a in body.get("resource_type_associations") or []],
                    "resource type association", name)
        async with self._write() as s:
            if (await s.execute(select(NS.id).where(NS.namespace == name))).first():
                raise errors.MetadefDuplicateNamespace(namespace_name=name)
            return await self._add_namespace(s, body, owner)

    async def _add_namespace(self, s: AsyncSession, body: dict[str, Any], owner: str
                             ) -> NamespaceDetail:
        now = utcnow()
        ns = NS(namespace=body["namespace"], display_name=body.get("display_name"),
                description=body.get("description"),
                visibility=body.get("visibility") or "private",
                protected=bool(body.get("protected", False)), owner=owner,
                created_at=now, updated_at=now)
        s.add(ns)
        await s.flush()
        detail = NamespaceDetail(ns)
        for assoc in body.get("resource_type_associations") or []:
            detail.associations.append(await self._associate(s, ns, assoc))
        for pname, definition in (body.get("properties") or {}).items():
            prop = m.MetadefProperty(namespace_id=ns.id, name=pname,
                                     definition=_definition(definition),
                                     created_at=now, updated_at=now)
            s.add(prop)
            detail.properties.append(prop)
        for obj in body.get("objects") or []:
            new = _object(ns, obj)
            s.add(new)
            detail.objects.append(new)
        for tag in body.get("tags") or []:
            t = m.MetadefTag(namespace_id=ns.id, name=tag["name"], created_at=now,
                             updated_at=now)
            s.add(t)
            detail.tags.append(t)
        await s.flush()
        return detail

    async def update_namespace(self, ctx: RequestContext, name: str, body: dict[str, Any],
                               owner: str) -> NS:
        """Replace the namespace's own fields (Glance's PUT: what is left out is reset)."""
        async with self._write() as s:
            ns = await self._ns(s, ctx, name)
            new_name = body["namespace"]
            if new_name != ns.namespace and (await s.execute(
                    select(NS.id).where(NS.namespace == new_name))).first():
                raise errors.MetadefNamespaceNameTaken(namespace_name=new_name)
            ns.namespace = new_name
            ns.display_name = body.get("display_name")
            ns.description = body.get("description")
            ns.visibility = body.get("visibility") or "private"
            ns.protected = bool(body.get("protected", False))
            ns.owner = owner
            ns.updated_at = utcnow()
            return ns

    async def delete_namespace(self, ctx: RequestContext, name: str) -> None:
        async with self._write() as s:
            ns = await self._ns(s, ctx, name)
            if ns.protected:
                raise errors.ProtectedMetadefNamespaceDelete(namespace=name)
            for model in (*CONTENTS.values(), LINK):
                await s.execute(delete(model).where(model.namespace_id == ns.id))
            await s.delete(ns)

    async def delete_contents(self, ctx: RequestContext, name: str, kind: ContentKind) -> None:
        """Delete all objects, properties or tags of a namespace."""
        model = CONTENTS[kind]
        async with self._write() as s:
            ns = await self._ns(s, ctx, name)
            self._unprotected(ns, kind)
            await s.execute(delete(model).where(model.namespace_id == ns.id))

    # ------------------------------------------------------------------ objects

    async def list_objects(self, ctx: RequestContext, ns_name: str) -> list[m.MetadefObject]:
        async with self._read() as s:
            return await self._children(s, m.MetadefObject, await self._ns(s, ctx, ns_name))

    async def get_object(self, ctx: RequestContext, ns_name: str, name: str
                         ) -> m.MetadefObject:
        async with self._read() as s:
            ns = await self._ns(s, ctx, ns_name)
            return await self._child(s, m.MetadefObject, ns, name)

    async def create_object(self, ctx: RequestContext, ns_name: str, body: dict[str, Any]
                            ) -> m.MetadefObject:
        async with self._write() as s:
            ns = await self._ns(s, ctx, ns_name)
            await self._free(s, m.MetadefObject, ns, body["name"])
            obj = _object(ns, body)
            s.add(obj)
            return obj

    async def update_object(self, ctx: RequestContext, ns_name: str, name: str,
                            body: dict[str, Any]) -> m.MetadefObject:
        async with self._write() as s:
            ns = await self._ns(s, ctx, ns_name)
            obj = await self._child(s, m.MetadefObject, ns, name)
            if body["name"] != obj.name:
                await self._free(s, m.MetadefObject, ns, body["name"])
            obj.name = body["name"]
            obj.description = body.get("description")
            obj.required = body.get("required")
            obj.properties = {k: _definition(v) for k, v in
                              (body.get("properties") or {}).items()}
            obj.updated_at = utcnow()
            return obj

    async def delete_object(self, ctx: RequestContext, ns_name: str, name: str) -> None:
        async with self._write() as s:
            ns = await self._ns(s, ctx, ns_name)
            obj = await self._child(s, m.MetadefObject, ns, name)
            self._unprotected(ns, f"object {name}")
            await s.delete(obj)

    # ------------------------------------------------------------------ properties

    async def list_properties(self, ctx: RequestContext, ns_name: str
                              ) -> list[m.MetadefProperty]:
        async with self._read() as s:
            return await self._children(s, m.MetadefProperty, await self._ns(s, ctx, ns_name))

    async def get_property(self, ctx: RequestContext, ns_name: str, name: str,
                           resource_type: str | None = None) -> m.MetadefProperty:
        """A property by name; with `resource_type`, by its name as that resource type sees
        it (with the association's prefix)."""
        async with self._read() as s:
            ns = await self._ns(s, ctx, ns_name)
            if resource_type:
                assoc = next((a for a in (await self._associations(s, [ns.id]))[ns.id]
                              if a.name == resource_type), None)
                if assoc is None:
                    raise errors.MetadefNamespaceNotAssociated(namespace=ns_name,
                                                           resource_type=resource_type)
                prefix = assoc.link.prefix or ""
                if not name.startswith(prefix):
                    raise errors.MetadefPropertyPrefixMismatch(name=name, prefix=prefix)
                name = name[len(prefix):]
            return await self._child(s, m.MetadefProperty, ns, name)

    async def create_property(self, ctx: RequestContext, ns_name: str, body: dict[str, Any]
                              ) -> m.MetadefProperty:
        async with self._write() as s:
            ns = await self._ns(s, ctx, ns_name)
            await self._free(s, m.MetadefProperty, ns, body["name"])
            now = utcnow()
            prop = m.MetadefProperty(namespace_id=ns.id, name=body["name"],
                                     definition=_definition(body), created_at=now,
                                     updated_at=now)
            s.add(prop)
            return prop

    async def update_property(self, ctx: RequestContext, ns_name: str, name: str,
                              body: dict[str, Any]) -> m.MetadefProperty:
        async with self._write() as s:
            ns = await self._ns(s, ctx, ns_name)
            prop = await self._child(s, m.MetadefProperty, ns, name)
            if body["name"] != prop.name:
                await self._free(s, m.MetadefProperty, ns, body["name"])
            prop.name = body["name"]
            prop.definition = _definition(body)
            prop.updated_at = utcnow()
            return prop

    async def delete_property(self, ctx: RequestContext, ns_name: str, name: str) -> None:
        async with self._write() as s:
            ns = await self._ns(s, ctx, ns_name)
            prop = await self._child(s, m.MetadefProperty, ns, name)
            self._unprotected(ns, f"property {name}")
            await s.delete(prop)

    # ------------------------------------------------------------------ tags

    async def list_tags(self, ctx: RequestContext, ns_name: str, q: TagQuery
                        ) -> list[m.MetadefTag]:
        T = m.MetadefTag
        async with self._read() as s:
            ns = await self._ns(s, ctx, ns_name)
            stmt = select(T).where(T.namespace_id == ns.id)
            cols = [getattr(T, q.sort_key), T.id] if q.sort_key == "name" \
                else [getattr(T, q.sort_key), T.created_at, T.id]
            if q.marker:
                marker = await self._child(s, T, ns, q.marker)
                stmt = stmt.where(after(cols, [getattr(marker, c.key) for c in cols], q.desc))
            stmt = stmt.order_by(*[c.desc() if q.desc else c.asc() for c in cols])
            if q.limit is not None:
                stmt = stmt.limit(q.limit)
            return list((await s.execute(stmt)).scalars())

    async def get_tag(self, ctx: RequestContext, ns_name: str, name: str) -> m.MetadefTag:
        async with self._read() as s:
            return await self._child(s, m.MetadefTag, await self._ns(s, ctx, ns_name), name)

    async def create_tags(self, ctx: RequestContext, ns_name: str, names: list[str],
                          append: bool) -> list[m.MetadefTag]:
        """Add tags; unless `append`, they replace all the namespace's tags. An empty list
        changes nothing (as in Glance)."""
        _duplicates(names, "tag", ns_name)
        async with self._write() as s:
            ns = await self._ns(s, ctx, ns_name)
            if not names:
                return []
            if append:
                for name in names:
                    await self._free(s, m.MetadefTag, ns, name)
            else:
                await s.execute(delete(m.MetadefTag).where(m.MetadefTag.namespace_id == ns.id))
            now = utcnow()
            tags = [m.MetadefTag(namespace_id=ns.id, name=n, created_at=now, updated_at=now)
                    for n in names]
            s.add_all(tags)
            return tags

    async def update_tag(self, ctx: RequestContext, ns_name: str, name: str, new_name: str
                         ) -> m.MetadefTag:
        async with self._write() as s:
            ns = await self._ns(s, ctx, ns_name)
            tag = await self._child(s, m.MetadefTag, ns, name)
            if new_name != tag.name:
                await self._free(s, m.MetadefTag, ns, new_name)
            tag.name = new_name
            tag.updated_at = utcnow()
            return tag

    async def delete_tag(self, ctx: RequestContext, ns_name: str, name: str) -> None:
        async with self._write() as s:
            ns = await self._ns(s, ctx, ns_name)
            tag = await self._child(s, m.MetadefTag, ns, name)
            self._unprotected(ns, f"tag {name}")
            await s.delete(tag)

    # ------------------------------------------------------------------ resource types

    async def list_resource_types(self) -> list[RT]:
        async with self._read() as s:
            return list((await s.execute(select(RT).order_by(RT.id))).scalars())

    async def list_associations(self, ctx: RequestContext, ns_name: str) -> list[Association]:
        async with self._read() as s:
            ns = await self._ns(s, ctx, ns_name)
            return (await self._associations(s, [ns.id]))[ns.id]

    async def associate(self, ctx: RequestContext, ns_name: str, body: dict[str, Any]
                        ) -> Association:
        async with self._write() as s:
            return await self._associate(s, await self._ns(s, ctx, ns_name), body)

    async def _associate(self, s: AsyncSession, ns: NS, body: dict[str, Any]) -> Association:
        """Associate; a resource type not known yet comes into being (as in Glance)."""
        name = body["name"]
        rt = (await s.execute(select(RT).where(RT.name == name))).scalar_one_or_none()
        now = utcnow()
        if rt is None:
            rt = RT(name=name, protected=False, created_at=now, updated_at=now)
            s.add(rt)
            await s.flush()
        elif await s.get(LINK, (ns.id, rt.id)) is not None:
            raise errors.MetadefDuplicateResourceTypeAssociation(resource_type_name=name,
                                                                 namespace_name=ns.namespace)
        link = LINK(namespace_id=ns.id, resource_type_id=rt.id, prefix=body.get("prefix"),
                    properties_target=body.get("properties_target"), created_at=now,
                    updated_at=now)
        s.add(link)
        return Association(name, link)

    async def dissociate(self, ctx: RequestContext, ns_name: str, rt_name: str) -> None:
        async with self._write() as s:
            ns = await self._ns(s, ctx, ns_name)
            link = (await s.execute(select(LINK).join(RT, RT.id == LINK.resource_type_id).where(
                LINK.namespace_id == ns.id, RT.name == rt_name))).scalar_one_or_none()
            if link is None:
                raise errors.MetadefResourceTypeAssociationNotFound(resource_type=rt_name,
                                                                namespace=ns_name)
            self._unprotected(ns, f"resource type association {rt_name}")
            await s.delete(link)


def _namespace_order(key: str) -> tuple[list[Any], Callable[[NS], list[Any]]]:
    """The columns a namespace list is sorted by (ending in a unique one), and how to read
    their values off a marker namespace. NULL display names sort as empty ones."""
    if key == "created_at":
        return [NS.created_at, NS.id], lambda n: [n.created_at, n.id]
    if key == "display_name":
        return ([func.coalesce(NS.display_name, ""), NS.created_at, NS.id],
                lambda n: [n.display_name or "", n.created_at, n.id])
    return ([getattr(NS, key), NS.created_at, NS.id],
            lambda n: [getattr(n, key), n.created_at, n.id])


def _definition(body: dict[str, Any]) -> dict[str, Any]:
    """A property definition as stored: everything but its name (the row has that)."""
    return {k: v for k, v in body.items() if k != "name"}


def _object(ns: NS, body: dict[str, Any]) -> m.MetadefObject:
    now = utcnow()
    return m.MetadefObject(
        namespace_id=ns.id, name=body["name"], description=body.get("description"),
        required=body.get("required"),
        properties={k: _definition(v) for k, v in (body.get("properties") or {}).items()},
        created_at=now, updated_at=now)
