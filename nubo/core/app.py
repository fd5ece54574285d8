"""The one ASGI application: request ids, access log, metrics, and dispatch by path prefix.

Paths follow DevStack's layout on one port (`/identity/v3`, `/compute/v2.1`, ...). Besides the
services it serves `/healthz` (200 once every service is serving; "degraded" with the problems
of a part that keeps failing) and `/metrics` (Prometheus).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Protocol

import orjson
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nubo.core import errors
from nubo.core.http import ServiceApp, fault_response
from nubo.core.logs import request_id_var
from nubo.core.metrics import ProcessMetrics

ACCESS = logging.getLogger("nubo.access")
LOG = logging.getLogger("nubo")
_BUILTIN = ("/healthz", "/metrics")


class Scraped(Protocol):
    """A collector whose values are read (from the database, say) right before a scrape."""

    async def refresh(self) -> None: ...


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(ProcessMetrics())   # type: ignore[arg-type]
        self.scraped: list[Scraped] = []
        self.requests = Counter("nubo_http_requests", "HTTP requests served",
                                ["service", "method", "route", "status"], registry=self.registry)
        self.latency = Histogram("nubo_http_request_duration_seconds", "HTTP request latency",
                                 ["service", "method", "route"], registry=self.registry,
                                 buckets=(.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5,
                                          1, 2.5, 5, 10))

    def add_scraped(self, collector: Scraped) -> None:
        self.registry.register(collector)   # type: ignore[arg-type]
        self.scraped.append(collector)

    async def scrape(self) -> bytes:
        for c in self.scraped:
            try:
                await c.refresh()
            except Exception:  # noqa: BLE001 - serve the rest; the gauges keep their last values
                LOG.exception("metrics: refreshing %s failed", type(c).__name__)
        return generate_latest(self.registry)


class NuboApp:
    def __init__(self, services: Iterable[ServiceApp], metrics: Metrics | None = None,
                 mounts: dict[str, ASGIApp] | None = None,
                 checks: dict[str, Callable[[], str | None]] | None = None,
                 parts: dict[str, Callable[[], str]] | None = None,
                 fallback: ASGIApp | None = None) -> None:
        self.services = {s.prefix: s for s in services}
        #: what serves every other path (the dashboard at `/`), else a 404
        self.fallback = fallback
        # Raw ASGI apps by prefix that are not OpenStack services (/vnc: pages + WebSocket).
        self.mounts = dict(mounts or {})
        self.metrics = metrics or Metrics()
        self.ready = False
        #: name -> what is wrong with that part now (None: healthy); /healthz reports them
        self.checks = dict(checks or {})
        #: parts that may still converge after readiness: name -> its state now
        #: ("ready", "converging", "building", "failed", "off"), shown by /healthz
        self.parts = dict(parts or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        path: str = scope["path"]
        prefix = "/" + path.split("/", 2)[1]
        if prefix in self.mounts:
            await self.mounts[prefix](scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})   # 403: nothing here
            return
        if scope["type"] != "http":
            return
        service = self.services.get(prefix)
        fallback = self.fallback if service is None and path not in _BUILTIN else None
        if len(path) > 1 and path.endswith("/") and (
                service is None or not service.strict_slashes or path.count("/") <= 3):
            # Keystone and Nova accept a trailing slash on every path; strict services
            # only on their roots (/image/, /image/v2/).
            scope["path"] = path = path.rstrip("/") or "/"
        rid = "req-" + str(uuid.uuid4())
        scope["nubo.request_id"] = rid
        token = request_id_var.set(rid)
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-openstack-request-id", rid.encode()))
                if prefix == "/compute":    # Nova also sends its legacy header
                    headers.append((b"x-compute-request-id", rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            if service is not None:
                await service(scope, receive, send_wrapper)
            elif fallback is not None:
                await fallback(scope, receive, send_wrapper)
            else:
                await self._builtin(scope, receive, send_wrapper, path)
        finally:
            elapsed = time.perf_counter() - start
            name = service.name if service else "dashboard" if fallback else "nubo"
            # Label by route template, never by raw path: random paths must not grow the
            # metric's cardinality without bound.
            route = scope.get("nubo.route") or (path if path in _BUILTIN else "unmatched")
            self.metrics.requests.labels(name, scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(name, scope["method"], route).observe(elapsed)
            ctx = scope.get("nubo.context")
            ACCESS.info("%s %s %s %.1fms", scope["method"], path, status, elapsed * 1000,
                        extra={"method": scope["method"], "path": path, "status": status,
                               "ms": round(elapsed * 1000, 2),
                               "user_id": getattr(ctx, "user_id", None)})
            request_id_var.reset(token)

    async def _builtin(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        if path == "/healthz":
            # 200 while serving (what readiness waits for); a part that keeps failing makes
            # it "degraded" and says what fails
            ok = self.ready
            problems = {name: why for name, check in self.checks.items()
                        if (why := check()) is not None}
            status = "starting" if not ok else "degraded" if problems else "ok"
            body = orjson.dumps({"status": status, "problems": problems,
                                 "services": sorted(s.name for s in self.services.values()),
                                 "parts": {name: state() for name, state in self.parts.items()}})
            await _send(send, 200 if ok else 503, body, b"application/json")
        elif path == "/metrics":
            await _send(send, 200, await self.metrics.scrape(), CONTENT_TYPE_LATEST.encode())
        else:
            resp = fault_response("keystone", errors.NotFound(
                "The resource could not be found."), scope["nubo.request_id"])
            await resp(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _send(send: Send, status: int, body: bytes, ctype: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
