"""Database access: one async engine, sessions for reads and for writes, Alembic migrations.

SQLite (the default) runs in WAL mode; a write session takes the write lock up front
(`BEGIN IMMEDIATE`) so two writers queue instead of failing on a lock upgrade. PostgreSQL and
MariaDB use their async drivers; URLs without a driver get one (`postgresql://` -> asyncpg,
`mysql://` or `mariadb://` -> aiomysql).

SQLite calls that cannot wait run on the event loop itself (`_InlineSqlite`): aiosqlite sends
every call (cursor, execute, fetch, close: four per statement) to its worker thread and back,
and on a busy 2-core machine each of those hand-offs cost more than the query (a statement
took ~0.9 ms through the thread, ~0.2 ms inline). The write lock (`BEGIN IMMEDIATE`) is first
tried inline without waiting (our own writers queue on an asyncio lock, so only another
process can hold it); when it is busy the thread waits for it. The writer's COMMIT is inline
too: our connections do not checkpoint on commit (`wal_autocheckpoint=0`); a `Checkpointer`
copies the WAL into the database from its own thread every half second instead. A write
outside a write transaction still goes through the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import JSON, DateTime, MetaData, String, event
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nubo.core.errors import Conflict

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


#: Microsecond timestamps everywhere (MariaDB's DATETIME drops the fraction unless told).
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


class Meta(Base):
    """Key-value facts about this deployment (bootstrap done, ...)."""

    __tablename__ = "nubo_meta"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


def utcnow() -> datetime:
    """Naive UTC, as stored in every DateTime column (portable across all three databases)."""
    return datetime.now(UTC).replace(tzinfo=None)


def async_url(url: str) -> str:
    u = make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg",
              "postgres": "postgresql+asyncpg", "mysql": "mysql+aiomysql",
              "mariadb": "mysql+aiomysql"}.get(u.drivername)
    if driver:
        u = u.set(drivername=driver)
    if u.drivername.startswith("mysql") and "charset" not in u.query:
        u = u.update_query_dict({"charset": "utf8mb4"})
    return u.render_as_string(hide_password=False)


class Database:
    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        path: str | None = None
        if self.is_sqlite:
            path = make_url(self.url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["async_creator"] = _inline_sqlite_creator(path or ":memory:")
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20, pool_recycle=3600)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _sqlite_events(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Queue our own writers here instead of letting
        # their connections meet the lock inside SQLite, whose busy handler sleeps for
        # milliseconds at a time (that cost 4x in throughput under concurrent writes).
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._checkpointer = (Checkpointer(path) if self.is_sqlite and path
                              and path != ":memory:" else None)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as s:
            yield s

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction committed on success; a unique-constraint race becomes a 409."""
        if self._checkpointer is not None:
            self._checkpointer.start()
        async with self._write_lock or contextlib.nullcontext(), self._sessions() as s:
            await s.connection(execution_options={"nubo_write": True})
            try:
                yield s
                await s.commit()
            except IntegrityError as exc:
                await s.rollback()
                raise Conflict("Conflict occurred attempting to store the resource: "
                               "it already exists or is still referenced.") from exc
            except BaseException:
                await s.rollback()
                raise

    async def migrate(self) -> None:
        """Bring the schema to this code's head. A schema already there costs one query:
        Alembic (slow to import) loads only when a migration must run."""
        from nubo.core.migrations import schema_at, script_heads, upgrade
        async with self.engine.connect() as conn:
            at = await conn.run_sync(schema_at)
        if at == script_heads():
            return
        async with self.engine.begin() as conn:
            await conn.run_sync(upgrade)

    async def dispose(self) -> None:
        if self._checkpointer is not None:
            await self._checkpointer.stop()
        await self.engine.dispose()


