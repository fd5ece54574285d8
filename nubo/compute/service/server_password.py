"""A server's encrypted password (os-server-password and the metadata service's
`password` file). The guest encrypts it with its key pair's public key and posts it once;
the user reads it through the compute API and may clear it. Nova keeps it in the instance's
system metadata (password_0..3, 255 characters each); Nubo keeps it in the instance's own
document, request_spec["password"], which every writer updates key by key."""

from __future__ import annotations

from sqlalchemy import select

from nubo.compute import errors
from nubo.compute.models import Instance
from nubo.core.db import Database

CHUNKS, CHUNK_LENGTH = 4, 255
MAX_SIZE = CHUNKS * CHUNK_LENGTH     # what Nova's metadata API accepts, in bytes
KEY = "password"


class PasswordStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, instance_id: str) -> str:
        async with self.db.read() as s:
            spec = (await s.execute(select(Instance.request_spec).where(
                Instance.id == instance_id))).scalar_one_or_none()
        return str((spec or {}).get(KEY) or "")

    async def clear(self, instance_id: str) -> None:
        async with self.db.write() as s:
            inst = await s.get(Instance, instance_id)
            if inst is not None and (inst.request_spec or {}).get(KEY):
                inst.request_spec = {k: v for k, v in inst.request_spec.items() if k != KEY}

    async def set_once(self, instance_id: str, raw: bytes) -> None:
        """What the guest posts: 409 once a password is stored, 400 when too large.
        Nova keeps at most four chunks of 255 characters."""
        if len(raw) > MAX_SIZE:
            raise errors.PasswordTooLarge()
        text = raw.decode("utf-8", errors="replace")[:MAX_SIZE]
        async with self.db.write() as s:
            inst = await s.get(Instance, instance_id)
            if inst is None or inst.deleted:
                raise errors.PasswordInstanceNotFound(instance_id=instance_id)
            if (inst.request_spec or {}).get(KEY):
                raise errors.Conflict()
            inst.request_spec = {**(inst.request_spec or {}), KEY: text}
