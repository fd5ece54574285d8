"""The noVNC relay: time to a VNC greeting through it, and throughput both ways.

A fake VNC server on loopback (greets with the RFB version, then echoes) behind NoVncApp on
a real uvicorn server, reached with the `websockets` client. Run: python bench/novnc_relay.py
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import uvicorn
import websockets
from common import free_port, pct, report  # bench/ is on sys.path

from nubo.compute.api.novnc import NoVncApp
from nubo.core.app import NuboApp

CONNECTS = 200
PAYLOAD_MB = 64
FRAME = 64 * 1024


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"RFB 003.008\n")
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(FRAME):
            writer.write(data)
            await writer.drain()
    writer.close()


async def main() -> None:
    vnc = await asyncio.start_server(echo, "127.0.0.1", 0)
    vnc_port = vnc.sockets[0].getsockname()[1]
    counter = iter(range(10 ** 9))

    async def validate(token: str) -> dict[str, Any] | None:
        return {"instance_id": "i", "host": "127.0.0.1", "port": vnc_port, "kind": "novnc"}

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(
        NuboApp([], mounts={"/vnc": NoVncApp(validate, 600)}), host="127.0.0.1", port=port,
        log_config=None, access_log=False, lifespan="off", server_header=False))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.02)
    url = f"ws://127.0.0.1:{port}/vnc?token="

    greet: list[float] = []
    for _ in range(CONNECTS):
        t0 = time.perf_counter()
        async with websockets.connect(url + str(next(counter))) as ws:
            await ws.recv()
            greet.append(time.perf_counter() - t0)

    async with websockets.connect(url + str(next(counter)), max_size=None) as ws:
        await ws.recv()
        chunk = b"x" * FRAME
        total = PAYLOAD_MB * 1024 * 1024

        async def sender() -> None:
            for _ in range(total // FRAME):
                await ws.send(chunk)

        t0 = time.perf_counter()
        send_task = asyncio.create_task(sender())
        got = 0
        while got < total:
            got += len(await ws.recv())
        await send_task
        seconds = time.perf_counter() - t0

    server.should_exit = True
    await task
    vnc.close()
    report({"connect_to_greeting_p50_ms": pct(greet, 0.5),
            "connect_to_greeting_p95_ms": pct(greet, 0.95),
            "echo_throughput_MiB_per_s_each_way": PAYLOAD_MB / seconds})


if __name__ == "__main__":
    asyncio.run(main())
