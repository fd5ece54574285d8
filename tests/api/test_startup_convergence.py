"""A restarted node serves its API before its hypervisor has connected.

The compute part (the hypervisor's connection, the hosts' reports, the first reconcile)
converges after readiness: /healthz lists it as converging; what does not need the hypervisor
answers at once; what needs it waits for it (a console read, a new server's build), and
answers when the hypervisor is there. A hypervisor that fails to start makes those calls a
clear 409 and /healthz degraded, never a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from nubo.roles.all_in_one import AllInOne
from tests.api.test_compute_servers import S, create, flavor_id, image_id, wait
from tests.conftest import BASE, Api, api_on, make_settings


async def _first_start(tmp_path: Path) -> tuple[Any, str, str, str]:
    """A cloud with one ACTIVE server on it, stopped; (settings, server, image, flavor)."""
    settings = make_settings(tmp_path / "data")
    async with api_on(settings) as a:
        img, flv = await image_id(a), await flavor_id(a)
        sid = (await create(a, img, flv, name="before"))["server"]["id"]
        await wait(a, sid, "ACTIVE")
    return settings, sid, img, flv


@asynccontextmanager
async def restarted(settings: Any, connect: Callable[[Callable[[], Awaitable[None]]],
                                                     Awaitable[None]]
                    ) -> AsyncIterator[Api]:
    """The node started again, its hypervisor connecting through `connect(real)`."""
    node = AllInOne(settings)
    real = node.host.connect

    async def slow() -> None:
        await connect(real)
    node.host.connect = slow     # type: ignore[method-assign]
    await node.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                     base_url=BASE) as client:
            api = Api(client, node)
            api.admin_token = await api.token("admin", "admin-secret", "admin")
            yield api
    finally:
        await node.stop()


async def console(api: Api, sid: str) -> httpx.Response:
    return await api.req("POST", f"{S}/{sid}/action", json={"os-getConsoleOutput": {}})


async def test_the_api_serves_while_the_hypervisor_connects(tmp_path: Path) -> None:
    settings, sid, img, flv = await _first_start(tmp_path)
    release = asyncio.Event()

    async def connect(real: Callable[[], Awaitable[None]]) -> None:
        await release.wait()
        await real()
    async with restarted(settings, connect) as api:
        health = await api.client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["parts"]["compute"] == "converging"
        listed = await api.ok("GET", S)
        assert [s["id"] for s in listed["servers"]] == [sid]
        reading = asyncio.create_task(console(api, sid))
        new = (await create(api, img, flv, name="during"))["server"]["id"]
        await asyncio.sleep(0.2)
        assert not reading.done()       # waits for the hypervisor
        shown = (await api.ok("GET", f"{S}/{new}"))["server"]
        assert shown["status"] == "BUILD"
        release.set()
        r = await reading
        assert r.status_code == 200 and "fake console of" in r.json()["output"]
        await api.node.converged()
        assert (await api.client.get("/healthz")).json()["parts"]["compute"] == "ready"
        await wait(api, new, "ACTIVE")


async def test_a_hypervisor_that_fails_to_start_gives_409_not_500(tmp_path: Path) -> None:
    settings, sid, img, flv = await _first_start(tmp_path)

    async def connect(real: Callable[[], Awaitable[None]]) -> None:
        raise RuntimeError("libvirtd did not answer")
    async with restarted(settings, connect) as api:
        try:
            await api.node.converged()
        except RuntimeError:
            pass
        assert api.node.failed
        stopped = asyncio.Event()       # what makes `nubo up` exit 1 (nubo/server.py)
        api.node.watch(stopped.set)
        await asyncio.wait_for(stopped.wait(), 10)
        health = (await api.client.get("/healthz")).json()
        assert health["status"] == "degraded" and health["parts"]["compute"] == "failed"
        assert "libvirtd did not answer" in health["problems"]["compute"]
        r = await console(api, sid)
        assert r.status_code == 409, r.text
        assert r.json()["conflictingRequest"]["code"] == 409
        assert (await api.ok("GET", S))["servers"]
