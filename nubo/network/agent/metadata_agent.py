"""The host's metadata agent (Neutron's neutron-metadata-agent): between the metadata proxies
in the namespaces and the controller's metadata API.

Each namespace's proxy (dataplane/linux/metadata_proxy.py) forwards a guest's request to a
Unix socket under the data dir that only root can open (namespaces share the filesystem),
adding `X-Forwarded-For` (the guest's address) and `X-Neutron-Router-ID` or
`X-Neutron-Network-ID`. Here the agent finds the instance owning that address from its last
desired state (`NetworkAgent.instance_of`: no database) and sends the request on over HTTP
to the controller's metadata API (`metadata_url`, e.g. http://controller:8080/metadata) with
Nova's headers: `X-Instance-ID`, `X-Tenant-ID`, `X-Forwarded-For` and
`X-Instance-ID-Signature` = HMAC-SHA256(metadata_proxy_shared_secret, instance id), hex. An
address no instance owns gets 404 here, as from Neutron's agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from nubo.network.agent.dataplane.linux.metadata_proxy import MAX_HEAD, SPOOFABLE, pipe

LOG = logging.getLogger("nubo.network.agent.metadata")
SOCKET_NAME = "metadata.sock"
#: sun_path holds 108 bytes; a deeper data dir gets its socket in the temp dir
_MAX_SOCKET_PATH = 100
#: (guest ip, network id, router id) -> (instance id, project id) or None
Lookup = Callable[[str, str | None, str | None], tuple[str, str] | None]


def socket_path(data_dir: Path) -> Path:
    """Where the proxies find the metadata agent (the same path across restarts: the proxies
    outlive a restart of Nubo)."""
    path = data_dir / SOCKET_NAME
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"nubo-metadata-{digest}.sock"


def sign(secret: bytes, instance_id: str) -> str:
    """Nova's X-Instance-ID-Signature."""
    return hmac.new(secret, instance_id.encode(), hashlib.sha256).hexdigest()


def _headers(head: bytes) -> tuple[bytes, dict[bytes, bytes], list[bytes]]:
    """(request line, identity headers by lower-case name, the other header lines)."""
    lines = head.split(b"\r\n")
    ident: dict[bytes, bytes] = {}
    rest: list[bytes] = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key in SPOOFABLE or key == b"host":
            ident[key] = value.strip()
        else:
            rest.append(line)
    return lines[0], ident, rest


def _simple(status: str, body: str) -> bytes:
    data = body.encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode() + data


class MetadataAgent:
    def __init__(self, lookup: Lookup, target: str, secret: bytes, path: Path) -> None:
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"metadata_url must be http://host[:port][/path], not {target!r}")
        self.lookup, self.secret, self.path = lookup, secret, path
        self.host, self.port = url.hostname, url.port or 80
        self.prefix = url.path.rstrip("/").encode()
        self.netloc = url.netloc.encode()
        self.server: asyncio.AbstractServer | None = None

    def rewrite(self, head: bytes) -> bytes | None:
        """The head to send to the metadata API, or None when no instance owns the address."""
        first, ident, rest = _headers(head)
        forwarded = ident.get(b"x-forwarded-for", b"").split(b",")[0].strip().decode()
        router = ident.get(b"x-neutron-router-id", b"").decode() or None
        network = ident.get(b"x-neutron-network-id", b"").decode() or None
        found = self.lookup(forwarded, network, router) if forwarded else None
        if found is None:
            return None
        instance_id, project_id = found
        method, _, rest_line = first.partition(b" ")
        target, _, version = rest_line.partition(b" ")
        out = [b" ".join((method, self.prefix + target, version)), b"Host: " + self.netloc,
               *rest,
               b"X-Forwarded-For: " + forwarded.encode(),
               b"X-Instance-ID: " + instance_id.encode(),
               b"X-Tenant-ID: " + project_id.encode(),
               b"X-Instance-ID-Signature: " + sign(self.secret, instance_id).encode(),
               b"Connection: close"]
        return b"\r\n".join(out) + b"\r\n\r\n"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        upstream = self.rewrite(head[:-4])
        if upstream is None:
            writer.write(_simple("404 Not Found", "No instance found for this address."))
            await writer.drain()
            writer.close()
            return
        try:
            up_r, up_w = await asyncio.open_connection(self.host, self.port)
        except OSError as e:
            LOG.warning("metadata API at %s:%s unreachable: %s", self.host, self.port, e)
            writer.write(_simple("502 Bad Gateway", "The metadata API is unreachable."))
            await writer.drain()
            writer.close()
            return
        up_w.write(upstream)
        upload = asyncio.create_task(pipe(reader, up_w))
        await pipe(up_r, writer)
        upload.cancel()
        up_w.close()
        writer.close()

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()          # left by a process that was killed
        old = os.umask(0o077)
        try:
            self.server = await asyncio.start_unix_server(self.handle, str(self.path),
                                                          limit=MAX_HEAD)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)

    async def stop(self) -> None:
        if self.server is None:
            return
        self.server.close()
        with contextlib.suppress(TimeoutError):     # a request still in flight
            await asyncio.wait_for(self.server.wait_closed(), 5.0)
        self.server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