class Checkpointer:
    """Copies SQLite's WAL into the database file (a PASSIVE checkpoint: it waits for no
    reader or writer) from a thread of its own, every `interval` seconds while writes
    happen, so that no commit on the event loop does that I/O and fsync."""

    def __init__(self, path: str, interval: float = 0.5) -> None:
        self.path, self.interval = path, interval
        self._task: asyncio.Task[None] | None = None
        self._conn: sqlite3.Connection | None = None
        # One thread at a time on the connection: cancelling `_run` does not stop a
        # checkpoint already running in its thread, and closing a connection that another
        # thread is executing on crashes the interpreter (seen as a segfault in the suite).
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        self._closed = False
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await asyncio.to_thread(self.checkpoint)

    def checkpoint(self) -> None:
        with self._lock:
            if self._closed:
                return
            if self._conn is None:
                self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False,
                                             isolation_level=None)
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        # waits for a checkpoint still running in another thread (see `_lock`)
        with self._lock:
            self._closed = True
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self._conn.close()
                self._conn = None


#: an attempt on the event loop that must not wait (busy_timeout 0); the thread if busy
_TRY = "try"
BUSY_TIMEOUT_MS = 30000
#: per connection: how much of the database file is read through a memory map, and the
#: page cache (KiB) for the rest and for what a write changes
SQLITE_MMAP_BYTES = 1 << 30
SQLITE_CACHE_KIB = 32768


class _InlineSqlite(aiosqlite.Connection):
    """An aiosqlite connection that runs on the calling (event loop) thread what cannot block:
    in WAL mode readers never wait for a lock, and a writer holding the write lock
    (`BEGIN IMMEDIATE`) never waits for one either, nor does its COMMIT (no checkpoint on
    commit, see `Checkpointer`). `BEGIN IMMEDIATE` is tried with busy_timeout 0 and goes to
    the thread to wait only when another process holds the lock. The rest keeps aiosqlite's
    worker thread: a write statement outside a write transaction (would take the lock),
    opening, closing and anything unrecognised."""

    _writing = False

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self._connection is None or not self._running:
            return await super()._execute(fn, *args, **kwargs)
        how = self._inline(fn, args)
        if how == _TRY:
            try:
                return self._without_waiting(fn, args, kwargs)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            how = False         # another process writes: wait for it in the thread
        if not how:
            return await super()._execute(fn, *args, **kwargs)
        return fn(*args, **kwargs)

    def _without_waiting(self, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        conn = self._connection
        assert conn is not None
        conn.execute("PRAGMA busy_timeout=0")
        try:
            return fn(*args, **kwargs)
        finally:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def _inline(self, fn: Any, args: tuple[Any, ...]) -> bool | str:
        name, owner = getattr(fn, "__name__", ""), getattr(fn, "__self__", None)
        if isinstance(owner, sqlite3.Cursor):
            if name in ("fetchone", "fetchmany", "fetchall", "close"):
                return True
            if name not in ("execute", "executemany") or not args:
                return False
            head = str(args[0]).lstrip()[:16].upper()
            if head.startswith("BEGIN"):
                # a deferred BEGIN takes no lock; BEGIN IMMEDIATE may wait for it
                self._writing = head.startswith(("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"))
                return _TRY if self._writing else True
            return self._writing or head.startswith("SELECT")
        if owner is self._connection:
            if name == "cursor":
                return True
            if name in ("commit", "rollback"):
                # no checkpoint on commit (wal_autocheckpoint=0): no fsync, no wait
                self._writing = False
                return True
        return False


def _inline_sqlite_creator(path: str) -> Any:
    async def connect() -> aiosqlite.Connection:
        conn = _InlineSqlite(lambda: sqlite3.connect(path, timeout=30, check_same_thread=False),
                             iter_chunk_size=64)
        conn._thread.daemon = True     # as SQLAlchemy does for its own aiosqlite connections
        return await conn
    return connect


def _sqlite_events(engine: AsyncEngine) -> None:
    sync = engine.sync_engine

    @event.listens_for(sync, "connect")
    def _connect(dbapi_conn: Any, _rec: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN defers the write lock).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # commits never checkpoint (they run on the event loop): `Checkpointer` does it
        cur.execute("PRAGMA wal_autocheckpoint=0")
        # SQLite's default page cache is 2 MiB per connection: past a few hundred servers
        # every read went to the OS (a system call each, on the event loop). Pages are read
        # through a memory map instead, and more of them are cached.
        cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cur.close()

    @event.listens_for(sync, "begin")
    def _begin(conn: Any) -> None:
        write = conn.get_execution_options().get("nubo_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
