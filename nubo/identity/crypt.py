"""Encryption at rest for secrets the server must read back: credential blobs (EC2 secret keys,
TOTP seeds) and OAuth consumer secrets. Hashing would not do: the clear text is needed again.

As Keystone's credential provider, Fernet with its own keys in DATA_DIR/keys/credential,
apart from the token keys (rotating token keys must never make stored secrets unreadable).
The repository is made on first use; several controllers share it as they share the token
keys. Losing it loses the stored secrets, not the rest of the database.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import InvalidToken, MultiFernet

from nubo.core.errors import NuboError
from nubo.identity.tokens import KeyRepository


class SecretBox:
    def __init__(self, directory: Path) -> None:
        self.keys = KeyRepository(directory)
        self._ready = False

    def _fernet(self) -> MultiFernet:
        if not self._ready:
            self.keys.setup()     # idempotent: keeps existing keys
            self._ready = True
        return self.keys.fernet()

    def seal(self, clear: str) -> str:
        return self._fernet().encrypt(clear.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet().decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise NuboError("A stored secret cannot be decrypted: the credential keys in "
                            f"{self.keys.directory} are not the ones it was sealed with."
                            ) from None
