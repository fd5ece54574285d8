"""A server for the metadata API on a root-only Unix socket (its shared secret: secret.py).

The controller serves the metadata API over HTTP under `/metadata` (roles/controller.py); the
secret signs the host metadata agents' `X-Instance-ID` (nubo/network/agent/metadata_agent.py).
`UnixServer` serves any ASGI app on a socket only root can open (the transport on which
`MetadataApp(trusted=True)` believes `X-Forwarded-For`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import uvicorn

from nubo.metadata.app import MetadataApp
from nubo.metadata.secret import metadata_secret, shared_secret
from nubo.network.agent.metadata_agent import socket_path

__all__ = ["UnixServer", "metadata_secret", "shared_secret", "socket_path"]


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
