"""SQLite on the event loop (`nubo.core.db`): the write lock is taken inline unless another
process holds it, commits do not checkpoint, and the Checkpointer copies the WAL back."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import select

from nubo.core.db import Base, Database, Meta


async def _db(tmp_path: Path) -> tuple[Database, Path]:
    path = tmp_path / "n.sqlite"
    db = Database(f"sqlite:///{path}")
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all, tables=[Meta.__table__])
    return db, path


async def test_writer_waits_for_another_process_without_blocking_the_loop(
        tmp_path: Path) -> None:
    db, path = await _db(tmp_path)
    try:
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")          # another process holds the write lock
        released = threading.Timer(0.5, other.execute, ["COMMIT"])
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1
        tick = asyncio.create_task(ticker())
        released.start()
        t = time.monotonic()
        async with db.write() as s:
            s.add(Meta(key="k", value={"a": 1}))
        waited = time.monotonic() - t
        tick.cancel()
        assert waited >= 0.4                      # it did wait for the other writer...
        assert ticks >= 10                        # ...in the thread, the loop kept running
        async with db.read() as s:
            assert (await s.execute(select(Meta.value).where(Meta.key == "k"))
                    ).scalar_one() == {"a": 1}
        other.close()
    finally:
        await db.dispose()


async def test_commits_leave_the_wal_to_the_checkpointer(tmp_path: Path) -> None:
    db, path = await _db(tmp_path)
    try:
        assert db._checkpointer is not None
        db._checkpointer.interval = 3600          # only the explicit checkpoint below
        for i in range(1000):
            async with db.write() as s:
                s.add(Meta(key=f"k{i}", value="x" * 2000))
        grown = await asyncio.to_thread(os.path.getsize, f"{path}-wal")
        # SQLite's default would have checkpointed at 1000 pages (~4 MB) and restarted the
        # WAL from its beginning; without it the WAL holds every commit (2+ pages each)
        assert grown > 6_000_000, grown
        await asyncio.to_thread(db._checkpointer.checkpoint)
        # the database file now has the rows without the WAL: a copy of the main file alone
        # (what a reader opening it after a crash that lost the WAL would see) has them all
        copy = tmp_path / "copy.sqlite"
        copy.write_bytes(path.read_bytes())
        got = sqlite3.connect(copy).execute("SELECT count(*) FROM nubo_meta").fetchone()[0]
        assert got == 1000
    finally:
        await db.dispose()
