"""Shared fixtures: an in-process node on a throwaway data dir, and an HTTP client on it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from nubo.config import Settings
from nubo.roles.all_in_one import AllInOne

BASE = "http://127.0.0.1:8880"
ID = "/identity/v3"


def make_settings(data_dir: Path, **kw: Any) -> Settings:
    kw.setdefault("password_hash_rounds", 4)
    kw.setdefault("admin_password", "admin-secret")
    kw.setdefault("test_image", False)
    kw.setdefault("virt", "fake")     # auto would start libvirtd where it can
    kw.setdefault("port", 8880)
    return Settings(data_dir=data_dir, host="127.0.0.1", **kw)


class Api:
    """A thin client: requests with a token, and the admin's token at hand."""

    def __init__(self, client: httpx.AsyncClient, node: AllInOne) -> None:
        self.client = client
        self.node = node
        self.admin_token = ""

    async def token(self, user: str, password: str, project: str | None = None,
                    domain: str = "Default", scope: Any = None) -> str:
        auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {
            "user": {"name": user, "password": password, "domain": {"name": domain}}}}}
        if project:
            auth["scope"] = {"project": {"name": project, "domain": {"name": domain}}}
        elif scope is not None:
            auth["scope"] = scope
        r = await self.client.post(f"{ID}/auth/tokens", json={"auth": auth})
        assert r.status_code == 201, r.text
        return r.headers["x-subject-token"]

    async def req(self, method: str, path: str, token: str | None = None,
                  **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}) or {})
        tok = self.admin_token if token is None else token
        if tok:
            headers["X-Auth-Token"] = tok
        url = "/identity" + path if path.startswith("/v3") else path
        return await self.client.request(method, url, headers=headers, **kw)

    async def ok(self, method: str, path: str, status: int = 200, token: str | None = None,
                 **kw: Any) -> Any:
        r = await self.req(method, path, token, **kw)
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
        if not r.content:
            return None
        return r.json() if "json" in r.headers.get("content-type", "") else r.text

    async def make_user(self, name: str, password: str = "pw", project: str | None = None,
                        role: str = "member") -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "password": password, "domain_id": "default"}
        user = (await self.ok("POST", "/v3/users", 201, json={"user": body}))["user"]
        if project:
            pid = await self.project_id(project)
            rid = await self.role_id(role)
            await self.ok("PUT", f"/v3/projects/{pid}/users/{user['id']}/roles/{rid}", 204)
        return user

    async def make_project(self, name: str) -> dict[str, Any]:
        return (await self.ok("POST", "/v3/projects", 201,
                              json={"project": {"name": name, "domain_id": "default"}}))["project"]

    async def project_id(self, name: str) -> str:
        return (await self.ok("GET", f"/v3/projects?name={name}"))["projects"][0]["id"]

    async def role_id(self, name: str) -> str:
        return (await self.ok("GET", f"/v3/roles?name={name}"))["roles"][0]["id"]


@asynccontextmanager
async def api_on(settings: Any) -> AsyncIterator[Api]:
    """A started node of its own (for settings the shared fixtures do not have), with a
    client logged in as the admin."""
    node = AllInOne(settings)
    await node.start()
    await node.converged()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                     base_url=BASE) as client:
            a = Api(client, node)
            a.admin_token = await a.token("admin", "admin-secret", "admin")
            yield a
    finally:
        await node.stop()


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[AllInOne]:
    n = AllInOne(make_settings(tmp_path / "data"))
    await n.start()
    await n.converged()
    try:
        yield n
    finally:
        await n.stop()


@pytest.fixture
async def api(node: AllInOne) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=node.app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        a = Api(client, node)
        a.admin_token = await a.token("admin", "admin-secret", "admin")
        yield a


@contextlib.asynccontextmanager
async def listening_on(app: Any, port: int) -> Any:
    """The node's app on loopback `port` (0: a free one); yields the port."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           lifespan="off"))
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()           # it failed to start: say why
        await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task
