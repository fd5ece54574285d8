"""Application credentials: a secret that logs in as its user, on one project, with a fixed
subset of the user's roles there, until it expires or is deleted."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from nubo.core.db import utcnow
from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.access_rules import attach, rules_of
from nubo.identity.assignments import Assignments
from nubo.identity.auth import TokenInfo
from nubo.identity.revocations import add_event
from nubo.identity.service import IdentityService, new_id

#: A credential's access rules.
Rules = list[m.AccessRule]


def parse_time(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise errors.ValidationTimeStampError(value=value) from None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


class AppCreds:
    def __init__(self, identity: IdentityService, assignments: Assignments) -> None:
        self.identity = identity
        self.assignments = assignments
        self.db = identity.db

    async def create(self, user_id: str, data: dict[str, Any], token: TokenInfo
                     ) -> tuple[m.ApplicationCredential, str, Rules]:
        if token.project is None:
            raise errors.ApplicationCredentialValidationError()
        if token.payload.app_cred_id and not token.unrestricted:
            raise errors.ApplicationCredentialLimited()
        held = {r["id"]: r["name"] for r in token.roles}
        wanted: list[dict[str, str]] = []
        async with self.db.read() as s:
            for ref in data.get("roles") or [{"id": rid} for rid in held]:
                if "id" in ref:
                    role = await s.get(m.Role, ref["id"])
                else:
                    role = (await s.execute(select(m.Role).where(
                        m.Role.name == ref["name"]))).scalars().first()
                if role is None or role.id not in held:
                    which = ref.get("id") or ref.get("name")
                    raise errors.RoleNotHeld(role=which)
                wanted.append({"id": role.id, "name": role.name})
        expires = parse_time(data["expires_at"]) if data.get("expires_at") else None
        if expires is not None and expires <= utcnow():
            raise errors.ValidationExpirationError()
        secret = data.get("secret") or base64.urlsafe_b64encode(
            secrets.token_bytes(64)).decode().rstrip("=")
        hashed = await self.identity.hasher.hash(secret)
        async with self.identity._write() as s:
            dup = (await s.execute(select(m.ApplicationCredential.id).where(
                m.ApplicationCredential.user_id == user_id,
                m.ApplicationCredential.name == data["name"]))).scalars().first()
            if dup:
                raise errors.Conflict(type="application_credential",
                                      details=f"Duplicate entry found with name {data['name']}")
            cred = m.ApplicationCredential(
                id=new_id(), name=data["name"], user_id=user_id,
                project_id=token.project["id"], secret_hash=hashed,
                description=data.get("description"), expires_at=expires,
                unrestricted=bool(data.get("unrestricted")), roles=wanted, created_at=utcnow())
            s.add(cred)
            await s.flush()
            await attach(s, user_id, cred.id, data.get("access_rules") or [])
            rules = (await rules_of(s, [cred.id]))[cred.id]
        return cred, secret, rules

    async def list(self, user_id: str, name: str | None = None
                   ) -> list[tuple[m.ApplicationCredential, Rules]]:
        async with self.db.read() as s:
            await self.identity._get(s, m.User, user_id, "user")
            q = select(m.ApplicationCredential).where(m.ApplicationCredential.user_id == user_id)
            if name:
                q = q.where(m.ApplicationCredential.name == name)
            creds = list((await s.execute(q.order_by(m.ApplicationCredential.id))).scalars())
            rules = await rules_of(s, [c.id for c in creds])
        return [(c, rules[c.id]) for c in creds]

    async def get(self, user_id: str, cred_id: str
                  ) -> tuple[m.ApplicationCredential, Rules]:
        async with self.db.read() as s:
            cred = await s.get(m.ApplicationCredential, cred_id)
            if cred is None or cred.user_id != user_id:
                raise errors.ApplicationCredentialNotFound(application_credential_id=cred_id)
            return cred, (await rules_of(s, [cred.id]))[cred.id]

    async def delete(self, user_id: str, cred_id: str, token: TokenInfo) -> None:
        if token.payload.app_cred_id and not token.unrestricted:
            raise errors.RestrictedApplicationCredential(action="delete application credentials")
        async with self.identity._write() as s:
            cred = await s.get(m.ApplicationCredential, cred_id)
            if cred is None or cred.user_id != user_id:
                raise errors.ApplicationCredentialNotFound(application_credential_id=cred_id)
            await s.delete(cred)
            add_event(s, application_credential_id=cred_id)
