"""The host agents' service token: fetched once, kept until shortly before it expires, fetched
again after a 401; requests wait for a controller that does not listen yet."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from nubo.compute.agent.images import ImageClient
from nubo.core.service_auth import (
    AuthFailed,
    ServiceCredentials,
    TokenSource,
    send,
    stored_password,
)

CREDS = ServiceCredentials("http://ctl/identity/v3", "nova", "pw")


def _keystone(issued: list[str], lifetime: timedelta = timedelta(hours=1)) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/identity/v3/auth/tokens":
            body = json.loads(request.content)
            user = body["auth"]["identity"]["password"]["user"]
            assert body["auth"]["scope"]["project"]["name"] == "service"
            if user["password"] != "pw":
                return httpx.Response(401, json={"error": {"code": 401}})
            token = f"tok-{len(issued) + 1}"
            issued.append(token)
            expires = (datetime.now(UTC) + lifetime).isoformat().replace("+00:00", "Z")
            return httpx.Response(201, headers={"X-Subject-Token": token},
                                  json={"token": {"expires_at": expires}})
        # the image API: only the newest token is good
        if request.headers.get("X-Auth-Token") != issued[-1]:
            return httpx.Response(401)
        return httpx.Response(200, content=b"data", headers={"Content-MD5": ""})
    return httpx.MockTransport(handler)


def test_token_is_kept_renewed_before_expiry_and_after_a_401(tmp_path: Path) -> None:
    async def go() -> None:
        issued: list[str] = []
        async with httpx.AsyncClient(transport=_keystone(issued)) as http:
            tokens = TokenSource(CREDS, http)
            assert await tokens.token() == await tokens.token() == "tok-1"
            tokens.invalidate("tok-1")
            assert await tokens.token() == "tok-2"
            # a 401 from the image API: the client gets a new token and tries once more
            issued.append("tok-revoked-elsewhere")
            client = ImageClient("http://ctl/image", tokens, http)
            await client.download("img", tmp_path / "f")
            assert (tmp_path / "f").read_bytes() == b"data" and issued[-1] == "tok-4"
        issued2: list[str] = []
        async with httpx.AsyncClient(
                transport=_keystone(issued2, timedelta(seconds=60))) as http:
            short = TokenSource(CREDS, http, renew_before=120)
            assert await short.token() == "tok-1" and await short.token() == "tok-2"
            with pytest.raises(AuthFailed, match="refused service user 'nova'"):
                await TokenSource(ServiceCredentials(CREDS.auth_url, "nova", "bad"),
                                  http).token()
    asyncio.run(go())


def test_send_waits_for_a_server_that_is_starting() -> None:
    calls: list[int] = []

    async def make() -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ConnectError("connection refused")
        return httpx.Response(200)
    assert asyncio.run(send(make, wait=5)).status_code == 200 and len(calls) == 3
    calls.clear()

    async def never() -> httpx.Response:
        raise httpx.ConnectError("connection refused")
    with pytest.raises(httpx.ConnectError):
        asyncio.run(send(never, wait=0.3))


def test_stored_password_is_made_once(tmp_path: Path) -> None:
    first = stored_password(tmp_path)
    assert first and stored_password(tmp_path) == first
    assert (tmp_path / "keys" / "service_password").stat().st_mode & 0o777 == 0o600
