"""The file store: image data under DATA_DIR/images, written so that it is whole or absent.

An upload streams into `tmp/` while md5 and sha512 are computed off the event loop; it is
fsynced and renamed into `data/` only once complete. A staged upload (interoperable import)
lives in `staging/` until it is imported. `sweep` removes whatever no image owns.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

BATCH = 8 * 1024 * 1024


class TooLarge(Exception):
    pass


class Incomplete(Exception):
    pass


@dataclass(frozen=True)
class Written:
    path: Path
    size: int
    md5: str
    sha512: str


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.tmp = root / "tmp"
        self.staging = root / "staging"

    def setup(self) -> None:
        for d in (self.data, self.tmp, self.staging):
            d.mkdir(parents=True, exist_ok=True)
            os.chmod(d, 0o700)

    def path(self, location: str) -> Path:
        return self.data / location

    def stage_path(self, image_id: str) -> Path:
        return self.staging / image_id

    async def write(self, stream: AsyncIterator[bytes], max_bytes: int,
                    expected: int | None = None) -> Written:
        """Stream into a temporary file; on any failure nothing is left behind."""
        tmp = self.tmp / f"{uuid.uuid4().hex}.part"
        md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha512()
        size = 0
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        f = os.fdopen(fd, "wb")
        try:
            buf: list[bytes] = []
            pending = 0

            def flush(chunks: list[bytes]) -> None:
                for c in chunks:
                    md5.update(c)
                    sha.update(c)
                    f.write(c)
            async for chunk in stream:
                if not chunk:
                    continue
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(size)
                buf.append(chunk)
                pending += len(chunk)
                if pending >= BATCH:
                    chunks, buf, pending = buf, [], 0
                    await asyncio.to_thread(flush, chunks)
            if expected is not None and size != expected:
                raise Incomplete(f"got {size} of {expected} bytes")
            await asyncio.to_thread(flush, buf)
            await asyncio.to_thread(_sync, f)
            f.close()
            return Written(tmp, size, md5.hexdigest(), sha.hexdigest())
        except BaseException:
            f.close()
            tmp.unlink(missing_ok=True)
            raise

    def commit(self, written: Path, image_id: str) -> str:
        """Move a complete file into the store; returns its location."""
        location = f"{image_id}"
        os.replace(written, self.data / location)
        _fsync_dir(self.data)
        return location

    def stage(self, written: Path, image_id: str) -> None:
        os.replace(written, self.stage_path(image_id))
        _fsync_dir(self.staging)

    def delete(self, location: str | None) -> None:
        if location:
            (self.data / location).unlink(missing_ok=True)

    def unstage(self, image_id: str) -> None:
        self.stage_path(image_id).unlink(missing_ok=True)

    def sweep(self, live_locations: set[str], staged_ids: set[str]) -> list[Path]:
        """Delete temporary files and any data or staged file no image owns."""
        removed: list[Path] = []
        for p in self.tmp.iterdir():
            p.unlink(missing_ok=True)
            removed.append(p)
        for d, keep in ((self.data, live_locations), (self.staging, staged_ids)):
            for p in d.iterdir():
                if p.name not in keep:
                    p.unlink(missing_ok=True)
                    removed.append(p)
        return removed

    def bytes_used(self) -> int:
        return sum(p.stat().st_size for p in self.data.iterdir())


def _sync(f: object) -> None:
    f.flush()  # type: ignore[attr-defined]
    os.fsync(f.fileno())  # type: ignore[attr-defined]


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
