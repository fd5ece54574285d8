"""Small file helpers shared by services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

CHUNK = 1024 * 1024


async def read_chunks(path: Path, size: int = CHUNK) -> AsyncIterator[bytes]:
    """A file as a stream of chunks, read off the event loop."""
    f = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(f.read, size):
            yield chunk
    finally:
        f.close()
