"""The metadata proxy run inside a qrouter or qdhcp namespace (one process per namespace).

It listens on 169.254.169.254:80 where guests look for metadata, and forwards each request to
the host's metadata agent (nubo/network/agent/metadata_agent.py) on a Unix socket, reachable
because a namespace shares the host's filesystem (or to a loopback URL), adding
`X-Forwarded-For` (the guest's address as seen here) and `X-Neutron-Router-ID` or
`X-Neutron-Network-ID`. The metadata agent maps (network or router, address) to the instance
and signs the request for the controller's metadata API, as Neutron's metadata agent does.
Headers of those names coming from the guest are dropped: a guest cannot pose as another.

    ip netns exec qrouter-<id> python -m nubo.network.agent.dataplane.linux.metadata_proxy \
        --listen 169.254.169.254:80 --target unix:/var/lib/nubo/metadata.sock --router-id <id> \
        --pid-file <path>
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from urllib.parse import urlsplit

MAX_HEAD = 65536
SPOOFABLE = (b"x-forwarded-for", b"x-neutron-router-id", b"x-neutron-network-id",
             b"x-instance-id", b"x-tenant-id", b"x-instance-id-signature", b"connection",
             b"proxy-connection", b"keep-alive")


def rewrite_head(head: bytes, peer_ip: str, router_id: str | None,
                 network_id: str | None) -> bytes:
    """The request head with the guest's identity headers set by us and `Connection: close`."""
    lines = head.split(b"\r\n")
    out = [lines[0]]
    for line in lines[1:]:
        if not line:
            continue
        name = line.split(b":", 1)[0].strip().lower()
        if name not in SPOOFABLE:
            out.append(line)
    out.append(b"X-Forwarded-For: " + peer_ip.encode())
    if router_id:
        out.append(b"X-Neutron-Router-ID: " + router_id.encode())
    if network_id:
        out.append(b"X-Neutron-Network-ID: " + network_id.encode())
    out.append(b"Connection: close")
    return b"\r\n".join(out) + b"\r\n\r\n"


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(ConnectionError, OSError):
        if writer.can_write_eof():
            writer.write_eof()


async def _open_target(target: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if target.startswith("unix:"):
        return await asyncio.open_unix_connection(target[len("unix:"):])
    url = urlsplit(target)
    return await asyncio.open_connection(url.hostname, url.port or 80)


class Proxy:
    def __init__(self, target: str, router_id: str | None, network_id: str | None) -> None:
        self.target, self.router_id, self.network_id = target, router_id, network_id

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        try:
            up_r, up_w = await _open_target(self.target)
        except OSError:
            writer.write(b"HTTP/1.0 502 Bad Gateway\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        up_w.write(rewrite_head(head[:-4], peer[0], self.router_id, self.network_id))
        upload = asyncio.create_task(pipe(reader, up_w))
        await pipe(up_r, writer)
        upload.cancel()
        up_w.close()
        writer.close()


def _write_pid(pid_file: str) -> None:
    tmp = f"{pid_file}.tmp"
    with open(tmp, "w") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(tmp, pid_file)


async def serve(listen: str, target: str, router_id: str | None, network_id: str | None,
                pid_file: str | None) -> None:
    host, _, port = listen.rpartition(":")
    proxy = Proxy(target, router_id, network_id)
    server = await asyncio.start_server(proxy.handle, host, int(port), limit=MAX_HEAD)
    if pid_file:    # written once listening, so a supervisor can wait for readiness
        _write_pid(pid_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--listen", default="169.254.169.254:80")
    ap.add_argument("--target", required=True, help="http://host:port or unix:/path")
    ap.add_argument("--router-id")
    ap.add_argument("--network-id")
    ap.add_argument("--pid-file")
    args = ap.parse_args(argv)
    asyncio.run(serve(args.listen, args.target, args.router_id, args.network_id, args.pid_file))


if __name__ == "__main__":
    main()
