"""Where the metadata service listens: a Unix socket under the data dir, root only.

The metadata proxies in the network namespaces connect to it (namespaces share the
filesystem), so guests' requests arrive on a transport nobody else can open: that is what lets
the service believe the proxies' `X-Forwarded-For` headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import tempfile
from pathlib import Path

import uvicorn

from nubo.metadata.app import MetadataApp

SOCKET_NAME = "metadata.sock"
#: sun_path holds 108 bytes; a deeper data dir gets its socket in the temp dir
_MAX_SOCKET_PATH = 100


def socket_path(data_dir: Path) -> Path:
    path = data_dir / SOCKET_NAME
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"nubo-metadata-{digest}.sock"


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


class UnixServer:
    """uvicorn on a Unix socket, started and stopped with the node."""

    def __init__(self, app: MetadataApp, path: Path) -> None:
        self.path = path
        self.server = uvicorn.Server(uvicorn.Config(app, uds=str(path), log_config=None,
                                                    access_log=False, lifespan="off"))
        # the node's process handles signals (nubo/server.py); this server only listens
        self.server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()          # left by a process that was killed
        old = os.umask(0o077)
        try:
            self.task = asyncio.create_task(self.server.serve())
            while not self.server.started:
                if self.task.done():
                    self.task.result()
                await asyncio.sleep(0.01)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)

    async def stop(self) -> None:
        if self.task is None:
            return
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
