"""A cloud in this process (fake hypervisor), served over real HTTP by uvicorn on a free
port, and Debian's chromium driven by Playwright (`playwright install` cannot download a
browser here: the machine's network is closed)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright import async_api as playwright_api

from nubo.roles.all_in_one import AllInOne
from tests.conftest import make_settings
from tests.install import missing

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AXE = "/static/vendor/axe-4.11.1.min.js"



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cloud:
    def __init__(self, node: AllInOne, url: str) -> None:
        self.node, self.url = node, url

    @property
    def demo_password(self) -> str:
        assert self.node.credentials is not None
        return self.node.credentials.demo_password


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Cloud]:
    port = free_port()
    settings = make_settings(tmp_path / "data")
    settings = settings.model_copy(update={"port": port})
    node = AllInOne(settings)
    await node.start()
    await node.converged()
    server = uvicorn.Server(uvicorn.Config(node.app, host="127.0.0.1", port=port,
                                           log_config=None, access_log=False,
                                           lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:   # noqa: ASYNC110 - uvicorn offers a flag, no event
            await asyncio.sleep(0.01)
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url) as c:
            await _public_image(c)
        yield Cloud(node, url)
    finally:
        server.should_exit = True
        await task
        await node.stop()


async def _public_image(c: httpx.AsyncClient) -> None:
    """A small public image to boot on the fake hypervisor."""
    r = await c.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": "admin-secret", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    h = {"X-Auth-Token": r.headers["x-subject-token"]}
    img = (await c.post("/image/v2/images", headers=h, json={
        "name": "cirros-fake", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"})).json()
    r = await c.put(f"/image/v2/images/{img['id']}/file", content=b"\0" * 65536,
                    headers={**h, "Content-Type": "application/octet-stream"})
    assert r.status_code == 204


def need_chromium() -> None:
    """The install step (scripts/test.sh) provides it: a skip only where nobody promised it."""
    if not CHROMIUM.exists():
        missing("guest_tools", "Debian's chromium is not installed")


@pytest.fixture
async def page(cloud: Cloud) -> AsyncIterator[Any]:
    need_chromium()
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800},
                                                base_url=cloud.url)
            p = await context.new_page()
            p.on("dialog", lambda d: asyncio.ensure_future(d.accept()))
            yield p
        finally:
            await browser.close()


async def axe_violations(page: Any) -> list[str]:
    """axe-core's critical and serious violations on the page now (vendored axe)."""
    await page.add_script_tag(url=AXE)
    result = await page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')
            .map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' '))
            .slice(0, 3).join(', '));
    }""")
    return list(result)


async def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
