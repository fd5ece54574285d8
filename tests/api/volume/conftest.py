"""Block storage API fixtures: a node on the fake volume backend (fault injection), helpers
that create volumes and wait for them, and a member of another project."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from nubo.roles.all_in_one import AllInOne as Node
from nubo.volume.agent.backend.fake import FakeDriver
from tests.conftest import BASE, Api, listening_on, make_settings

V3 = "/volume/v3"


def mv(v: str = "3.71") -> dict[str, str]:
    return {"OpenStack-API-Version": f"volume {v}"}


@pytest.fixture
async def vnode(tmp_path: Path) -> AsyncIterator[Node]:
    n = Node(make_settings(tmp_path / "data", volume_driver="fake", volume_capacity_gb=50))
    await n.start()
    await n.converged()
    try:
        yield n
    finally:
        await n.stop()


@pytest.fixture
async def vapi(vnode: Node) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=vnode.app),
                                 base_url=BASE) as client:
        a = Api(client, vnode)
        a.admin_token = await a.token("admin", "admin-secret", "admin")
        yield a


def fake(api: Api) -> FakeDriver:
    driver = api.node.controller.volume.storage.driver
    assert isinstance(driver, FakeDriver)
    return driver


async def settle(api: Api) -> None:
    """Wait for the backend work that the API's 202s started."""
    await api.node.controller.volume.storage.worker.drain()


async def fault(api: Api, method: str, path: str, status: int, key: str,
                token: str | None = None, **kw: Any) -> str:
    """A fault in Cinder's format: `{key: {"code": status, "message": ...}}`."""
    r = await api.req(method, path, token, **kw)
    assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
    body = r.json()
    assert list(body) == [key], body
    assert body[key]["code"] == status and body[key]["message"]
    return str(body[key]["message"])


async def make_volume(api: Api, token: str | None = None, size: int = 1,
                      **extra: Any) -> dict[str, Any]:
    body = {"volume": {"size": size, **extra}}
    vol = (await api.ok("POST", f"{V3}/volumes", 202, token, json=body))["volume"]
    await settle(api)
    return dict(vol)


async def status_of(api: Api, path: str, key: str, token: str | None = None) -> str:
    return str((await api.ok("GET", path, 200, token))[key]["status"])


@pytest.fixture
async def member(vapi: Api) -> tuple[str, str]:
    """(token, project id) of a member of project `other`."""
    await vapi.make_project("other")
    await vapi.make_user("olga", "pw", "other", "member")
    pid = await vapi.project_id("other")
    return await vapi.token("olga", "pw", "other"), pid


async def gone(api: Api, path: str, token: str | None = None) -> bool:
    for _ in range(100):
        r = await api.req("GET", path, token)
        if r.status_code == 404:
            return True
        await asyncio.sleep(0.01)
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def served(tmp_path: Path, **kw: Any) -> AsyncIterator[Api]:
    """A node whose API also listens on a loopback port (its base_url): the volume work
    fetches and uploads image data over the image API, as a host does."""
    port = free_port()
    n = Node(make_settings(tmp_path / "data", port=port, **kw))
    await n.start()
    await n.converged()
    try:
        async with listening_on(n.app, port), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=n.app), base_url=BASE) as client:
            a = Api(client, n)
            a.admin_token = await a.token("admin", "admin-secret", "admin")
            yield a
    finally:
        await n.stop()


async def make_image(api: Api, data: bytes, disk_format: str = "raw",
                     token: str | None = None, **props: Any) -> str:
    img = await api.ok("POST", "/image/v2/images", 201, token, json={
        "name": "vol-src", "disk_format": disk_format, "container_format": "bare",
        **props})
    r = await api.req("PUT", f"/image/v2/images/{img['id']}/file", token, content=data,
                      headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204, r.text
    return str(img["id"])
