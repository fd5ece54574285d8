"""Credentials (/v3/credentials): secrets a user keeps for other authentication schemes.

Keystone's rules: an `ec2` credential needs a project and a blob that is a JSON object with an
`access` key; its id is the SHA-256 of that access key, so one access key is stored once.
Tokens delegated to one project (application credentials here) reach only credentials of that
project, and a restricted application credential cannot mint EC2 keys. Blobs are encrypted
at rest (`nubo.identity.crypt`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.crypt import SecretBox
from nubo.identity.service import IdentityService, _apply, new_id

#: Blob keys that bind an EC2 credential to a delegation; an update may not change them.
_EC2_BOUND_KEYS = ("trust_id", "app_cred_id", "access_token_id", "access_id")


@dataclass(frozen=True)
class Caller:
    """What the credential rules need of the token making the request."""

    app_cred_id: str | None = None
    app_cred_unrestricted: bool = False
    project_id: str | None = None

    def check_reach(self, project_id: str | None) -> None:
        """A delegated token reaches only credentials of its own project (and never those
        without a project, such as a user's TOTP seed)."""
        if self.app_cred_id and project_id != self.project_id:
            raise errors.CredentialProjectMismatch()

    def in_reach(self, project_id: str | None) -> bool:
        return not self.app_cred_id or project_id == self.project_id


def _is_ec2(ctype: str) -> bool:
    return ctype.lower() == "ec2"


def ec2_blob(blob: str) -> dict[str, Any]:
    """The parsed blob of an EC2 credential: a JSON object with an `access` key."""
    try:
        parsed = json.loads(blob)
    except ValueError:
        raise errors.InvalidCredentialBlob(reason='an ec2 blob is a JSON object, e.g. '
                                           '{"access": "...", "secret": "..."}') from None
    if not parsed or not isinstance(parsed, dict):
        raise errors.InvalidCredentialBlob(reason="an ec2 blob is a non-empty JSON object")
    if parsed.get("access") is None:
        raise errors.InvalidCredentialBlob(reason="an ec2 blob needs an 'access' key")
    return parsed


class CredentialStore:
    def __init__(self, identity: IdentityService, box: SecretBox) -> None:
        self.identity = identity
        self.db = identity.db
        self.box = box

    def blob(self, cred: m.Credential) -> str:
        return self.box.open(cred.encrypted_blob)

    async def create(self, data: dict[str, Any], caller: Caller) -> tuple[m.Credential, str]:
        data = dict(data)
        blob: str = data.pop("blob")
        project_id = data.get("project_id")
        caller.check_reach(project_id)
        if _is_ec2(data["type"]):
            if caller.app_cred_id and not caller.app_cred_unrestricted:
                raise errors.RestrictedApplicationCredential(action="create EC2 credentials")
            if not project_id:
                raise errors.CredentialProjectRequired()
            parsed = ec2_blob(blob)
            if caller.app_cred_id:
                # The EC2 keys then act for the application credential, not the whole user.
                parsed["app_cred_id"] = caller.app_cred_id
                blob = json.dumps(parsed)
            cred_id = hashlib.sha256(str(parsed["access"]).encode()).hexdigest()
        else:
            cred_id = new_id()
        async with self.identity._write() as s:
            await self.identity._get(s, m.User, data["user_id"], "user")
            if project_id:
                await self.identity._get(s, m.Project, project_id, "project")
            if await s.get(m.Credential, cred_id) is not None:
                raise errors.Conflict(type="credential", details=f"Duplicate ID, {cred_id}")
            cred = m.Credential(id=cred_id, encrypted_blob=self.box.seal(blob), extra={})
            _apply(cred, data)
            s.add(cred)
        return cred, blob

    async def get(self, cred_id: str, caller: Caller) -> m.Credential:
        cred = await self.identity.get(m.Credential, cred_id, "credential")
        caller.check_reach(cred.project_id)
        return cred

    async def list_(self, caller: Caller, user_id: str | None = None,
                   type: str | None = None) -> list[m.Credential]:
        q = select(m.Credential).order_by(m.Credential.id)
        if user_id:
            q = q.where(m.Credential.user_id == user_id)
        if type:
            q = q.where(m.Credential.type == type)
        async with self.db.read() as s:
            found = (await s.execute(q)).scalars().all()
        return [c for c in found if caller.in_reach(c.project_id)]

    async def update(self, cred_id: str, data: dict[str, Any], caller: Caller
                     ) -> tuple[m.Credential, str]:
        data = dict(data)
        async with self.identity._write() as s:
            cred = await self.identity._get(s, m.Credential, cred_id, "credential")
            caller.check_reach(cred.project_id)
            project_id = data["project_id"] if "project_id" in data else cred.project_id
            caller.check_reach(project_id)
            ctype = data.get("type", cred.type)
            old_blob = self.box.open(cred.encrypted_blob)
            blob = data.pop("blob", old_blob)
            if _is_ec2(ctype):
                if not project_id:
                    raise errors.CredentialProjectRequired()
                new = ec2_blob(blob)
                if _is_ec2(cred.type):
                    old = ec2_blob(old_blob)
                    for key in _EC2_BOUND_KEYS:
                        if old.get(key) != new.get(key):
                            raise errors.CredentialAttributeImmutable(attribute=key)
            if data.get("user_id") not in (None, cred.user_id):
                await self.identity._get(s, m.User, data["user_id"], "user")
            if project_id and project_id != cred.project_id:
                await self.identity._get(s, m.Project, project_id, "project")
            _apply(cred, data)
            if blob != old_blob:
                cred.encrypted_blob = self.box.seal(blob)
        return cred, blob

    async def delete(self, cred_id: str, caller: Caller) -> None:
        async with self.identity._write() as s:
            cred = await self.identity._get(s, m.Credential, cred_id, "credential")
            caller.check_reach(cred.project_id)
            await s.delete(cred)
