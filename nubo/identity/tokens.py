"""Fernet tokens: an encrypted, authenticated payload; nothing is stored per token.

Keys live in DATA_DIR/keys/fernet as Keystone keeps them: file `0` is the staged key, the
highest number is the primary (it encrypts), every other key still decrypts. Rotation
promotes the staged key, stages a new one and prunes the oldest beyond `max_active`.
Several controllers share tokens by sharing that directory, as with Keystone.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PAYLOAD_VERSION = 1
METHODS = ("password", "token", "application_credential")


def new_audit_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")


@dataclass(frozen=True)
class TokenPayload:
    user_id: str
    methods: tuple[str, ...]
    #: "project", "domain", "system" or None for an unscoped token
    scope: str | None
    scope_id: str | None
    issued_at: float          # epoch seconds, with microseconds
    expires_at: float
    audit_ids: tuple[str, ...]
    app_cred_id: str | None = None

    def dump(self) -> bytes:
        bits = sum(1 << METHODS.index(m) for m in self.methods)
        return orjson.dumps([PAYLOAD_VERSION, self.user_id, bits, self.scope, self.scope_id,
                             self.issued_at, self.expires_at, list(self.audit_ids),
                             self.app_cred_id])

    @classmethod
    def load(cls, raw: bytes) -> TokenPayload:
        v, user, bits, scope, scope_id, iat, exp, audit, app = orjson.loads(raw)
        if v != PAYLOAD_VERSION:
            raise ValueError("unknown token payload version")
        methods = tuple(m for i, m in enumerate(METHODS) if bits & (1 << i))
        return cls(user, methods, scope, scope_id, iat, exp, tuple(audit), app)


class KeyRepository:
    def __init__(self, directory: Path, max_active: int = 3) -> None:
        self.directory = directory
        self.max_active = max(max_active, 2)
        self._fernet: MultiFernet | None = None
        self._loaded_at: float = 0.0

    def setup(self) -> None:
        """Create the repository with a staged and a primary key if it does not exist."""
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        if not self._indexes():
            self._write(0, Fernet.generate_key())
            self.rotate()

    def _indexes(self) -> list[int]:
        return sorted(int(p.name) for p in self.directory.iterdir() if p.name.isdigit())

    def _write(self, index: int, key: bytes) -> None:
        tmp = self.directory / f".{index}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.directory / str(index))

    def rotate(self) -> int:
        """Promote the staged key to primary; return the new primary's index."""
        indexes = self._indexes()
        new_primary = max(indexes) + 1
        os.replace(self.directory / "0", self.directory / str(new_primary))
        self._write(0, Fernet.generate_key())
        keep = sorted(i for i in self._indexes() if i != 0)
        for old in keep[: max(0, len(keep) - (self.max_active - 1))]:
            (self.directory / str(old)).unlink()
        self._fernet = None
        return new_primary

    def fernet(self) -> MultiFernet:
        # Re-read the keys when the directory changes (a rotation by another process).
        mtime = self.directory.stat().st_mtime
        if self._fernet is None or mtime != self._loaded_at:
            indexes = sorted(self._indexes(), reverse=True)   # primary first, staged last
            keys = [Fernet((self.directory / str(i)).read_bytes().strip()) for i in indexes]
            self._fernet, self._loaded_at = MultiFernet(keys), mtime
        return self._fernet

    def encrypt(self, payload: TokenPayload) -> str:
        return self.fernet().encrypt(payload.dump()).decode().rstrip("=")

    def decrypt(self, token: str) -> TokenPayload | None:
        """The payload, or None for anything not made by us (garbage, tampered, old keys)."""
        try:
            raw = token.encode("ascii")
            raw += b"=" * (-len(raw) % 4)
            return TokenPayload.load(self.fernet().decrypt(raw))
        except (InvalidToken, ValueError, TypeError, UnicodeError):
            return None
