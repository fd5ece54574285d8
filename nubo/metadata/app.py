"""The metadata service: what a guest reads at http://169.254.169.254 (Nova's metadata API).

Guests never reach it directly: the metadata proxy in the network's (or router's) namespace
forwards their requests to the host's metadata agent (nubo/network/agent/metadata_agent.py),
which names the instance and sends them on over HTTP to this API (`/metadata` on the
controller's port) with `X-Instance-ID`, `X-Tenant-ID` and the HMAC-SHA256
`X-Instance-ID-Signature` under the shared secret, as Nova's metadata API requires from
Neutron's metadata agent: a missing X-Tenant-ID is 400, a bad or missing signature 403, an
instance the tenant does not own 404. `trusted=True` (a transport only root can open) also
believes `X-Forwarded-For` with `X-Neutron-Network-ID` or `X-Neutron-Router-ID` and resolves
the instance itself.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Protocol

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from nubo.compute.service.server_password import MAX_SIZE
from nubo.core.errors import NuboError
from nubo.metadata import content
from nubo.metadata.content import InstanceFacts

#: (guest ip, network id, router id) -> the instance id owning that address, or None
Resolver = Callable[[str, str | None, str | None], Awaitable[str | None]]
FactsLoader = Callable[[str], Awaitable[InstanceFacts | None]]
#: the first OpenStack metadata version with the `password` file (Nova's GRIZZLY)
PASSWORD_VERSION = "2013-04-04"


class Passwords(Protocol):
    """Where the guest's encrypted password is kept (nubo/compute/service/server_password.py)."""

    async def get(self, instance_id: str) -> str: ...

    async def set_once(self, instance_id: str, raw: bytes) -> None: ...


def sign(secret: bytes, instance_id: str) -> str:
    return hmac.new(secret, instance_id.encode(), hashlib.sha256).hexdigest()


class MetadataApp:
    def __init__(self, load: FactsLoader, resolve: Resolver | None, secret: bytes,
                 trusted: bool = False, passwords: Passwords | None = None) -> None:
        self.load = load
        self.passwords = passwords
        self.resolve = resolve
        self.secret = secret
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        parts = [p for p in path.split("/") if p]
        wants_password = self._password_path(parts)
        if request.method not in ("GET", "HEAD") and not (
                request.method == "POST" and wants_password):
            return _text(405, "The method is not allowed for the requested URL.")
        if path in ("", "/"):
            return _text(200, "\n".join((*content.EC2_VERSIONS, "latest")))
        if path.rstrip("/") == "/openstack":
            return _text(200, "\n".join((*content.OPENSTACK_VERSIONS, "latest")))
        instance_id, error = await self._instance(request)
        if error is not None:
            return error
        facts = await self.load(instance_id or "")
        if facts is None:
            return _text(404, "Instance not found.")
        tenant = request.headers.get("x-tenant-id")
        if "x-instance-id" in request.headers and tenant != facts.project_id:
            # Nova: the port's project (the proxy's X-Tenant-ID) must own the instance
            return _text(404, "Instance not found.")
        if wants_password:
            return await self._password(request, facts.uuid)
        if parts[0] == "openstack":
            return self._openstack(facts, parts[1:])
        return self._ec2(facts, parts)

    async def _instance(self, request: Request) -> tuple[str | None, Response | None]:
        h = request.headers
        if "x-instance-id" in h:
            if "x-tenant-id" not in h:        # Nova: both, before the signature is checked
                return None, _text(400, "X-Tenant-ID header is missing from request.")
            given = h.get("x-instance-id-signature", "")
            if not hmac.compare_digest(given, sign(self.secret, h["x-instance-id"])):
                return None, _text(403, "Invalid proxy request signature.")
            return h["x-instance-id"], None
        forwarded = h.get("x-forwarded-for")
        if not self.trusted or not forwarded or self.resolve is None:
            return None, _text(400, "X-Instance-ID header is missing from request.")
        ip = forwarded.split(",")[0].strip()
        found = await self.resolve(ip, h.get("x-neutron-network-id"),
                                   h.get("x-neutron-router-id"))
        if found is None:
            return None, _text(404, f"No instance found with address {ip}.")
        return found, None

    def _password_path(self, parts: list[str]) -> bool:
        """openstack/<version>/password, from the version that has it."""
        return (self.passwords is not None and len(parts) == 3 and parts[0] == "openstack"
                and parts[2] == "password" and (parts[1] == "latest" or (
                    parts[1] in content.OPENSTACK_VERSIONS and parts[1] >= PASSWORD_VERSION)))

    async def _password(self, request: Request, instance_id: str) -> Response:
        """GET: the stored (encrypted) password, empty if none. POST: the guest stores it,
        once (Nova: 409 when one is set, 400 beyond 1020 bytes)."""
        assert self.passwords is not None
        if request.method != "POST":
            return _text(200, await self.passwords.get(instance_id))
        length = request.headers.get("content-length", "0")
        if length.isdigit() and int(length) > MAX_SIZE:
            return _text(400, "Request is too large.")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_SIZE:
                return _text(400, "Request is too large.")
        try:
            await self.passwords.set_once(instance_id, body)
        except NuboError as e:
            return _text(e.status, e.message)
        return _text(200, "")

    def _openstack(self, facts: InstanceFacts, parts: list[str]) -> Response:
        version = parts[0] if parts else ""
        if version != "latest" and version not in content.OPENSTACK_VERSIONS:
            return _text(404, "The resource could not be found.")
        names = [n for n in content.OPENSTACK_FILES
                 if n != "user_data" or facts.user_data is not None]
        if self._password_path(["openstack", version, "password"]):
            names.append("password")
        if len(parts) == 1:
            return _text(200, "\n".join(names))
        data = content.openstack_file(facts, "/".join(parts[1:]))
        if data is None:
            return _text(404, "The resource could not be found.")
        kind = "application/json" if parts[-1].endswith(".json") else "text/plain"
        return Response(data, 200, media_type=kind)

    def _ec2(self, facts: InstanceFacts, parts: list[str]) -> Response:
        version = parts[0]
        if version != "latest" and version not in content.EC2_VERSIONS:
            return _text(404, "The resource could not be found.")
        rest = parts[1:]
        if not rest:
            listing = ["meta-data/"] + (["user-data"] if facts.user_data is not None else [])
            return _text(200, "\n".join(listing))
        if rest == ["user-data"]:
            data = content.user_data(facts)
            if data is None:
                return _text(404, "The resource could not be found.")
            return Response(data, 200, media_type="text/plain")
        if rest[0] != "meta-data":
            return _text(404, "The resource could not be found.")
        found = content.ec2_lookup(content.ec2_meta_data(facts), "/".join(rest[1:]))
        if found is None:
            return _text(404, "The resource could not be found.")
        return _text(200, found)


class Mounted:
    """The metadata API under a path of the controller's app (`/metadata/openstack/...` is
    served as `/openstack/...`), as Nova's on its own port."""

    def __init__(self, app: MetadataApp, prefix: str) -> None:
        self.app, self.prefix = app, prefix.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"][len(self.prefix):] or "/"
        await self.app({**scope, "path": path, "raw_path": path.encode()}, receive, send)


def _text(status: int, body: str) -> Response:
    return PlainTextResponse(body, status)
