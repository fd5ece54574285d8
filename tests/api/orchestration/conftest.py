"""Orchestration API fixtures: a node on the fake drivers, helpers that create a stack and
wait for the engine, a test image."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from nubo.roles.all_in_one import AllInOne as Node
from tests.conftest import BASE, Api, make_settings

H = "/orchestration/v1"


@pytest.fixture
async def onode(tmp_path: Path) -> AsyncIterator[Node]:
    n = Node(make_settings(tmp_path / "data", volume_driver="fake", volume_capacity_gb=50))
    n.controller.orchestration.engine.poll = 0.01
    await n.start()
    await n.converged()
    try:
        yield n
    finally:
        await n.stop()


@pytest.fixture
async def oapi(onode: Node) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=onode.app),
                                 base_url=BASE) as client:
        a = Api(client, onode)
        a.admin_token = await a.token("admin", "admin-secret", "admin")
        yield a


async def base(api: Api) -> str:
    return f"{H}/{await api.project_id('admin')}"


async def settle(api: Api) -> None:
    await api.node.controller.orchestration.engine.drain()


async def create_stack(api: Api, name: str, template: dict[str, Any] | str,
                       status: int = 201, **extra: Any) -> dict[str, Any]:
    b = await base(api)
    out = await api.ok("POST", f"{b}/stacks", status,
                       json={"stack_name": name, "template": template, **extra})
    await settle(api)
    return dict(out)


async def show(api: Api, name: str) -> dict[str, Any]:
    b = await base(api)
    r = await api.req("GET", f"{b}/stacks/{name}")
    assert r.status_code == 302, r.text
    path = r.headers["location"].split("127.0.0.1:8880", 1)[1]
    return dict((await api.ok("GET", path))["stack"])


async def heat_fault(api: Api, method: str, path: str, status: int, **kw: Any) -> str:
    r = await api.req(method, path, **kw)
    assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
    body = r.json()
    assert set(body) == {"code", "title", "explanation", "error"}, body
    assert body["code"] == status and body["error"]["traceback"] is None
    return str(body["error"]["message"])


async def image_id(api: Api) -> str:
    img = await api.ok("POST", "/image/v2/images", 201, json={
        "name": "heat-img", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"})
    r = await api.req("PUT", f"/image/v2/images/{img['id']}/file", content=b"\0" * 4096,
                      headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204
    return str(img["id"])
