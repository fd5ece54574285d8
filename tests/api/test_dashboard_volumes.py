"""The volumes page's snapshots and extend, in-process on the fake volume backend: a
snapshot made and deleted, a volume extended, the service's refusal beside the volume."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from nubo.roles.all_in_one import AllInOne
from tests.api.test_dashboard import Browser, demo_password
from tests.conftest import BASE, Api, make_settings


@pytest.fixture
async def vnode(tmp_path: Path) -> AsyncIterator[AllInOne]:
    n = AllInOne(make_settings(tmp_path / "data", volume_driver="fake",
                               volume_capacity_gb=50))
    await n.start()
    await n.converged()
    try:
        yield n
    finally:
        await n.stop()


class Demo:
    def __init__(self, browser: Browser, api: Api, token: str, pid: str) -> None:
        self.browser, self.api, self.token, self.pid = browser, api, token, pid

    async def get(self, path: str) -> Any:
        return await self.api.ok("GET", f"/volume/v3/{self.pid}{path}", token=self.token)

    async def until(self, path: str, key: str, status: str | None) -> Any:
        """The volume or snapshot at `path` once it has `status` (None: gone)."""
        for _ in range(400):
            r = await self.api.req("GET", f"/volume/v3/{self.pid}{path}", self.token)
            if status is None and r.status_code == 404:
                return None
            if r.status_code == 200 and r.json()[key]["status"] == status:
                return r.json()[key]
            await asyncio.sleep(0.02)
        raise AssertionError(f"{path} never reached {status}: {r.text}")


@pytest.fixture
async def demo(vnode: AllInOne) -> AsyncIterator[Demo]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=vnode.app),
                                 base_url=BASE) as client:
        api = Api(client, vnode)
        api.admin_token = await api.token("admin", "admin-secret", "admin")
        token = await api.token("demo", demo_password(vnode), "demo")
        pid = await api.project_id("demo")
        b = Browser(client)
        await b.login("demo", demo_password(vnode))
        yield Demo(b, api, token, pid)


async def _volume(d: Demo, name: str) -> dict[str, Any]:
    r = await d.browser.post("/volumes", name=name, size="1")
    assert r.status_code == 303
    vols = (await d.get(f"/volumes/detail?name={name}"))["volumes"]
    assert len(vols) == 1
    return dict(await d.until(f"/volumes/{vols[0]['id']}", "volume", "available"))


async def test_snapshot_a_volume_and_delete_it(demo: Demo) -> None:
    vol = await _volume(demo, "data")
    page = (await demo.browser.c.get("/volumes")).text
    assert f'action="/volumes/{vol["id"]}/snapshots"' in page and "No snapshots." in page
    assert "openstack volume snapshot create --volume {volume} {name}" in page
    r = await demo.browser.post(f"/volumes/{vol['id']}/snapshots", name="nightly")
    assert r.status_code == 303
    snaps = (await demo.get("/snapshots/detail"))["snapshots"]
    assert [s["name"] for s in snaps] == ["nightly"] and snaps[0]["volume_id"] == vol["id"]
    await demo.until(f"/snapshots/{snaps[0]['id']}", "snapshot", "available")
    page = (await demo.browser.c.get("/volumes")).text
    assert "nightly" in page and f'action="/snapshots/{snaps[0]["id"]}/delete"' in page
    # the volume has a snapshot: Cinder refuses its deletion, said beside the volume
    r = await demo.browser.post(f"/volumes/{vol['id']}/delete")
    assert r.status_code == 303
    page = (await demo.browser.c.get("/volumes")).text
    assert re.search(r'class="field-error">[^<]*snapshot', page, re.I), page
    r = await demo.browser.post(f"/snapshots/{snaps[0]['id']}/delete")
    assert r.status_code == 303
    await demo.until(f"/snapshots/{snaps[0]['id']}", "snapshot", None)


async def test_extend_a_volume(demo: Demo) -> None:
    vol = await _volume(demo, "grow")
    page = (await demo.browser.c.get("/volumes")).text
    assert f'id="ext-{vol["id"]}" name="size" type="number" min="2"' in page
    r = await demo.browser.post(f"/volumes/{vol['id']}/extend", size="3")
    assert r.status_code == 303
    grown = await demo.until(f"/volumes/{vol['id']}", "volume", "available")
    for _ in range(400):
        if grown["size"] == 3:
            break
        await asyncio.sleep(0.02)
        grown = await demo.until(f"/volumes/{vol['id']}", "volume", "available")
    assert grown["size"] == 3
    # shrinking is refused by the service, in its words, beside the volume
    r = await demo.browser.post(f"/volumes/{vol['id']}/extend", size="1")
    assert r.status_code == 303
    page = (await demo.browser.c.get("/volumes")).text
    assert re.search(r'class="field-error">[^<]*size', page, re.I), page
    r = await demo.browser.post(f"/volumes/{vol['id']}/extend", size="big")
    page = (await demo.browser.c.get("/volumes")).text
    assert "The new size is a whole number of GiB." in page
