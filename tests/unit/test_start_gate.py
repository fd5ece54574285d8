"""What answers while `nubo up` starts: the start-up gate, and calls to a host still starting.

The gate answers /healthz at once (503, "starting"), holds every other request until the node
serves and then hands it on; a request held too long, or one that came to a node whose start
failed, gets a 503 in its service's fault format. On the bus, a call to a host still starting
waits for it within the call's timeout; a host whose start failed is unreachable, saying why.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from nubo.core.bus import HostUnreachable, InProcessBus
from nubo.core.gate import StartGate
from nubo.server import STYLES


async def _hello(scope: Scope, receive: Receive, send: Send) -> None:
    body = f"served {scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


def _client(gate: StartGate) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=gate), base_url="http://n")


async def test_healthz_says_starting_and_requests_wait_for_the_node() -> None:
    gate = StartGate(STYLES)
    gate.step = "database"
    async with _client(gate) as c:
        r = await c.get("/healthz")
        assert r.status_code == 503
        assert r.json() == {"status": "starting", "step": "database", "problems": {},
                            "services": [], "parts": {"api": "starting"}}
        assert r.headers["x-openstack-request-id"].startswith("req-")
        held = asyncio.create_task(c.get("/compute/v2.1/servers"))
        await asyncio.sleep(0.05)
        assert not held.done()          # held, not refused
        gate.open(_hello)
        r = await held
        assert (r.status_code, r.text) == (200, "served /compute/v2.1/servers")
        assert (await c.get("/healthz")).text == "served /healthz"


@pytest.mark.parametrize(("path", "key"), [
    ("/compute/v2.1/servers", "serviceUnavailable"), ("/identity/v3/auth/tokens", "error"),
    ("/networking/v2.0/networks", "NeutronError"), ("/placement/resource_providers", "errors")])
async def test_a_failed_start_answers_503_in_the_services_format(path: str, key: str) -> None:
    gate = StartGate(STYLES)
    async with _client(gate) as c:
        held = asyncio.create_task(c.get(path))
        await asyncio.sleep(0.02)
        gate.fail("database unreachable")
        r = await held
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        assert key in r.json()
        assert "The cloud failed to start: database unreachable" in r.text
        health = await c.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "failed"
        assert health.json()["problems"] == {"api": "database unreachable"}


async def test_a_request_held_too_long_gets_a_503_saying_the_cloud_starts() -> None:
    gate = StartGate(STYLES, hold_seconds=0.05)
    gate.step = "identity"
    async with _client(gate) as c:
        r = await c.get("/image/v2/images")
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("text/plain")       # Glance's faults
    assert "still starting (identity)" in r.text


class _Agent:
    RPC_METHODS = frozenset({"report"})

    async def report(self) -> str:
        return "here"


async def test_a_call_to_a_starting_host_waits_until_it_serves() -> None:
    bus = InProcessBus()
    bus.register("h1", _Agent())
    bus.starting("h1")
    call = asyncio.create_task(bus.call("h1", "report", timeout=5))
    settled = asyncio.create_task(bus.settled())
    await asyncio.sleep(0.05)
    assert not call.done() and not settled.done()
    bus.started("h1")
    assert await call == "here"
    await asyncio.wait_for(settled, 1)
    assert await bus.call("h1", "report") == "here"


async def test_a_starting_host_that_does_not_serve_in_time_is_unreachable() -> None:
    bus = InProcessBus()
    bus.register("h1", _Agent())
    bus.starting("h1")
    with pytest.raises(HostUnreachable, match="h1 is still starting"):
        await bus.call("h1", "report", timeout=0.05)


async def test_a_host_whose_start_failed_is_unreachable_with_the_reason() -> None:
    bus = InProcessBus()
    bus.register("h1", _Agent())
    bus.starting("h1")
    call = asyncio.create_task(bus.call("h1", "report", timeout=5))
    await asyncio.sleep(0.02)
    bus.started("h1", "libvirtd did not answer")
    with pytest.raises(HostUnreachable, match="h1 failed to start: libvirtd did not answer"):
        await call
    with pytest.raises(HostUnreachable, match="failed to start"):
        await bus.call("h1", "report")
    await asyncio.wait_for(bus.settled(), 1)      # settled: nothing is starting any more
