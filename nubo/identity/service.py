"""Identity resources: domains, projects, users, groups, roles and the catalog's records.

Every write goes through `_write`, which marks identity as changed (token caches everywhere
drop what they hold) and records the revocation events that Keystone would.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Base, Database, utcnow
from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.passwords import Hasher
from nubo.identity.revocations import add_event, bump_generation

T = TypeVar("T", bound=Base)

DEFAULT_DOMAIN = "default"
#: Attributes stored in columns; anything else a client sends is kept in `extra`.
_COLUMNS = {
    m.Domain: {"name", "description", "enabled"},
    m.Project: {"name", "description", "enabled", "domain_id", "parent_id"},
    m.User: {"name", "description", "enabled", "domain_id", "default_project_id", "options"},
    m.Group: {"name", "description", "domain_id"},
    m.Role: {"name", "description", "domain_id", "options"},
    m.Region: {"id", "description", "parent_region_id"},
    m.Service: {"type", "name", "description", "enabled"},
    m.Endpoint: {"service_id", "interface", "region_id", "url", "enabled"},
    m.Credential: {"user_id", "project_id", "type"},
    m.Policy: {"type", "blob"},
    m.EndpointGroup: {"name", "description", "filters"},
    m.OAuthConsumer: {"description"},
}
#: Keystone's `[assignment] prohibited_implied_role` default: no role may imply admin.
PROHIBITED_IMPLIED_ROLES = frozenset({"admin"})
_NOT_STORED = {"password", "tags", "is_domain", "explicit_domain_id", "region", "id", "links"}


def new_id() -> str:
    return uuid.uuid4().hex


def _apply(obj: Any, data: dict[str, Any]) -> None:
    cols = _COLUMNS[type(obj)]
    extra = dict(getattr(obj, "extra", None) or {})
    for key, value in data.items():
        if key in cols:
            setattr(obj, key, value)
        elif key not in _NOT_STORED:
            extra[key] = value
    if hasattr(obj, "extra"):
        obj.extra = extra


def _options(current: dict[str, Any] | None, data: dict[str, Any]) -> dict[str, Any]:
    """Resource options after a request: the given ones set, a null one removed (Keystone's
    resource_options_ref_to_mapper)."""
    merged = {**(current or {}), **(data.get("options") or {})}
    return {k: v for k, v in merged.items() if v is not None}


def _as_domain(project: dict[str, Any]) -> dict[str, Any]:
    """A project body with is_domain true, as the domain it creates or updates."""
    return {k: v for k, v in project.items() if k not in ("domain_id", "parent_id", "is_domain")}


class IdentityService:
    def __init__(self, db: Database, hasher: Hasher, on_change: Callable[[], None]) -> None:
        self.db = db
        self.hasher = hasher
        self._on_change = on_change

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        async with self.db.write() as s:
            yield s
            await bump_generation(s)
        self._on_change()

    # ---------------------------------------------------------------------- generic

    async def _get(self, s: AsyncSession, model: type[T], id_: str, kind: str) -> T:
        obj = await s.get(model, id_)
        if obj is None:
            raise errors.NotFound(kind=kind, id=id_)
        return obj

    async def get(self, model: type[T], id_: str, kind: str) -> T:
        async with self.db.read() as s:
            return await self._get(s, model, id_, kind)

    async def _list(self, model: type[T], filters: dict[str, Any]) -> list[T]:
        q = select(model)
        for key, value in filters.items():
            if value is not None:
                q = q.where(getattr(model, key) == value)
        async with self.db.read() as s:
            return list((await s.execute(q.order_by(model.id))).scalars().all())  # type: ignore[attr-defined]

    async def _unique(self, s: AsyncSession, model: Any, kind: str, name: str,
                      exclude: str | None = None, **scope: Any) -> None:
        q = select(model.id).where(model.name == name)
        for k, v in scope.items():
            q = q.where(getattr(model, k) == v)
        found = (await s.execute(q)).scalars().first()
        if found is not None and found != exclude:
            raise errors.Conflict(type=kind, details=f"Duplicate entry found with name {name}")

    # ---------------------------------------------------------------------- domains

    async def create_domain(self, data: dict[str, Any]) -> m.Domain:
        async with self._write() as s:
            await self._unique(s, m.Domain, "domain", data["name"])
            d = m.Domain(id=data.get("explicit_domain_id") or new_id(), enabled=True)
            _apply(d, data)
            s.add(d)
            return d

    async def get_domain(self, id_: str) -> m.Domain:
        return await self.get(m.Domain, id_, "domain")

    async def domain_by_name(self, name: str) -> m.Domain:
        async with self.db.read() as s:
            d = (await s.execute(select(m.Domain).where(m.Domain.name == name))).scalars().first()
        if d is None:
            raise errors.DomainNotFound(domain_id=name)
        return d

    async def list_domains(self, **filters: Any) -> list[m.Domain]:
        return await self._list(m.Domain, filters)

    async def update_domain(self, id_: str, data: dict[str, Any]) -> m.Domain:
        async with self._write() as s:
            d = await self._get(s, m.Domain, id_, "domain")
            if "name" in data:
                await self._unique(s, m.Domain, "domain", data["name"], exclude=id_)
            if data.get("enabled") is False and d.enabled:
                if id_ == DEFAULT_DOMAIN:
                    raise errors.DefaultDomainDisable()
                add_event(s, domain_id=id_)
            _apply(d, data)
            return d

    async def delete_domain(self, id_: str) -> None:
        async with self._write() as s:
            d = await self._get(s, m.Domain, id_, "domain")
            if d.enabled:
                raise errors.DomainEnabledDelete()
            for model in (m.User, m.Group):
                ids = (await s.execute(select(model.id).where(
                    model.domain_id == id_))).scalars().all()
                for actor in ids:
                    await s.execute(delete(m.Assignment).where(m.Assignment.actor_id == actor))
                await s.execute(delete(model).where(model.domain_id == id_))
            projects = (await s.execute(select(m.Project.id).where(
                m.Project.domain_id == id_))).scalars().all()
            for pid in projects:
                await s.execute(delete(m.Assignment).where(m.Assignment.target_id == pid))
                await s.execute(delete(m.Credential).where(m.Credential.project_id == pid))
            # unlink the hierarchy so the projects can go in one statement
            await s.execute(update(m.Project).where(
                m.Project.domain_id == id_).values(parent_id=None))
            await s.execute(delete(m.Project).where(m.Project.domain_id == id_))
            await s.execute(delete(m.Assignment).where(m.Assignment.target_id == id_))
            await s.execute(delete(m.Role).where(m.Role.domain_id == id_))
            add_event(s, domain_id=id_)
            await s.delete(d)

    # ---------------------------------------------------------------------- projects

    # A project acting as a domain (Keystone's `is_domain`) is stored as a domain; the project
    # API creates, shows, lists (?is_domain=true), updates and deletes it as such.

    async def create_project(self, data: dict[str, Any]) -> m.Project | m.Domain:
        if data.get("is_domain"):
            if data.get("parent_id") or data.get("domain_id"):
                raise errors.ProjectAsDomainNotRoot()
            return await self.create_domain(_as_domain(data))
        async with self._write() as s:
            parent_id = data.get("parent_id")
            domain_id = data.get("domain_id")
            if parent_id and parent_id != domain_id:
                parent = await s.get(m.Project, parent_id)
                if parent is None:
                    if await s.get(m.Domain, parent_id) is None:
                        raise errors.ProjectNotFound(project_id=parent_id)
                    domain_id, parent_id = domain_id or parent_id, None
                else:
                    if domain_id and domain_id != parent.domain_id:
                        raise errors.ParentInOtherDomain(parent_id=parent_id)
                    domain_id = parent.domain_id
            elif parent_id == domain_id:
                parent_id = None
            domain_id = domain_id or DEFAULT_DOMAIN
            domain = await self._get(s, m.Domain, domain_id, "domain")
            del domain
            await self._unique(s, m.Project, "project", data["name"], domain_id=domain_id)
            p = m.Project(id=new_id(), enabled=True)
            _apply(p, {**data, "domain_id": domain_id, "parent_id": parent_id})
            s.add(p)
            for tag in data.get("tags") or []:
                s.add(m.ProjectTag(project_id=p.id, name=tag))
            return p

    async def get_project(self, id_: str) -> m.Project:
        return await self.get(m.Project, id_, "project")

    async def get_project_or_domain(self, id_: str) -> m.Project | m.Domain:
        async with self.db.read() as s:
            found: m.Project | m.Domain | None = await s.get(m.Project, id_)
            if found is None:
                found = await s.get(m.Domain, id_)
        if found is None:
            raise errors.ProjectNotFound(project_id=id_)
        return found

    async def _is_domain(self, id_: str) -> bool:
        async with self.db.read() as s:
            return await s.get(m.Project, id_) is None and await s.get(m.Domain, id_) is not None

    async def list_projects(self, *, ids: Iterable[str] | None = None,
                            tags: list[str] | None = None, tags_any: list[str] | None = None,
                            not_tags: list[str] | None = None,
                            not_tags_any: list[str] | None = None,
                            **filters: Any) -> list[m.Project]:
        if filters.get("parent_id") and filters["parent_id"] == filters.get("domain_id"):
            filters["parent_id"] = None
        projects = await self._list(m.Project, filters)
        if ids is not None:
            wanted = set(ids)
            projects = [p for p in projects if p.id in wanted]
        if tags or tags_any or not_tags or not_tags_any:
            all_tags = await self.project_tags([p.id for p in projects])

            def keep(p: m.Project) -> bool:
                t = set(all_tags.get(p.id, ()))
                return ((not tags or set(tags) <= t) and (not tags_any or bool(t & set(tags_any)))
                        and (not not_tags or not set(not_tags) <= t)
                        and (not not_tags_any or not t & set(not_tags_any)))
            projects = [p for p in projects if keep(p)]
        return projects

    async def list_domain_projects(self, *, tags: list[str] | None = None,
                                   tags_any: list[str] | None = None,
                                   **filters: Any) -> list[m.Domain]:
        """GET /projects?is_domain=true: the domains, filtered as projects are."""
        # Projects acting as domains have no domain, no parent and (here) no tags.
        if filters.get("domain_id") or filters.get("parent_id") or tags or tags_any:
            return []
        return await self.list_domains(name=filters.get("name"), enabled=filters.get("enabled"))

    async def project_tags(self, project_ids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {pid: [] for pid in project_ids}
        if not project_ids:
            return out
        async with self.db.read() as s:
            rows = (await s.execute(select(m.ProjectTag).where(
                m.ProjectTag.project_id.in_(project_ids)).order_by(m.ProjectTag.name))).scalars()
            for t in rows:
                out[t.project_id].append(t.name)
        return out

    async def update_project(self, id_: str, data: dict[str, Any]) -> m.Project | m.Domain:
        if await self._is_domain(id_):
            for key, fixed in (("domain_id", None), ("parent_id", None), ("is_domain", True)):
                if key in data and data[key] != fixed:
                    raise errors.ImmutableAttributeError(attribute=key)
            return await self.update_domain(id_, _as_domain(data))
        async with self._write() as s:
            p = await self._get(s, m.Project, id_, "project")
            for key in ("domain_id", "parent_id", "is_domain"):
                current = {"domain_id": p.domain_id, "parent_id": p.parent_id or p.domain_id,
                           "is_domain": False}[key]
                if key in data and data[key] != current:
                    raise errors.ImmutableAttributeError(attribute=key)
            if "name" in data:
                await self._unique(s, m.Project, "project", data["name"], exclude=id_,
                                   domain_id=p.domain_id)
            if data.get("enabled") is False and p.enabled:
                add_event(s, project_id=id_)
            _apply(p, {k: v for k, v in data.items()
                       if k not in ("domain_id", "parent_id", "is_domain")})
            if "tags" in data:
                await self._set_tags(s, id_, data["tags"] or [])
            return p

    async def _set_tags(self, s: AsyncSession, project_id: str, tags: list[str]) -> None:
        await s.execute(delete(m.ProjectTag).where(m.ProjectTag.project_id == project_id))
        for tag in dict.fromkeys(tags):
            s.add(m.ProjectTag(project_id=project_id, name=tag))

    async def set_project_tags(self, project_id: str, tags: list[str]) -> list[str]:
        async with self._write() as s:
            await self._get(s, m.Project, project_id, "project")
            await self._set_tags(s, project_id, tags)
        return list(dict.fromkeys(tags))

    async def add_project_tag(self, project_id: str, tag: str) -> None:
        async with self._write() as s:
            await self._get(s, m.Project, project_id, "project")
            count = len((await s.execute(select(m.ProjectTag.name).where(
                m.ProjectTag.project_id == project_id))).all())
            if await s.get(m.ProjectTag, (project_id, tag)) is None:
                if count >= 80:
                    raise errors.ProjectTagLimitExceeded(limit=80)
                s.add(m.ProjectTag(project_id=project_id, name=tag))

    async def delete_project_tag(self, project_id: str, tag: str | None) -> None:
        async with self._write() as s:
            await self._get(s, m.Project, project_id, "project")
            if tag is None:
                await s.execute(delete(m.ProjectTag).where(
                    m.ProjectTag.project_id == project_id))
                return
            row = await s.get(m.ProjectTag, (project_id, tag))
            if row is None:
                raise errors.ProjectTagNotFound(project_tag=tag, project_id=project_id)
            await s.delete(row)

    async def delete_project(self, id_: str) -> None:
        if await self._is_domain(id_):
            await self.delete_domain(id_)
            return
        async with self._write() as s:
            p = await self._get(s, m.Project, id_, "project")
            child = (await s.execute(select(m.Project.id).where(
                m.Project.parent_id == id_))).scalars().first()
            if child is not None:
                raise errors.ProjectHasChildren(project_id=id_)
            await s.execute(delete(m.Assignment).where(m.Assignment.target_id == id_))
            await s.execute(delete(m.ProjectTag).where(m.ProjectTag.project_id == id_))
            await s.execute(delete(m.ApplicationCredential).where(
                m.ApplicationCredential.project_id == id_))
            await s.execute(delete(m.Credential).where(m.Credential.project_id == id_))
            # OS-EP-FILTER associations and limits go with the project, as in Keystone.
            await s.execute(delete(m.ProjectEndpoint).where(m.ProjectEndpoint.project_id == id_))
            await s.execute(delete(m.ProjectEndpointGroup).where(
                m.ProjectEndpointGroup.project_id == id_))
            await s.execute(delete(m.Limit).where(m.Limit.project_id == id_))
            add_event(s, project_id=id_)
            await s.delete(p)

    async def project_domain_names(self) -> dict[str, str]:
        async with self.db.read() as s:
            return {d.id: d.name for d in (await s.execute(select(m.Domain))).scalars()}

    # ---------------------------------------------------------------------- users

    async def create_user(self, data: dict[str, Any]) -> m.User:
        domain_id = data.get("domain_id") or DEFAULT_DOMAIN
        password = data.get("password")
        hashed = await self.hasher.hash(password) if password else None
        async with self._write() as s:
            await self._get(s, m.Domain, domain_id, "domain")
            await self._unique(s, m.User, "user", data["name"], domain_id=domain_id)
            u = m.User(id=new_id(), enabled=True, options={}, failed_auth_count=0,
                       created_at=utcnow())
            _apply(u, {**data, "domain_id": domain_id, "options": _options({}, data)})
            if hashed:
                u.password_hash, u.password_created_at = hashed, utcnow()
            s.add(u)
            return u

    async def get_user(self, id_: str) -> m.User:
        return await self.get(m.User, id_, "user")

    async def list_users(self, **filters: Any) -> list[m.User]:
        return await self._list(m.User, filters)

    async def update_user(self, id_: str, data: dict[str, Any]) -> m.User:
        password = data.get("password")
        hashed = await self.hasher.hash(password) if password else None
        async with self._write() as s:
            u = await self._get(s, m.User, id_, "user")
            if "domain_id" in data and data["domain_id"] != u.domain_id:
                raise errors.ImmutableAttributeError(attribute="domain_id")
            if "name" in data:
                await self._unique(s, m.User, "user", data["name"], exclude=id_,
                                   domain_id=u.domain_id)
            if data.get("enabled") is False and u.enabled:
                add_event(s, user_id=id_)
            if data.get("enabled") is True:
                u.failed_auth_count = 0
            _apply(u, {**data, "options": _options(u.options, data)} if "options" in data
                   else data)
            if hashed:
                u.password_hash, u.password_created_at = hashed, utcnow()
                u.failed_auth_count = 0
                add_event(s, user_id=id_)
            return u

    async def change_password(self, user_id: str, new_password: str) -> None:
        hashed = await self.hasher.hash(new_password)
        async with self._write() as s:
            u = await self._get(s, m.User, user_id, "user")
            u.password_hash, u.password_created_at = hashed, utcnow()
            u.failed_auth_count = 0
            add_event(s, user_id=user_id)

    async def delete_user(self, id_: str) -> None:
        async with self._write() as s:
            u = await self._get(s, m.User, id_, "user")
            await s.execute(delete(m.Assignment).where(m.Assignment.actor_id == id_))
            await s.execute(delete(m.GroupMembership).where(m.GroupMembership.user_id == id_))
            await s.execute(delete(m.ApplicationCredential).where(
                m.ApplicationCredential.user_id == id_))
            await s.execute(delete(m.Credential).where(m.Credential.user_id == id_))
            add_event(s, user_id=id_)
            await s.delete(u)

    async def record_login(self, user_id: str, ok: bool) -> int:
        """Count a failed login (for lockout) or clear the count; returns the count."""
        async with self.db.write() as s:
            u = await s.get(m.User, user_id)
            if u is None:
                return 0
            if ok:
                if u.failed_auth_count:
                    u.failed_auth_count = 0
                u.last_active_at = utcnow()
            else:
                u.failed_auth_count = (u.failed_auth_count or 0) + 1
                u.failed_auth_at = utcnow()
            return u.failed_auth_count

    # ---------------------------------------------------------------------- groups

    async def create_group(self, data: dict[str, Any]) -> m.Group:
        domain_id = data.get("domain_id") or DEFAULT_DOMAIN
        async with self._write() as s:
            await self._get(s, m.Domain, domain_id, "domain")
            await self._unique(s, m.Group, "group", data["name"], domain_id=domain_id)
            g = m.Group(id=new_id())
            _apply(g, {**data, "domain_id": domain_id})
            s.add(g)
            return g

    async def get_group(self, id_: str) -> m.Group:
        return await self.get(m.Group, id_, "group")

    async def list_groups(self, **filters: Any) -> list[m.Group]:
        return await self._list(m.Group, filters)

    async def update_group(self, id_: str, data: dict[str, Any]) -> m.Group:
        async with self._write() as s:
            g = await self._get(s, m.Group, id_, "group")
            if "domain_id" in data and data["domain_id"] != g.domain_id:
                raise errors.ImmutableAttributeError(attribute="domain_id")
            if "name" in data:
                await self._unique(s, m.Group, "group", data["name"], exclude=id_,
                                   domain_id=g.domain_id)
            _apply(g, data)
            return g

    async def delete_group(self, id_: str) -> None:
        async with self._write() as s:
            g = await self._get(s, m.Group, id_, "group")
            members = (await s.execute(select(m.GroupMembership.user_id).where(
                m.GroupMembership.group_id == id_))).scalars().all()
            await s.execute(delete(m.Assignment).where(m.Assignment.actor_id == id_))
            await s.execute(delete(m.GroupMembership).where(m.GroupMembership.group_id == id_))
            for uid in members:
                add_event(s, user_id=uid)
            await s.delete(g)

    async def add_member(self, group_id: str, user_id: str) -> None:
        async with self._write() as s:
            await self._get(s, m.Group, group_id, "group")
            await self._get(s, m.User, user_id, "user")
            if await s.get(m.GroupMembership, (user_id, group_id)) is None:
                s.add(m.GroupMembership(user_id=user_id, group_id=group_id))

    async def remove_member(self, group_id: str, user_id: str) -> None:
        async with self._write() as s:
            await self._get(s, m.Group, group_id, "group")
            await self._get(s, m.User, user_id, "user")
            row = await s.get(m.GroupMembership, (user_id, group_id))
            if row is None:
                raise errors.UserNotInGroup(user_id=user_id, group_id=group_id)
            await s.delete(row)
            add_event(s, user_id=user_id)

    async def is_member(self, group_id: str, user_id: str) -> bool:
        async with self.db.read() as s:
            await self._get(s, m.Group, group_id, "group")
            await self._get(s, m.User, user_id, "user")
            return await s.get(m.GroupMembership, (user_id, group_id)) is not None

    async def group_users(self, group_id: str, **filters: Any) -> list[m.User]:
        async with self.db.read() as s:
            await self._get(s, m.Group, group_id, "group")
            q = select(m.User).join(m.GroupMembership, m.GroupMembership.user_id == m.User.id
                                    ).where(m.GroupMembership.group_id == group_id)
            for k, v in filters.items():
                if v is not None:
                    q = q.where(getattr(m.User, k) == v)
            return list((await s.execute(q.order_by(m.User.id))).scalars().all())

    async def user_groups(self, user_id: str) -> list[m.Group]:
        async with self.db.read() as s:
            await self._get(s, m.User, user_id, "user")
            q = select(m.Group).join(m.GroupMembership, m.GroupMembership.group_id == m.Group.id
                                     ).where(m.GroupMembership.user_id == user_id)
            return list((await s.execute(q.order_by(m.Group.id))).scalars().all())

    # ---------------------------------------------------------------------- roles

    async def create_role(self, data: dict[str, Any]) -> m.Role:
        domain_id = data.get("domain_id") or m.NULL_DOMAIN
        async with self._write() as s:
            if domain_id != m.NULL_DOMAIN:
                await self._get(s, m.Domain, domain_id, "domain")
            await self._unique(s, m.Role, "role", data["name"], domain_id=domain_id)
            r = m.Role(id=data.get("id") or new_id(), options={})
            _apply(r, {**data, "domain_id": domain_id})
            r.options = {k: v for k, v in (data.get("options") or {}).items() if v is not None}
            s.add(r)
            return r

    async def get_role(self, id_: str) -> m.Role:
        return await self.get(m.Role, id_, "role")

    async def list_roles(self, name: str | None = None,
                         domain_id: str | None = None) -> list[m.Role]:
        return await self._list(m.Role, {"name": name,
                                         "domain_id": domain_id or m.NULL_DOMAIN})

    async def roles_by_id(self, ids: Iterable[str]) -> dict[str, m.Role]:
        ids = list(set(ids))
        if not ids:
            return {}
        async with self.db.read() as s:
            return {r.id: r for r in (await s.execute(
                select(m.Role).where(m.Role.id.in_(ids)))).scalars()}

    async def update_role(self, id_: str, data: dict[str, Any]) -> m.Role:
        async with self._write() as s:
            r = await self._get(s, m.Role, id_, "role")
            if r.options.get("immutable") and not (
                    set(data) == {"options"} and data["options"].get("immutable") is False):
                raise errors.ResourceUpdateForbidden(role_id=id_)
            if "domain_id" in data and (data["domain_id"] or m.NULL_DOMAIN) != r.domain_id:
                raise errors.ImmutableAttributeError(attribute="domain_id")
            if "name" in data:
                await self._unique(s, m.Role, "role", data["name"], exclude=id_,
                                   domain_id=r.domain_id)
            options = dict(r.options)
            options.update(data.get("options") or {})
            _apply(r, {k: v for k, v in data.items() if k not in ("domain_id", "options")})
            r.options = {k: v for k, v in options.items() if v is not None}
            return r

    async def delete_role(self, id_: str) -> None:
        async with self._write() as s:
            r = await self._get(s, m.Role, id_, "role")
            if r.options.get("immutable"):
                raise errors.ResourceDeleteForbidden(role_id=id_)
            actors = (await s.execute(select(m.Assignment.actor_id).where(
                m.Assignment.role_id == id_))).scalars().all()
            await s.execute(delete(m.Assignment).where(m.Assignment.role_id == id_))
            await s.execute(delete(m.ImpliedRole).where(or_(
                m.ImpliedRole.prior_role_id == id_, m.ImpliedRole.implied_role_id == id_)))
            for actor in set(actors):
                add_event(s, user_id=actor)
            await s.delete(r)

    # ---------------------------------------------------------------------- implied roles

    async def create_implied_role(self, prior: str, implied: str) -> tuple[m.Role, m.Role]:
        async with self._write() as s:
            p = await self._get(s, m.Role, prior, "role")
            i = await self._get(s, m.Role, implied, "role")
            if prior == implied:
                raise errors.RoleImpliesItself()
            if i.name in PROHIBITED_IMPLIED_ROLES:
                raise errors.InvalidImpliedRole(role_id=implied)
            if p.domain_id == m.NULL_DOMAIN and i.domain_id != m.NULL_DOMAIN:
                raise errors.GlobalRoleImpliesDomainRole(role_id=implied)
            if await s.get(m.ImpliedRole, (prior, implied)) is None:
                s.add(m.ImpliedRole(prior_role_id=prior, implied_role_id=implied))
            return p, i

    async def get_implied_role(self, prior: str, implied: str) -> tuple[m.Role, m.Role]:
        async with self.db.read() as s:
            p = await self._get(s, m.Role, prior, "role")
            i = await self._get(s, m.Role, implied, "role")
            if await s.get(m.ImpliedRole, (prior, implied)) is None:
                raise errors.ImpliedRoleNotFound(prior_role_id=prior, implied_role_id=implied)
            return p, i

    async def delete_implied_role(self, prior: str, implied: str) -> None:
        async with self._write() as s:
            await self._get(s, m.Role, prior, "role")
            await self._get(s, m.Role, implied, "role")
            row = await s.get(m.ImpliedRole, (prior, implied))
            if row is None:
                raise errors.ImpliedRoleNotFound(prior_role_id=prior, implied_role_id=implied)
            await s.delete(row)

    async def implied_roles(self) -> dict[str, list[str]]:
        async with self.db.read() as s:
            out: dict[str, list[str]] = {}
            for r in (await s.execute(select(m.ImpliedRole))).scalars():
                out.setdefault(r.prior_role_id, []).append(r.implied_role_id)
            return out
