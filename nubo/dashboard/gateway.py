"""In-process calls into the services' API apps: the same handlers, policy checks and views
as the HTTP API, without a socket. A page makes one call per resource type it shows, each a
few database queries; nothing goes over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import orjson
from starlette.types import Message, Receive, Scope, Send

#: the newest microversion of each versioned service (the dashboard speaks the latest API)
_VERSION_HEADERS = [(b"openstack-api-version", b"compute latest"),
                    (b"x-openstack-nova-api-version", b"latest")]


class Service(Protocol):
    """A service's ASGI app (core.http.ServiceApp)."""

    prefix: str

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def ok(self) -> bool:
        return self.status < 400

    def error(self) -> str:
        """The fault's message, whatever the service's fault format."""
        return fault_message(self.body) or f"the request failed ({self.status})"


def fault_message(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    for value in body.values():
        if isinstance(value, dict) and isinstance(value.get("message"), str):
            return str(value["message"])
    if isinstance(body.get("message"), str):
        return str(body["message"])
    return None


class ApiError(Exception):
    """A service refused a call: its status and its own words."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.error())
        self.status = reply.status
        self.message = reply.error()

    @classmethod
    def refused(cls) -> ApiError:
        """A policy refusal found by the dashboard itself (as the API's 403)."""
        return cls(Reply(403, {"forbidden": {"message": "Policy does not allow this."}}, {}))


class Gateway:
    def __init__(self, services: Mapping[str, Service], host: str = "localhost") -> None:
        #: path prefix ("/compute") -> its app
        self.services = dict(services)
        self.host = host

    async def call(self, method: str, path: str, token: str | None = None,
                   body: Any = None, query: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None) -> Reply:
        prefix = "/" + path.split("/", 2)[1]
        app = self.services[prefix]
        raw = b"" if body is None else orjson.dumps(body)
        hdrs: list[tuple[bytes, bytes]] = [(b"host", self.host.encode()),
                                           (b"content-type", b"application/json"),
                                           (b"content-length", str(len(raw)).encode()),
                                           *_VERSION_HEADERS]
        if token:
            hdrs.append((b"x-auth-token", token.encode()))
        for k, v in (headers or {}).items():
            hdrs.append((k.lower().encode(), v.encode()))
        qs = urlencode([(k, v) for k, v in (query or {}).items() if v is not None],
                       doseq=True)
        scope: Scope = {"type": "http", "method": method, "path": path, "raw_path":
                        path.encode(), "query_string": qs.encode(), "headers": hdrs,
                        "scheme": "http", "server": (self.host, 80), "client": None,
                        "root_path": "", "http_version": "1.1",
                        "nubo.request_id": "req-" + str(uuid.uuid4())}
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        status, out_headers, chunks = 500, {}, []

        async def send(message: Message) -> None:
            nonlocal status, out_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                out_headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                               for k, v in message.get("headers", [])}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        data = b"".join(chunks)
        parsed: Any = None
        if data and "json" in out_headers.get("content-type", ""):
            parsed = orjson.loads(data)
        elif data:
            parsed = data.decode("utf-8", "replace")
        return Reply(status, parsed, out_headers)

    async def get(self, path: str, token: str, **query: Any) -> Any:
        """The body of a GET that must succeed (else ApiError)."""
        r = await self.call("GET", path, token, query=query)
        if not r.ok:
            raise ApiError(r)
        return r.body

    async def send(self, method: str, path: str, token: str, body: Any = None) -> Reply:
        """A change; ApiError with the service's message when refused."""
        r = await self.call(method, path, token, body)
        if not r.ok:
            raise ApiError(r)
        return r
