"""The other services of the controller, called in-process through their own API layer.

Heat drives Nova, Neutron and Cinder through their REST APIs with the stack owner's
credentials; here the engine calls the same services' ASGI apps in the same process (no
socket, no token: the stack owner's context, kept on the stack as Heat keeps a trust). So
each resource gets exactly the services' own checks, policies, quotas and faults, and never
touches their tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Protocol

import orjson

from nubo.core.context import RequestContext

Asgi = Any   # an ASGI app: (scope, receive, send) -> None

#: the path of each service's API on the one port, with the version the resources speak
BASES = {"network": "/networking/v2.0", "compute": "/compute/v2.1", "image": "/image/v2",
         "volume": "/volume/v3"}
#: microversions asked of services that have them
HEADERS = {"compute": [(b"openstack-api-version", b"compute 2.79")],
           "volume": [(b"openstack-api-version", b"volume 3.60")]}


class ServiceCallFailed(Exception):
    """A service refused or failed a call: its status and its own fault message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Cloud(Protocol):
    """The services a resource uses, as the stack's owner."""

    async def call(self, service: str, method: str, path: str, body: Any = None,
                   microversion: str | None = None) -> Any:
        """The decoded JSON answer (None when empty); ServiceCallFailed on a 4xx/5xx."""
        ...


def _message(status: int, raw: bytes) -> str:
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode(errors="replace").strip() or f"HTTP {status}"
    if isinstance(doc, dict):
        for v in doc.values():
            if isinstance(v, dict) and "message" in v:
                return str(v["message"])
        if isinstance(doc.get("errors"), list) and doc["errors"]:
            return str(doc["errors"][0].get("detail", doc))
    return str(doc)


class InProcessCloud:
    """`Cloud` over the controller's service apps, acting as `ctx`."""

    def __init__(self, apps: Mapping[str, Asgi], ctx: RequestContext) -> None:
        self.apps = apps
        self.ctx = ctx

    async def call(self, service: str, method: str, path: str, body: Any = None,
                   microversion: str | None = None) -> Any:
        app = self.apps[service]
        full, _, query = (BASES[service] + path).partition("?")
        payload = b"" if body is None else orjson.dumps(body)
        headers = [(b"content-type", b"application/json"), (b"accept", b"application/json"),
                   (b"content-length", str(len(payload)).encode())]
        if microversion:
            headers.append((b"openstack-api-version", f"{service} {microversion}".encode()))
        else:
            headers += HEADERS.get(service, [])
        rid = f"req-{uuid.uuid4()}"
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": full, "raw_path": full.encode(),
                 "root_path": "", "query_string": query.encode(), "headers": headers,
                 "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 80),
                 "nubo.request_id": rid,
                 "nubo.trusted_context": _with_request_id(self.ctx, rid)}
        sent = False
        status = 500
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        raw = b"".join(chunks)
        if status >= 400:
            raise ServiceCallFailed(status, _message(status, raw))
        if not raw.strip():
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw.decode(errors="replace")


def _with_request_id(ctx: RequestContext, rid: str) -> RequestContext:
    from dataclasses import replace
    return replace(ctx, request_id=rid)


def owner_context(owner: Mapping[str, Any], request_id: str = "req-orchestration"
                  ) -> RequestContext:
    """The stack owner's context from what the stack keeps (`owner_record`)."""
    return RequestContext(request_id=request_id, user_id=owner.get("user_id"),
                          user_name=owner.get("user_name"),
                          user_domain_id=owner.get("user_domain_id"),
                          project_id=owner.get("project_id"),
                          project_name=owner.get("project_name"),
                          project_domain_id=owner.get("project_domain_id"),
                          roles=tuple(owner.get("roles") or ()),
                          role_ids=tuple(owner.get("role_ids") or ()))


def owner_record(ctx: RequestContext) -> dict[str, Any]:
    return {"user_id": ctx.user_id, "user_name": ctx.user_name,
            "user_domain_id": ctx.user_domain_id, "project_id": ctx.project_id,
            "project_name": ctx.project_name, "project_domain_id": ctx.project_domain_id,
            "roles": list(ctx.roles), "role_ids": list(ctx.role_ids)}
