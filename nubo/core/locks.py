"""Named locks that hold across every controller replica sharing one database.

The conductor runs one operation at a time per instance, and schedules the boots of one
server group one at a time. With several controller replicas that serialisation has to go
through the database they share:

- PostgreSQL: a transaction-level advisory lock (`pg_advisory_xact_lock` on a 64-bit hash
  of the database name and the key), taken in a transaction of its own on a connection of
  its own, held until that transaction ends.
- MariaDB/MySQL: a named lock (`GET_LOCK`, server-wide, so the name hashes the database
  name too), on a connection of its own, released with `RELEASE_LOCK`.
- SQLite: one process owns the database (its single writer); the in-process lock is the lock.

In every case the process first takes an in-process `asyncio.Lock` for the key, so that the
operations of one replica queue in memory and hold at most one database connection per key;
that changes nothing in what is serialised. A replica that dies (`kill -9`) loses its
connections and with them its locks: the database releases them, nothing has to expire.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from nubo.core.db import Database

#: how long one GET_LOCK waits before it asks again (MariaDB has no "wait forever" for all
#: versions); the loop waits as long as it takes
_MARIADB_WAIT = 5


class KeyedLocks(Protocol):
    """Mutual exclusion by key ("instance:<id>", "group:<id>") across every replica."""

    def hold(self, key: str) -> AbstractAsyncContextManager[None]:
        """Wait until no one (this process or another replica) holds `key`, then hold it
        for the `async with` block. Not re-entrant: holding a key twice in one task waits
        forever."""
        ...

    async def busy(self, key: str) -> bool:
        """Whether someone holds `key` now (or, in this process, waits for it). A snapshot:
        by the time the caller acts it may have changed; use it to skip work, never to
        guard it."""
        ...

    def forget(self, key: str) -> None:
        """The key will not be used again (a deleted instance): drop its in-process state."""
        ...

    async def close(self) -> None:
        """Release the database connections kept for locks."""
        ...


class DatabaseLocks:
    """`KeyedLocks` on the database behind `db` (see the module's docstring)."""

    def __init__(self, db: Database) -> None:
        url = make_url(db.url)
        self._dialect = "sqlite" if db.is_sqlite else (
            "postgresql" if url.drivername.startswith("postgresql") else "mysql")
        self._scope = url.database or ""
        self._url = db.url
        self._local: dict[str, asyncio.Lock] = {}
        self._engine: AsyncEngine | None = None

    @property
    def shared(self) -> bool:
        """Whether the locks hold across processes (False on SQLite: one process)."""
        return self._dialect != "sqlite"

    def _engine_for_locks(self) -> AsyncEngine:
        # a pool of its own: a held lock keeps its connection for the whole operation, and
        # must never starve the steps of that operation of theirs
        if self._engine is None:
            self._engine = create_async_engine(self._url, pool_size=5, max_overflow=500,
                                               pool_pre_ping=True, pool_recycle=3600)
        return self._engine

    def _digest(self, key: str) -> bytes:
        return hashlib.blake2b(f"{self._scope}\0{key}".encode(), digest_size=8).digest()

    def _pg_key(self, key: str) -> int:
        return int.from_bytes(self._digest(key), "big", signed=True)

    def _mysql_name(self, key: str) -> str:
        return "nubo-" + self._digest(key).hex()

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._local.setdefault(key, asyncio.Lock())
        async with lock:
            if not self.shared:
                yield
                return
            async with self._engine_for_locks().connect() as conn:
                if self._dialect == "postgresql":
                    await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                       {"k": self._pg_key(key)})
                    try:
                        yield
                    finally:
                        await conn.rollback()   # ends the transaction: the lock goes
                else:
                    await self._mysql_get(conn, key)
                    try:
                        yield
                    finally:
                        await self._mysql_release(conn, key)

    async def _mysql_get(self, conn: AsyncConnection, key: str) -> None:
        name = self._mysql_name(key)
        while True:
            got = (await conn.execute(text("SELECT GET_LOCK(:n, :w)"),
                                      {"n": name, "w": _MARIADB_WAIT})).scalar()
            await conn.rollback()
            if got == 1:
                return

    async def _mysql_release(self, conn: AsyncConnection, key: str) -> None:
        try:
            await conn.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": self._mysql_name(key)})
            await conn.rollback()
        except BaseException:
            # the lock is the connection's: a connection we cannot vouch for is closed,
            # never handed back to the pool still holding it
            await conn.invalidate()
            raise

    async def busy(self, key: str) -> bool:
        lock = self._local.get(key)
        if lock is not None and lock.locked():
            return True
        if not self.shared:
            return False
        async with self._engine_for_locks().connect() as conn:
            if self._dialect == "postgresql":
                got = (await conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"),
                                          {"k": self._pg_key(key)})).scalar()
                await conn.rollback()
                return not got
            free = (await conn.execute(text("SELECT IS_FREE_LOCK(:n)"),
                                       {"n": self._mysql_name(key)})).scalar()
            await conn.rollback()
            return free != 1

    def forget(self, key: str) -> None:
        self._local.pop(key, None)

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
