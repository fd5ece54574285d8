"""The metadata API's shared secret (Nova's/Neutron's metadata_proxy_shared_secret): the
controller checks with it what a host's metadata agent signed with it. Both roles read it, so
it lives here, apart from the API (app.py, which the host must not import)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from nubo.config import Settings


def metadata_secret(settings: Settings) -> bytes:
    """Nova's/Neutron's metadata_proxy_shared_secret: the setting, else one made on first
    start and kept in the data dir."""
    if settings.metadata_proxy_shared_secret:
        return settings.metadata_proxy_shared_secret.encode()
    return shared_secret(settings.data_dir)


def shared_secret(data_dir: Path) -> bytes:
    """The HMAC secret for signed `X-Instance-ID` requests, made once (mode 0600)."""
    path = data_dir / "keys" / "metadata_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        os.replace(tmp, path)
    return path.read_text().strip().encode()
