"""Password and secret hashing with bcrypt, as Keystone stores them ($2b$ hashes).

bcrypt only reads 72 bytes; longer input is truncated, as Keystone (passlib) always did,
rather than refused (bcrypt 5 raises on it). Hashing runs off the event loop.
"""

from __future__ import annotations

import asyncio

import bcrypt

MAX_BYTES = 72


def _prepare(password: str) -> bytes:
    return password.encode("utf-8")[:MAX_BYTES]


class Hasher:
    def __init__(self, rounds: int) -> None:
        self.rounds = rounds
        self._dummy: bytes | None = None

    def _dummy_hash(self) -> bytes:
        """Compared against when the user does not exist, so that both cases cost the same
        and response times do not tell which user names exist. Made on first use (in the
        checking thread), not at start: at the default 12 rounds it takes 0.3 s of CPU."""
        if self._dummy is None:
            self._dummy = bcrypt.hashpw(b"nubo-dummy-password", bcrypt.gensalt(self.rounds))
        return self._dummy

    def hash_sync(self, password: str) -> str:
        return bcrypt.hashpw(_prepare(password), bcrypt.gensalt(self.rounds)).decode()

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hash_sync, password)

    def _check(self, password: str, hashed: str | None) -> bool:
        target = hashed.encode() if hashed else self._dummy_hash()
        try:
            ok = bcrypt.checkpw(_prepare(password), target)
        except ValueError:
            return False
        return ok and hashed is not None

    async def check(self, password: str, hashed: str | None) -> bool:
        return await asyncio.to_thread(self._check, password, hashed)
