"""The noVNC relay through a real uvicorn server, a real WebSocket client and a fake VNC server
(a TCP server on loopback that greets with the RFB version and echoes)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from websockets.exceptions import InvalidStatus

from nubo.compute.api.novnc import NOVNC_DIR, POLICY_VIOLATION, NoVncApp, _OnceWithinTtl
from nubo.core.app import NuboApp
from tests.install import missing

RFB_HELLO = b"RFB 003.008\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class FakeConsoles:
    """Plays nubo.compute.service.consoles: token -> console; an expired token is simply unknown."""

    vnc_port: int
    tokens: dict[str, str] = field(default_factory=dict)    # token -> kind
    calls: int = 0

    async def validate(self, token: str) -> dict[str, Any] | None:
        self.calls += 1
        kind = self.tokens.get(token)
        if kind is None:
            return None
        return {"instance_id": "inst-1", "host": "127.0.0.1", "port": self.vnc_port,
                "kind": kind}


@dataclass
class Cloud:
    base: str
    ws_base: str
    consoles: FakeConsoles
    vnc_clients: list[asyncio.Event]


@contextlib.asynccontextmanager
async def fake_vnc_server() -> AsyncIterator[tuple[int, list[asyncio.Event]]]:
    clients: list[asyncio.Event] = []     # one per connection, set when the peer hung up

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ended = asyncio.Event()
        clients.append(ended)
        writer.write(RFB_HELLO)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        ended.set()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], clients
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def cloud() -> AsyncIterator[Cloud]:
    async with fake_vnc_server() as (vnc_port, clients):
        consoles = FakeConsoles(vnc_port)
        app = NuboApp([], mounts={"/vnc": NoVncApp(consoles.validate, token_ttl=600)})
        port = _free_port()
        # configured as `nubo up` serves (nubo/server.py)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_config=None, access_log=False,
                                               lifespan="off", server_header=False))
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:
                assert not task.done(), "uvicorn did not start"
                await asyncio.sleep(0.02)
            yield Cloud(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", consoles,
                        clients)
        finally:
            server.should_exit = True
            await task


async def test_relays_both_ways_in_binary_frames(cloud: Cloud) -> None:
    cloud.consoles.tokens["good"] = "novnc"
    async with websockets.connect(f"{cloud.ws_base}/vnc?token=good",
                                  subprotocols=["binary"]) as ws:   # type: ignore[list-item]
        assert ws.subprotocol == "binary"
        assert await ws.recv() == RFB_HELLO
        await ws.send(b"RFB 003.008\n")
        assert await ws.recv() == b"RFB 003.008\n"
        big = bytes(range(256)) * 1024                                # 256 KiB, many reads
        await ws.send(big)
        got = b""
        while len(got) < len(big):
            frame = await ws.recv()
            assert isinstance(frame, bytes)
            got += frame
        assert got == big
    assert len(cloud.vnc_clients) == 1


async def test_browser_closing_closes_the_vnc_connection(cloud: Cloud) -> None:
    cloud.consoles.tokens["t"] = "novnc"
    async with websockets.connect(f"{cloud.ws_base}/vnc?token=t") as ws:
        assert await ws.recv() == RFB_HELLO
    # the relay ends its TCP side: the fake server's read loop sees EOF
    await asyncio.wait_for(cloud.vnc_clients[0].wait(), 10)


@pytest.mark.parametrize("query", ["token=unknown", "", "token="])
async def test_bad_token_refused_before_upgrade(cloud: Cloud, query: str) -> None:
    with pytest.raises(InvalidStatus) as err:
        async with websockets.connect(f"{cloud.ws_base}/vnc?{query}"):
            pass
    assert err.value.response.status_code == 403
    assert cloud.vnc_clients == []


async def test_expired_token_refused(cloud: Cloud) -> None:
    cloud.consoles.tokens["old"] = "novnc"
    del cloud.consoles.tokens["old"]           # the compute service let it expire
    with pytest.raises(InvalidStatus) as err:
        async with websockets.connect(f"{cloud.ws_base}/vnc?token=old"):
            pass
    assert err.value.response.status_code == 403
    assert cloud.consoles.calls == 1


async def test_token_works_once(cloud: Cloud) -> None:
    cloud.consoles.tokens["once"] = "novnc"
    async with websockets.connect(f"{cloud.ws_base}/vnc?token=once") as ws:
        assert await ws.recv() == RFB_HELLO
    with pytest.raises(InvalidStatus) as err:
        async with websockets.connect(f"{cloud.ws_base}/vnc?token=once"):
            pass
    assert err.value.response.status_code == 403
    assert len(cloud.vnc_clients) == 1


async def test_serial_console_token_not_for_vnc(cloud: Cloud) -> None:
    cloud.consoles.tokens["serial"] = "serial"
    with pytest.raises(InvalidStatus):
        async with websockets.connect(f"{cloud.ws_base}/vnc?token=serial"):
            pass


async def test_cross_site_origin_refused(cloud: Cloud) -> None:
    cloud.consoles.tokens["x"] = "novnc"
    with pytest.raises(InvalidStatus):
        async with websockets.connect(f"{cloud.ws_base}/vnc?token=x",
                                      origin="http://evil.example"):  # type: ignore[arg-type]
            pass
    # the same token still works from the page this server served
    origin = cloud.base
    async with websockets.connect(f"{cloud.ws_base}/vnc?token=x",
                                  origin=origin) as ws:               # type: ignore[arg-type]
        assert await ws.recv() == RFB_HELLO


async def test_unreachable_vnc_server_closes(cloud: Cloud) -> None:
    cloud.consoles.vnc_port = _free_port()      # nothing listens there
    cloud.consoles.tokens["t"] = "novnc"
    with pytest.raises(InvalidStatus):       # refused before the upgrade, not left hanging
        async with websockets.connect(f"{cloud.ws_base}/vnc?token=t"):
            pass


async def test_websocket_elsewhere_refused(cloud: Cloud) -> None:
    with pytest.raises(InvalidStatus) as err:
        async with websockets.connect(f"{cloud.ws_base}/compute/v2.1"):
            pass
    assert err.value.response.status_code == 403


async def test_serves_novnc_pages(cloud: Cloud) -> None:
    if not NOVNC_DIR.is_dir():
        missing("runtime", "Debian package novnc not installed")
    async with httpx.AsyncClient(base_url=cloud.base) as http:
        page = await http.get("/vnc/vnc_lite.html")
        assert page.status_code == 200 and "noVNC" in page.text
        assert page.headers["content-type"].startswith("text/html")
        js = await http.get("/vnc/core/rfb.js")
        assert js.status_code == 200 and "javascript" in js.headers["content-type"]
        assert (await http.get("/vnc/../../etc/passwd")).status_code == 404
        assert (await http.get("/vnc/nope.html")).status_code == 404


def test_once_within_ttl_forgets_after_ttl() -> None:
    now = [100.0]
    once = _OnceWithinTtl(ttl=10, clock=lambda: now[0])
    assert once.claim("a") and not once.claim("a") and once.claim("b")
    now[0] = 109.0
    assert not once.claim("a")
    now[0] = 110.0
    assert once.claim("a")                  # its TTL passed; the validator refuses it anyway
    assert POLICY_VIOLATION == 1008
