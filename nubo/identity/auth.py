"""Authentication (password, token, application_credential), token issue and validation.

A token is validated by decrypting it, checking its expiry and the revocation list, and
then (re)computing who it speaks for: the user, the scope and the roles as they are now, as
Keystone does with Fernet tokens. That last part is cached per token until anything in
identity changes, so a validation costs a decryption and a dict lookup.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.config import Settings
from nubo.core.access_rules import AccessRule
from nubo.core.context import RequestContext
from nubo.core.db import utcnow
from nubo.core.errors import NotFound
from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.access_rules import rules_of
from nubo.identity.assignments import SYSTEM, Assignments
from nubo.identity.catalog import Catalog
from nubo.identity.ep_filter import filter_catalog
from nubo.identity.revocations import RevocationList, add_event
from nubo.identity.service import IdentityService
from nubo.identity.tokens import KeyRepository, TokenPayload, new_audit_id

CACHE_SIZE = 20000


def iso_ts(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class TokenInfo:
    token: str
    payload: TokenPayload
    user: dict[str, Any]
    project: dict[str, Any] | None = None
    domain: dict[str, Any] | None = None
    system: bool = False
    roles: list[dict[str, str]] = field(default_factory=list)
    app_cred: dict[str, Any] | None = None
    unrestricted: bool = False
    #: The credential's access rules, None when it has none (then nothing is limited).
    access_rules: tuple[AccessRule, ...] | None = None

    @property
    def expires_at(self) -> str:
        return iso_ts(self.payload.expires_at)

    def context(self, request_id: str) -> RequestContext:
        p = self.project
        return RequestContext(
            request_id=request_id, user_id=self.payload.user_id, user_name=self.user["name"],
            user_domain_id=self.user["domain"]["id"],
            project_id=p["id"] if p else None, project_name=p["name"] if p else None,
            project_domain_id=p["domain"]["id"] if p else None,
            domain_id=self.domain["id"] if self.domain else None,
            system_scope="all" if self.system else None,
            roles=tuple(r["name"].lower() for r in self.roles),
            role_ids=tuple(r["id"] for r in self.roles),
            auth_token=self.token, audit_ids=self.payload.audit_ids,
            application_credential_id=self.payload.app_cred_id,
            application_credential_unrestricted=self.unrestricted,
            access_rules=self.access_rules)


def _unauthorized() -> errors.Unauthorized:
    return errors.Unauthorized()


class Auth:
    def __init__(self, settings: Settings, identity: IdentityService, assignments: Assignments,
                 catalog: Catalog, keys: KeyRepository) -> None:
        self.settings = settings
        self.identity = identity
        self.assignments = assignments
        self.catalog = catalog
        self.keys = keys
        self.db = identity.db
        self.revocations = RevocationList(self.db, keep_seconds=settings.token_expiration)
        self._cache: OrderedDict[str, TokenInfo] = OrderedDict()
        #: the full catalog under None, each project's (OS-EP-FILTER) under its id
        self._catalog_cache: dict[str | None, list[dict[str, Any]]] = {}

    def invalidate(self) -> None:
        """Identity changed here: forget every cached validation and the catalog."""
        self._cache.clear()
        self._catalog_cache.clear()
        self.revocations._polled = 0.0   # re-read events on the next validation

    async def get_catalog(self, project_id: str | None = None) -> list[dict[str, Any]]:
        """The catalog of a token on `project_id` (None: not project-scoped): filtered to
        the project's endpoints when it has OS-EP-FILTER associations, else in full."""
        cache = self._catalog_cache
        if None not in cache:
            cache[None] = await self.catalog.catalog()
        if project_id is None:
            return with_project(cache[None], None)
        if project_id not in cache:
            if len(cache) > CACHE_SIZE:
                cache.clear()
                cache[None] = await self.catalog.catalog()
            allowed = await self.catalog.project_endpoints(project_id)
            cache[project_id] = with_project(
                filter_catalog(cache[None], allowed) if allowed else cache[None], project_id)
        return cache[project_id]

    # ------------------------------------------------------------------ validation

    async def validate(self, token: str, allow_expired: bool = False) -> TokenInfo:
        """A valid token's info; NotFound for anything else (callers map it to 401)."""
        if await self.revocations.refresh():
            self._cache.clear()
            self._catalog_cache.clear()
        info = self._cache.get(token)
        if info is None:
            payload = self.keys.decrypt(token)
            if payload is None:
                raise errors.TokenNotFound()
            info = await self._build(token, payload)
            self._cache[token] = info
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        p = info.payload
        if not allow_expired and p.expires_at <= time.time():
            self._cache.pop(token, None)
            raise errors.TokenNotFound()
        project_domain = info.project["domain"]["id"] if info.project else None
        if self.revocations.is_revoked(p, info.user["domain"]["id"], project_domain):
            self._cache.pop(token, None)
            raise errors.TokenInvalid(reason="the token has been revoked")
        return info

    async def context_for(self, token: str, request_id: str) -> RequestContext:
        try:
            info = await self.validate(token)
        except NotFound:
            raise _unauthorized() from None
        return info.context(request_id)

    async def _build(self, token: str, p: TokenPayload) -> TokenInfo:
        """Who the token speaks for, as of now; NotFound when that is no one any more."""
        async with self.db.read() as s:
            user = await s.get(m.User, p.user_id)
            if user is None or not user.enabled:
                raise errors.TokenInvalid(reason="the user is gone or disabled")
            udom = await s.get(m.Domain, user.domain_id)
            if udom is None or not udom.enabled:
                raise errors.TokenInvalid(reason="the user's domain is disabled")
            info = TokenInfo(token=token, payload=p, user={
                "id": user.id, "name": user.name, "password_expires_at": None,
                "domain": {"id": udom.id, "name": udom.name}})
            if p.scope is None:
                return info
            role_ids = await self._scope(s, info, p.scope, p.scope_id or "")
            if p.app_cred_id:
                cred = await s.get(m.ApplicationCredential, p.app_cred_id)
                if cred is None:
                    raise errors.TokenInvalid(reason="its application credential is gone")
                delegated = {r["id"] for r in cred.roles}
                role_ids &= delegated
                info.app_cred = {"id": cred.id, "name": cred.name,
                                 "restricted": not cred.unrestricted}
                info.unrestricted = cred.unrestricted
                rules = (await rules_of(s, [cred.id]))[cred.id]
                if rules:
                    info.app_cred["access_rules"] = [
                        {"id": r.id, "service": r.service, "path": r.path, "method": r.method}
                        for r in rules]
                    info.access_rules = tuple(AccessRule(r.service, r.method, r.path)
                                              for r in rules)
            if not role_ids:
                raise errors.TokenInvalid(reason="the user has no role on its scope")
            roles = (await s.execute(select(m.Role).where(m.Role.id.in_(role_ids)))).scalars()
            info.roles = sorted(({"id": r.id, "name": r.name} for r in roles),
                                key=lambda r: r["name"])
            return info

    async def _scope(self, s: AsyncSession, info: TokenInfo, scope: str,
                     scope_id: str) -> set[str]:
        user_id = info.payload.user_id
        if scope == "project":
            proj = await s.get(m.Project, scope_id)
            if proj is None or not proj.enabled:
                raise errors.TokenInvalid(reason="its project is gone or disabled")
            pdom = await s.get(m.Domain, proj.domain_id)
            if pdom is None or not pdom.enabled:
                raise errors.TokenInvalid(reason="its project's domain is disabled")
            info.project = {"id": proj.id, "name": proj.name,
                            "domain": {"id": pdom.id, "name": pdom.name}}
            return await self.assignments.effective_role_ids(s, user_id, "project", proj.id)
        if scope == "domain":
            dom = await s.get(m.Domain, scope_id)
            if dom is None or not dom.enabled:
                raise errors.TokenInvalid(reason="its domain is gone or disabled")
            info.domain = {"id": dom.id, "name": dom.name}
            return await self.assignments.effective_role_ids(s, user_id, "domain", dom.id)
        info.system = True
        return await self.assignments.effective_role_ids(s, user_id, "system", SYSTEM)

    # ------------------------------------------------------------------ issue

    async def authenticate(self, auth: dict[str, Any]) -> TokenInfo:
        ident = auth["identity"]
        methods: list[str] = ident["methods"]
        for method in methods:
            if method not in ("password", "token", "application_credential"):
                raise errors.AuthMethodNotSupported()
            if method not in ident:
                raise errors.SchemaValidationError(field="identity", property=method)
        scope = auth.get("scope")
        user_ids: set[str] = set()
        parent: TokenInfo | None = None
        cred: m.ApplicationCredential | None = None
        if "token" in methods:
            try:
                parent = await self.validate(ident["token"]["id"])
            except NotFound:
                raise _unauthorized() from None
            if parent.payload.app_cred_id:
                raise errors.ApplicationCredentialRescope()
            user_ids.add(parent.payload.user_id)
        if "password" in methods:
            user_ids.add(await self._password(ident["password"]["user"]))
        if "application_credential" in methods:
            cred = await self._app_cred(ident["application_credential"])
            if scope not in (None, "unscoped"):
                raise errors.ApplicationCredentialScope()
            user_ids.add(cred.user_id)
        if len(user_ids) != 1:
            raise _unauthorized()
        user_id = user_ids.pop()

        kind, target = await self._requested_scope(user_id, scope, cred)
        now = time.time()
        expires = now + self.settings.token_expiration
        audit: tuple[str, ...] = (new_audit_id(),)
        if parent is not None:
            expires = min(expires, parent.payload.expires_at)
            audit = (audit[0], parent.payload.audit_ids[-1])
        if cred is not None and cred.expires_at is not None:
            expires = min(expires, cred.expires_at.replace(tzinfo=UTC).timestamp())
        all_methods = tuple(dict.fromkeys(
            list(parent.payload.methods if parent else ()) + methods))
        payload = TokenPayload(user_id, all_methods, kind, target, now, expires, audit,
                               cred.id if cred else None)
        token = self.keys.encrypt(payload)
        try:
            return await self._build(token, payload)
        except NotFound:
            if kind == "project":
                raise errors.NoScopeAccess(user_id=user_id, scope="project", target=target) \
                    from None
            if kind == "domain":
                raise errors.NoScopeAccess(user_id=user_id, scope="domain", target=target) \
                    from None
            if kind == "system":
                raise errors.NoSystemAccess(user_id=user_id) from None
            raise _unauthorized() from None

    async def _find_user(self, ref: dict[str, Any]) -> m.User | None:
        async with self.db.read() as s:
            if "id" in ref:
                return await s.get(m.User, ref["id"])
            if "name" not in ref or "domain" not in ref:
                raise errors.IncompleteReference(
                    expected="a user id, or a user name with its domain")
            dom_ref = ref["domain"]
            q = select(m.Domain)
            q = q.where(m.Domain.id == dom_ref["id"]) if "id" in dom_ref else q.where(
                m.Domain.name == dom_ref["name"])
            dom = (await s.execute(q)).scalars().first()
            if dom is None:
                return None
            return (await s.execute(select(m.User).where(
                m.User.domain_id == dom.id, m.User.name == ref["name"]))).scalars().first()

    async def _password(self, ref: dict[str, Any]) -> str:
        if "password" not in ref:
            raise errors.SchemaValidationError(field="identity/password/user", property="password")
        user = await self._find_user(ref)
        ok = await self.identity.hasher.check(ref["password"], user.password_hash
                                              if user else None)
        if user is None:
            raise _unauthorized()
        if self._locked(user):
            raise errors.AccountLocked(user_id=user.id)
        if not ok:
            if self.settings.lockout_failure_attempts:
                await self.identity.record_login(user.id, ok=False)
            raise _unauthorized()
        if not user.enabled:
            raise _unauthorized()
        async with self.db.read() as s:
            dom = await s.get(m.Domain, user.domain_id)
        if dom is None or not dom.enabled:
            raise _unauthorized()
        if user.failed_auth_count:
            await self.identity.record_login(user.id, ok=True)
        return user.id

    def _locked(self, user: m.User) -> bool:
        limit = self.settings.lockout_failure_attempts
        if not limit or (user.failed_auth_count or 0) < limit or user.failed_auth_at is None:
            return False
        until = user.failed_auth_at + timedelta(seconds=self.settings.lockout_duration)
        return utcnow() < until

    async def _app_cred(self, ref: dict[str, Any]) -> m.ApplicationCredential:
        async with self.db.read() as s:
            if "id" in ref:
                cred = await s.get(m.ApplicationCredential, ref["id"])
            elif "name" in ref and "user" in ref:
                user = await self._find_user(ref["user"])
                cred = None if user is None else (await s.execute(select(
                    m.ApplicationCredential).where(
                    m.ApplicationCredential.user_id == user.id,
                    m.ApplicationCredential.name == ref["name"]))).scalars().first()
            else:
                raise errors.IncompleteReference(
                    expected="an application credential id, or its name with its user")
        ok = await self.identity.hasher.check(ref["secret"], cred.secret_hash if cred else None)
        if cred is None or not ok:
            raise _unauthorized()
        if cred.expires_at is not None and cred.expires_at <= utcnow():
            raise errors.ApplicationCredentialExpired()
        return cred

    async def _requested_scope(self, user_id: str, scope: Any,
                               cred: m.ApplicationCredential | None
                               ) -> tuple[str | None, str | None]:
        if cred is not None:
            return "project", cred.project_id
        if scope == "unscoped":
            return None, None
        async with self.db.read() as s:
            if scope is None:
                # Keystone scopes to the default project when the user has a role on it.
                user = await s.get(m.User, user_id)
                if user and user.default_project_id:
                    proj = await s.get(m.Project, user.default_project_id)
                    if proj and proj.enabled and await self.assignments.effective_role_ids(
                            s, user_id, "project", proj.id):
                        return "project", proj.id
                return None, None
            if "system" in scope:
                if not scope["system"].get("all"):
                    raise errors.InvalidSystemScope()
                return "system", SYSTEM
            if "domain" in scope:
                dom = await _find_domain(s, scope["domain"])
                if dom is None:
                    which = scope["domain"].get("id") or scope["domain"].get("name")
                    raise errors.ScopeDomainNotFound(domain=which)
                return "domain", dom.id
            if "project" in scope:
                ref = scope["project"]
                if "id" in ref:
                    proj = await s.get(m.Project, ref["id"])
                else:
                    if "name" not in ref or "domain" not in ref:
                        raise errors.IncompleteReference(
                            expected="a project id, or a project name with its domain")
                    dom = await _find_domain(s, ref["domain"])
                    proj = None if dom is None else (await s.execute(select(m.Project).where(
                        m.Project.domain_id == dom.id, m.Project.name == ref["name"]
                    ))).scalars().first()
                if proj is None:
                    raise errors.ScopeProjectNotFound(project=ref.get("id") or ref.get("name"))
                if not proj.enabled:
                    raise errors.ScopeProjectDisabled(project_id=proj.id)
                return "project", proj.id
        raise errors.TrustsNotSupported()

    # ------------------------------------------------------------------ revocation

    async def revoke(self, info: TokenInfo) -> None:
        async with self.identity._write() as s:
            add_event(s, audit_id=info.payload.audit_ids[0])


async def _find_domain(s: AsyncSession, ref: dict[str, Any]) -> m.Domain | None:
    if "id" in ref:
        return await s.get(m.Domain, ref["id"])
    return (await s.execute(select(m.Domain).where(m.Domain.name == ref["name"]))).scalars().first()


def with_project(catalog: list[dict[str, Any]], project_id: str | None
                 ) -> list[dict[str, Any]]:
    """Keystone's URL substitution: `%(project_id)s` and `%(tenant_id)s` in an endpoint's
    URL become the token's project (Heat's endpoint has one); a token on no project does not
    list such endpoints."""
    if not any("%(" in e["url"] for svc in catalog for e in svc["endpoints"]):
        return catalog
    out = []
    for svc in catalog:
        eps = []
        for e in svc["endpoints"]:
            if "%(" not in e["url"]:
                eps.append(e)
            elif project_id is not None:
                eps.append({**e, "url": e["url"].replace("%(project_id)s", project_id)
                            .replace("%(tenant_id)s", project_id)})
        out.append({**svc, "endpoints": eps})
    return out
