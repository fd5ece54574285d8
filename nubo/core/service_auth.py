"""A service user's Keystone token, for the host agents' calls to the controller's APIs.

A host holds no database credentials: to fetch an image or upload a snapshot it asks the
image API over HTTP, as Nova's compute does, with the token of a service user (DevStack's
`nova` in project `service`, roles `service` and `admin`). `TokenSource` gets that token with
a password (POST /v3/auth/tokens), keeps it and gets a new one shortly before it expires or
when an API answers 401.

`send` retries while the controller does not listen yet: in `nubo up` the agent starts in
the same process before the HTTP server binds its port, and the first boot after a start
must not fail for that.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

LOG = logging.getLogger("nubo.service_auth")
#: DevStack's service user for compute, in project `service`
SERVICE_USER = "nova"
SERVICE_PROJECT = "service"


@dataclass(frozen=True)
class ServiceCredentials:
    auth_url: str               # the identity API, e.g. http://ctl:5000/identity/v3
    username: str
    password: str
    project_name: str = SERVICE_PROJECT
    user_domain: str = "Default"
    project_domain: str = "Default"


class AuthFailed(OSError):
    """Keystone refused the service user (or could not be reached)."""


async def send(make: Callable[[], Awaitable[httpx.Response]],
               wait: float = 60.0) -> httpx.Response:
    """`make()` once, or again every 0.25 s while the server refuses connections, for up to
    `wait` seconds (the controller is starting)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return await make()
        except httpx.ConnectError:
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.25)


class TokenSource:
    def __init__(self, creds: ServiceCredentials, client: httpx.AsyncClient,
                 renew_before: float = 120.0, connect_wait: float = 60.0) -> None:
        self.creds = creds
        self.client = client
        self.renew_before = renew_before
        self.connect_wait = connect_wait
        self._token: str | None = None
        self._expires: float = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        """A valid token, fetched when there is none or it expires within `renew_before`."""
        async with self._lock:
            if self._token is None or time.time() >= self._expires - self.renew_before:
                self._token, self._expires = await self._issue()
            return self._token

    def invalidate(self, token: str) -> None:
        """An API answered 401 to `token` (revoked, keys rotated): get a new one next time."""
        if self._token == token:
            self._token = None

    async def _issue(self) -> tuple[str, float]:
        c = self.creds
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": c.username, "domain": {"name": c.user_domain},
                "password": c.password}}},
            "scope": {"project": {"name": c.project_name,
                                  "domain": {"name": c.project_domain}}}}}
        url = c.auth_url.rstrip("/") + "/auth/tokens"
        try:
            r = await send(lambda: self.client.post(url, json=body), self.connect_wait)
        except httpx.HTTPError as exc:
            raise AuthFailed(f"cannot reach the identity API at {url}: {exc}") from exc
        if r.status_code != 201 or "X-Subject-Token" not in r.headers:
            raise AuthFailed(f"the identity API refused service user {c.username!r} "
                             f"({r.status_code}): {r.text[:200]}")
        expires = _timestamp(str(r.json()["token"]["expires_at"]))
        LOG.debug("service token for %s, expires %s", c.username, expires)
        return r.headers["X-Subject-Token"], expires


def _timestamp(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def stored_password(data_dir: Path) -> str:
    """The service user's password kept in DATA_DIR/keys/service_password (mode 0600),
    made once: for a node whose settings name none."""
    path = data_dir / "keys" / "service_password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(24))
        os.replace(tmp, path)
    return path.read_text().strip()
