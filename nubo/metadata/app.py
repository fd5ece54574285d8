"""The metadata service: what a guest reads at http://169.254.169.254 (Nova's metadata API).

Guests never reach it directly: the metadata proxy in the network's (or router's) namespace
forwards their requests, adding `X-Forwarded-For` (the guest's address) and
`X-Neutron-Network-ID` or `X-Neutron-Router-ID`. Those headers are only believed on the
trusted transport (a Unix socket only root can open, see `serve_unix`). Anyone else must name
the instance with `X-Instance-ID` and its HMAC-SHA256 `X-Instance-ID-Signature` under the
shared secret, as Nova's metadata API requires from Neutron's metadata agent.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from nubo.metadata import content
from nubo.metadata.content import InstanceFacts

#: (guest ip, network id, router id) -> the instance id owning that address, or None
Resolver = Callable[[str, str | None, str | None], Awaitable[str | None]]
FactsLoader = Callable[[str], Awaitable[InstanceFacts | None]]


def sign(secret: bytes, instance_id: str) -> str:
    return hmac.new(secret, instance_id.encode(), hashlib.sha256).hexdigest()


class MetadataApp:
    def __init__(self, load: FactsLoader, resolve: Resolver | None, secret: bytes,
                 trusted: bool = False) -> None:
        self.load = load
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
        if request.method not in ("GET", "HEAD"):
            return _text(405, "The method is not allowed for the requested URL.")
        path = request.url.path
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
        parts = [p for p in path.split("/") if p]
        if parts[0] == "openstack":
            return self._openstack(facts, parts[1:])
        return self._ec2(facts, parts)

    async def _instance(self, request: Request) -> tuple[str | None, Response | None]:
        h = request.headers
        if "x-instance-id" in h:
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

    def _openstack(self, facts: InstanceFacts, parts: list[str]) -> Response:
        version = parts[0] if parts else ""
        if version != "latest" and version not in content.OPENSTACK_VERSIONS:
            return _text(404, "The resource could not be found.")
        names = [n for n in content.OPENSTACK_FILES
                 if n != "user_data" or facts.user_data is not None]
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


def _text(status: int, body: str) -> Response:
    return PlainTextResponse(body, status)
