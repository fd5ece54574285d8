"""Role assignments: grants on projects, domains and the system, and the effective roles
(through group membership and implied roles) that tokens carry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.revocations import add_event
from nubo.identity.service import IdentityService

Actor = Literal["user", "group"]
Target = Literal["project", "domain", "system"]
SYSTEM = "system"

_TYPES = {("user", "project"): "UserProject", ("group", "project"): "GroupProject",
          ("user", "domain"): "UserDomain", ("group", "domain"): "GroupDomain",
          ("user", "system"): "UserSystem", ("group", "system"): "GroupSystem"}
_PARTS = {v: k for k, v in _TYPES.items()}


@dataclass(frozen=True)
class Grant:
    actor_kind: Actor
    actor_id: str
    target_kind: Target
    target_id: str
    role_id: str
    #: set on effective assignments: the group the user has the role through
    via_group: str | None = None
    #: set on effective assignments: the role whose implication gave this one
    prior_role: str | None = None


class Assignments:
    def __init__(self, identity: IdentityService) -> None:
        self.identity = identity
        self.db = identity.db

    async def _check_refs(self, s: AsyncSession, actor: Actor, actor_id: str, target: Target,
                          target_id: str, role_id: str, for_grant: bool = False) -> m.Role:
        """Every reference exists; a domain-specific role is granted only on projects of its
        own domain (Keystone's DomainSpecificRoleMismatch)."""
        get = self.identity._get
        await get(s, m.User if actor == "user" else m.Group, actor_id, actor)
        target_obj = None
        if target != "system":
            target_obj = await get(s, m.Project if target == "project" else m.Domain,
                                   target_id, target)
        role = await get(s, m.Role, role_id, "role")
        if (for_grant and isinstance(target_obj, m.Project)
                and role.domain_id != m.NULL_DOMAIN and target_obj.domain_id != role.domain_id):
            raise errors.DomainSpecificRoleMismatch(project_id=target_id, role_id=role_id)
        return role

    async def grant(self, actor: Actor, actor_id: str, target: Target, target_id: str,
                    role_id: str) -> None:
        async with self.identity._write() as s:
            await self._check_refs(s, actor, actor_id, target, target_id, role_id,
                                   for_grant=True)
            key = (_TYPES[actor, target], actor_id, target_id, role_id, False)
            if await s.get(m.Assignment, key) is None:
                s.add(m.Assignment(type=key[0], actor_id=actor_id, target_id=target_id,
                                   role_id=role_id, inherited=False))

    async def check(self, actor: Actor, actor_id: str, target: Target, target_id: str,
                    role_id: str) -> None:
        async with self.db.read() as s:
            await self._check_refs(s, actor, actor_id, target, target_id, role_id)
            key = (_TYPES[actor, target], actor_id, target_id, role_id, False)
            if await s.get(m.Assignment, key) is None:
                raise errors.RoleAssignmentNotFound(role_id=role_id, actor=actor, actor_id=actor_id,
                                                    target=target, target_id=target_id)

    async def revoke(self, actor: Actor, actor_id: str, target: Target, target_id: str,
                     role_id: str) -> None:
        async with self.identity._write() as s:
            await self._check_refs(s, actor, actor_id, target, target_id, role_id)
            key = (_TYPES[actor, target], actor_id, target_id, role_id, False)
            row = await s.get(m.Assignment, key)
            if row is None:
                raise errors.RoleAssignmentNotFound(role_id=role_id, actor=actor, actor_id=actor_id,
                                                    target=target, target_id=target_id)
            await s.delete(row)
            users = [actor_id] if actor == "user" else (await s.execute(
                select(m.GroupMembership.user_id).where(
                    m.GroupMembership.group_id == actor_id))).scalars().all()
            for uid in users:
                if target == "project":
                    add_event(s, user_id=uid, project_id=target_id)
                else:
                    add_event(s, user_id=uid)

    async def roles_of(self, actor: Actor, actor_id: str, target: Target,
                       target_id: str) -> list[m.Role]:
        async with self.db.read() as s:
            await self.identity._get(s, m.User if actor == "user" else m.Group, actor_id, actor)
            if target != "system":
                await self.identity._get(s, m.Project if target == "project" else m.Domain,
                                         target_id, target)
            q = select(m.Role).join(m.Assignment, m.Assignment.role_id == m.Role.id).where(
                m.Assignment.type == _TYPES[actor, target], m.Assignment.actor_id == actor_id,
                m.Assignment.target_id == target_id).order_by(m.Role.name)
            return list((await s.execute(q)).scalars().all())

    # ------------------------------------------------------------------ listing

    async def grants(self, *, user_id: str | None = None, group_id: str | None = None,
                   project_id: str | None = None, domain_id: str | None = None,
                   system: bool = False, role_id: str | None = None,
                   effective: bool = False) -> list[Grant]:
        async with self.db.read() as s:
            rows = list((await s.execute(select(m.Assignment).where(
                m.Assignment.inherited.is_(False)))).scalars().all())
            members: dict[str, list[str]] = {}
            if effective or user_id:
                for gm in (await s.execute(select(m.GroupMembership))).scalars():
                    members.setdefault(gm.group_id, []).append(gm.user_id)
            domain_roles = set((await s.execute(select(m.Role.id).where(
                m.Role.domain_id != m.NULL_DOMAIN))).scalars().all()) if effective else set()
        grants = []
        for r in rows:
            actor_kind, target_kind = _PARTS[r.type]
            grants.append(Grant(actor_kind, r.actor_id, target_kind, r.target_id,  # type: ignore[arg-type]
                                r.role_id))
        if effective:
            # Domain-specific roles only stand for the roles they imply: once implications
            # are expanded they leave the effective list, as they never enter a token.
            grants = [g for g in await self._expand(grants, members)
                      if g.role_id not in domain_roles]

        def keep(g: Grant) -> bool:
            if user_id and not (g.actor_kind == "user" and g.actor_id == user_id):
                return False
            if group_id and not (g.actor_kind == "group" and g.actor_id == group_id):
                return False
            if project_id and not (g.target_kind == "project" and g.target_id == project_id):
                return False
            if domain_id and not (g.target_kind == "domain" and g.target_id == domain_id):
                return False
            if system and g.target_kind != "system":
                return False
            return not (role_id and g.role_id != role_id)
        return [g for g in grants if keep(g)]

    async def _expand(self, grants: list[Grant], members: dict[str, list[str]]) -> list[Grant]:
        """Effective assignments: groups replaced by their users, implied roles added."""
        implies = await self.identity.implied_roles()
        out: list[Grant] = []
        for g in grants:
            if g.actor_kind == "group":
                users = [Grant("user", u, g.target_kind, g.target_id, g.role_id,
                               via_group=g.actor_id) for u in members.get(g.actor_id, [])]
            else:
                users = [g]
            for u in users:
                out.append(u)
                for implied in _closure([u.role_id], implies) - {u.role_id}:
                    out.append(Grant("user", u.actor_id, u.target_kind, u.target_id, implied,
                                     via_group=u.via_group, prior_role=u.role_id))
        seen: set[tuple[str, ...]] = set()
        unique = []
        for g in out:
            key = (g.actor_id, g.target_kind, g.target_id, g.role_id, g.via_group or "")
            if key not in seen:
                seen.add(key)
                unique.append(g)
        return unique

    # ------------------------------------------------------------------ for tokens

    async def effective_role_ids(self, s: AsyncSession, user_id: str, target: Target,
                                 target_id: str) -> set[str]:
        groups = (await s.execute(select(m.GroupMembership.group_id).where(
            m.GroupMembership.user_id == user_id))).scalars().all()
        q = select(m.Assignment.role_id).where(
            m.Assignment.target_id == target_id, m.Assignment.inherited.is_(False),
            ((m.Assignment.type == _TYPES["user", target]) & (m.Assignment.actor_id == user_id))
            | ((m.Assignment.type == _TYPES["group", target])
               & (m.Assignment.actor_id.in_(groups or ["-"]))))
        direct = set((await s.execute(q)).scalars().all())
        if not direct:
            return set()
        implies: dict[str, list[str]] = {}
        for r in (await s.execute(select(m.ImpliedRole))).scalars():
            implies.setdefault(r.prior_role_id, []).append(r.implied_role_id)
        closure = _closure(direct, implies)
        # Tokens carry global roles only; domain-specific ones just imply them.
        return set((await s.execute(select(m.Role.id).where(
            m.Role.id.in_(closure), m.Role.domain_id == m.NULL_DOMAIN))).scalars().all())

    async def projects_of_user(self, user_id: str) -> list[m.Project]:
        async with self.db.read() as s:
            groups = (await s.execute(select(m.GroupMembership.group_id).where(
                m.GroupMembership.user_id == user_id))).scalars().all()
            q = select(m.Assignment.target_id).where(
                ((m.Assignment.type == "UserProject") & (m.Assignment.actor_id == user_id))
                | ((m.Assignment.type == "GroupProject")
                   & (m.Assignment.actor_id.in_(groups or ["-"]))))
            ids = set((await s.execute(q)).scalars().all())
            if not ids:
                return []
            return list((await s.execute(select(m.Project).where(
                m.Project.id.in_(ids)).order_by(m.Project.id))).scalars().all())

    async def domains_of_user(self, user_id: str) -> list[m.Domain]:
        async with self.db.read() as s:
            groups = (await s.execute(select(m.GroupMembership.group_id).where(
                m.GroupMembership.user_id == user_id))).scalars().all()
            q = select(m.Assignment.target_id).where(
                ((m.Assignment.type == "UserDomain") & (m.Assignment.actor_id == user_id))
                | ((m.Assignment.type == "GroupDomain")
                   & (m.Assignment.actor_id.in_(groups or ["-"]))))
            ids = set((await s.execute(q)).scalars().all())
            if not ids:
                return []
            return list((await s.execute(select(m.Domain).where(
                m.Domain.id.in_(ids)).order_by(m.Domain.id))).scalars().all())


def _closure(roles: Iterable[str], implies: dict[str, list[str]]) -> set[str]:
    out: set[str] = set()
    stack = list(roles)
    while stack:
        r = stack.pop()
        if r in out:
            continue
        out.add(r)
        stack.extend(implies.get(r, ()))
    return out
