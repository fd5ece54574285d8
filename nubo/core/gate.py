"""What answers on the listener while the node is still starting.

`nubo up` opens its port first, then loads and starts the services (imports, database
migrations, bootstrap: a second or two). Meanwhile this gate answers `/healthz` at once
(503, status "starting") and holds every other request until the node serves, then hands it
on: a client that connects early is answered as soon as the API can, never refused. A
request held longer than `hold_seconds`, or one that came to a node whose start failed, gets
a 503 in its service's own fault format.

It imports nothing heavy (no Starlette, no SQLAlchemy): it is what runs before they load.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from nubo.core.errors import ServiceUnavailable
from nubo.core.faults import JSON, FaultStyle, fault_body

LOG = logging.getLogger("nubo.start")


class StartGate:
    def __init__(self, styles: dict[str, FaultStyle], hold_seconds: float = 120.0) -> None:
        #: path prefix ("/compute") -> the fault format of the service served there
        self.styles = styles
        self.hold_seconds = hold_seconds
        self.app: ASGIApp | None = None
        self.error: str | None = None
        #: what the start is doing now, for /healthz
        self.step = "loading"
        self._since = time.perf_counter()
        self._opened = asyncio.Event()

    def move_to(self, step: str) -> None:
        """The start goes on to `step`: /healthz says so; the log says what the last took
        (where a slow start spends its time)."""
        now = time.perf_counter()
        LOG.info("start: %s took %.0f ms; now %s", self.step, (now - self._since) * 1000, step)
        self.step, self._since = step, now

    def open(self, app: ASGIApp) -> None:
        """The node serves: every request from now on, and those held, go to `app`."""
        self.app = app
        self._opened.set()

    def fail(self, reason: str) -> None:
        """The start failed: held and later requests get a 503 saying so."""
        self.error = reason
        self._opened.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is not None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "lifespan":
            return
        if scope["type"] == "http" and scope["path"].rstrip("/") == "/healthz":
            await self._healthz(send)
            return
        try:
            await asyncio.wait_for(self._opened.wait(), self.hold_seconds)
        except TimeoutError:
            pass
        if self.app is not None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013})    # try again later
        elif scope["type"] == "http":
            await self._unavailable(scope, send)

    async def _healthz(self, send: Send) -> None:
        status = "failed" if self.error else "starting"
        body = orjson.dumps({"status": status, "step": self.step,
                             "problems": {"api": self.error} if self.error else {},
                             "services": [], "parts": {"api": status}})
        await _send(send, 503, body, JSON, _request_id())

    async def _unavailable(self, scope: Scope, send: Send) -> None:
        rid = _request_id()
        why = (f"The cloud failed to start: {self.error}" if self.error else
               f"The cloud is still starting ({self.step}); try again in a few seconds.")
        prefix = "/" + scope["path"].split("/", 2)[1]
        err = ServiceUnavailable(why, headers={"Retry-After": "5"})
        body, media = fault_body(self.styles.get(prefix, "keystone"), err, rid)
        await _send(send, err.status, body, media, rid, {"retry-after": "5"})


def _request_id() -> str:
    return "req-" + str(uuid.uuid4())


async def _send(send: Send, status: int, body: bytes, ctype: str, rid: str,
                extra: dict[str, str] | None = None) -> None:
    headers = [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode()),
               (b"x-openstack-request-id", rid.encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
