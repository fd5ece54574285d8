"""The browser console: noVNC's pages under /vnc/ and a token-checked WebSocket relay at /vnc.

`openstack console url show --novnc` gives `<base>/vnc/vnc_lite.html?path=vnc%3Ftoken%3D<t>`;
the page opens a WebSocket to `/vnc?token=<t>`. The relay asks the compute service whose
console the token opens (`ConsoleService.validate`), lets each token in once within its TTL (a
URL that leaked from a browser history cannot be replayed), then copies bytes both ways between
the browser's binary frames and the guest's VNC server. A refused token gets HTTP 403 before
the upgrade, which browsers report as a failed connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

LOG = logging.getLogger("nubo.novnc")

PREFIX = "/vnc"
#: Debian's `novnc` package
NOVNC_DIR = Path("/usr/share/novnc")
#: console kinds this relay speaks (Nova's console type names)
VNC_KINDS = frozenset({"novnc", "vnc"})
_CHUNK = 65536
_CONNECT_TIMEOUT = 10.0
#: WebSocket close code for a policy violation (RFC 6455): the token was refused
POLICY_VIOLATION = 1008


class ConsoleTokenValidator(Protocol):
    """`nubo.compute.service.consoles.ConsoleService.validate`: the console a token opens, or
    None when the token is unknown or expired. May be a coroutine function."""

    def __call__(self, token: str) -> dict[str, Any] | None | Awaitable[dict[str, Any] | None]:
        ...


class _OnceWithinTtl:
    """Remembers the tokens already used until their TTL has passed (hashes, not tokens)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._used: dict[str, float] = {}

    def claim(self, token: str) -> bool:
        now = self.clock()
        for key in [k for k, until in self._used.items() if until <= now]:
            del self._used[key]
        key = hashlib.sha256(token.encode()).hexdigest()
        if key in self._used:
            return False
        self._used[key] = now + self.ttl
        return True


class NoVncApp:
    """A raw ASGI app for everything under /vnc: WebSocket -> relay, HTTP -> noVNC's files."""

    def __init__(self, validator: ConsoleTokenValidator, token_ttl: float,
                 static_dir: Path = NOVNC_DIR) -> None:
        self.validator = validator
        self.used = _OnceWithinTtl(token_ttl)
        self.static: ASGIApp | None = None
        if static_dir.is_dir():
            self.static = StaticFiles(directory=static_dir)
        else:
            LOG.warning("%s is missing (Debian package novnc): no browser console pages",
                        static_dir)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._relay(WebSocket(scope, receive, send))
            return
        if scope["type"] != "http":
            return
        path = scope["path"][len(PREFIX):] or "/"
        if self.static is None or path == "/":
            await _plain(send, 404, b"Not Found")
            return
        try:
            await self.static({**scope, "path": path, "root_path": ""}, receive, send)
        except HTTPException as exc:  # StaticFiles' 404/405, raised before it sends anything
            await _plain(send, exc.status_code, exc.detail.encode())

    async def _target(self, ws: WebSocket) -> tuple[str, int] | None:
        """The VNC server's address when the request may have it, else None."""
        if not _same_origin(ws):
            return None
        token = (parse_qs(ws.scope.get("query_string", b"").decode("latin-1"))
                 .get("token", [""])[0])
        if not token:
            return None
        found = self.validator(token)
        if inspect.isawaitable(found):
            found = await found
        if not found or found.get("kind") not in VNC_KINDS:
            return None
        if not self.used.claim(token):
            LOG.warning("console token for instance %s reused: refused",
                        found.get("instance_id"))
            return None
        return str(found["host"]), int(found["port"])

    async def _relay(self, ws: WebSocket) -> None:
        try:
            target = await self._target(ws)
        except Exception:  # noqa: BLE001 - a failing lookup refuses, never a 500
            LOG.exception("console token check failed")
            target = None
        if target is None:
            # Closing before accept makes the server answer the upgrade with HTTP 403.
            await ws.close(code=POLICY_VIOLATION)
            return
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*target),
                                                    _CONNECT_TIMEOUT)
        except OSError as exc:   # TimeoutError is an OSError
            LOG.warning("console %s:%s unreachable: %s", *target, exc)
            await ws.close(code=1011)
            return
        offered = ws.scope.get("subprotocols") or []
        await ws.accept(subprotocol="binary" if "binary" in offered else None)
        try:
            await _pump(ws, reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _pump(ws: WebSocket, reader: asyncio.StreamReader,
                writer: asyncio.StreamWriter) -> None:
    """Copy both ways until either side ends, then end the other."""

    async def browser_to_vnc() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                data = message.get("bytes")
                if data is None:
                    data = (message.get("text") or "").encode()
                writer.write(data)
                await writer.drain()

    async def vnc_to_browser() -> None:
        while data := await reader.read(_CHUNK):
            await ws.send_bytes(data)

    tasks = [asyncio.create_task(browser_to_vnc()), asyncio.create_task(vnc_to_browser())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    with contextlib.suppress(Exception):   # the browser may be gone already
        await ws.close(code=1000)


def _same_origin(ws: WebSocket) -> bool:
    """Refuse cross-site WebSocket hijacking: a browser sends Origin, and it must be this
    server (as Nova's novncproxy checks). Clients that are not browsers send none."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True
    host = ws.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
