"""The compute host's way to image data: the image API over HTTP, with a service token.

`download` streams an image's data into a file (the image cache's fetch) and checks it
against the MD5 the image API sends (`Content-MD5`, Glance's checksum): a transfer that
does not match is refused, never booted. `upload` streams a file as the data of a queued
image (a snapshot): the image API checks its format and records its checksums, as for any
upload. Failures are OSError (the image cache turns them into SpawnFailed).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from nubo.core.files import read_chunks
from nubo.core.service_auth import TokenSource, send

LOG = logging.getLogger("nubo.compute.agent.images")
CHUNK = 1024 * 1024


class ChecksumMismatch(OSError):
    """The data that arrived is not the image's (its MD5 differs from the image's checksum)."""


class ImageClient:
    def __init__(self, image_url: str, tokens: TokenSource, client: httpx.AsyncClient,
                 connect_wait: float = 60.0) -> None:
        self.image_url = image_url.rstrip("/")       # e.g. http://ctl:8774/image
        self.tokens = tokens
        self.client = client
        self.connect_wait = connect_wait

    def _file_url(self, image_id: str) -> str:
        return f"{self.image_url}/v2/images/{image_id}/file"

    async def download(self, image_id: str, dest: Path) -> None:
        """GET the image's data into `dest` (created or truncated), checking its MD5."""
        for attempt in (1, 2):
            token = await self.tokens.token()
            req = self.client.build_request("GET", self._file_url(image_id),
                                            headers={"X-Auth-Token": token})
            r = await send(lambda req=req: self.client.send(req, stream=True),  # type: ignore[misc]
                           self.connect_wait)
            try:
                if r.status_code == 401 and attempt == 1:
                    self.tokens.invalidate(token)
                    continue
                if r.status_code == 204:
                    raise OSError(f"image {image_id} has no data (not active)")
                if r.status_code != 200:
                    await r.aread()
                    raise OSError(f"the image API answered {r.status_code} to GET of image "
                                  f"{image_id}: {r.text[:200]}")
                got = await _stream_to(r.aiter_bytes(CHUNK), dest)
            finally:
                await r.aclose()
            want = r.headers.get("Content-MD5") or ""
            if want and want not in (got.hex(), base64.b64encode(got).decode()):
                await asyncio.to_thread(dest.unlink, missing_ok=True)
                raise ChecksumMismatch(f"image {image_id} arrived with MD5 {got.hex()}, "
                                       f"but its checksum is {want}; not used")
            return

    async def upload(self, image_id: str, path: Path) -> None:
        """PUT `path` as the data of the queued image `image_id`."""
        size = (await asyncio.to_thread(path.stat)).st_size
        for attempt in (1, 2):
            token = await self.tokens.token()
            headers = {"X-Auth-Token": token, "Content-Type": "application/octet-stream",
                       "Content-Length": str(size)}
            r = await send(lambda h=headers: self.client.put(  # type: ignore[misc]
                self._file_url(image_id), content=read_chunks(path), headers=h),
                self.connect_wait)
            if r.status_code == 401 and attempt == 1:
                self.tokens.invalidate(token)
                continue
            if r.status_code not in (200, 201, 204):
                raise OSError(f"the image API refused the data of image {image_id} "
                              f"({r.status_code}): {r.text[:300]}")
            return


async def _stream_to(chunks: AsyncIterator[bytes], dest: Path) -> bytes:
    """Write the chunks to `dest`; their MD5 digest."""
    md5 = hashlib.md5(usedforsecurity=False)
    f = await asyncio.to_thread(dest.open, "wb")
    try:
        async for chunk in chunks:
            md5.update(chunk)
            await asyncio.to_thread(f.write, chunk)
    finally:
        f.close()
    return md5.digest()
