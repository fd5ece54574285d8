"""A consistent copy of the database while the cloud runs, and loading it back.

SQLite: the online backup API (a read transaction: in WAL mode writers go on meanwhile).
PostgreSQL: `pg_dump` (one snapshot, repeatable read). MariaDB: `mariadb-dump
--single-transaction`. Dumps are plain SQL, loaded by `psql` / `mariadb` into an empty database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.engine import URL, make_url


class DumpError(Exception):
    pass


def kind_of(url: str) -> str:
    """sqlite, postgresql or mysql (MariaDB)."""
    name = make_url(url).get_backend_name()
    if name == "sqlite":
        return "sqlite"
    if name in ("postgresql", "postgres"):
        return "postgresql"
    if name in ("mysql", "mariadb"):
        return "mysql"
    raise DumpError(f"unsupported database: {name}")


def sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise DumpError("an in-memory SQLite database cannot be backed up")
    return Path(path)


def dump(url: str, dest: Path) -> None:
    """Write a consistent copy of the database at `url` to `dest`."""
    kind = kind_of(url)
    if kind == "sqlite":
        src = sqlite_path(url)
        if not src.exists():
            raise DumpError(f"no database at {src}")
        with sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30) as s, \
                sqlite3.connect(dest) as d:
            s.backup(d)             # all pages in one step: one consistent snapshot
            d.execute("PRAGMA journal_mode=DELETE")   # one self-contained file
        return
    u = make_url(url)
    if kind == "postgresql":
        _run(["pg_dump", "--no-owner", "--no-privileges", "--file", str(dest),
              "--dbname", _libpq(u)], _pg_env(u))
    else:
        _run(["mariadb-dump", "--single-transaction", "--skip-lock-tables",
              "--no-tablespaces", f"--result-file={dest}", *_my_args(u)], _my_env(u))


def load(url: str, src: Path) -> None:
    """Load a dump made by `dump` into the (empty) database at `url`."""
    kind = kind_of(url)
    if kind == "sqlite":
        target = sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        return
    u = make_url(url)
    if kind == "postgresql":
        _run(["psql", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--file", str(src),
              "--dbname", _libpq(u)], _pg_env(u))
    else:
        with open(src, "rb") as f:
            _run(["mariadb", *_my_args(u)], _my_env(u), stdin=f)


def _libpq(u: URL) -> str:
    """A libpq URL without the password (that goes through PGPASSWORD)."""
    return u.set(drivername="postgresql", password=None, query={}).render_as_string(
        hide_password=False)


def _pg_env(u: URL) -> dict[str, str]:
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return env


def _my_args(u: URL) -> list[str]:
    args = [f"--host={u.host or 'localhost'}"]
    if u.port:
        args.append(f"--port={u.port}")
    if u.username:
        args.append(f"--user={u.username}")
    if not u.database:
        raise DumpError("the database URL names no database")
    return [*args, u.database]


def _my_env(u: URL) -> dict[str, str]:
    env = dict(os.environ)
    if u.password:
        env["MYSQL_PWD"] = str(u.password)
    return env


def _run(cmd: list[str], env: dict[str, str], stdin: BinaryIO | None = None) -> None:
    if shutil.which(cmd[0]) is None:
        pkg = "postgresql-client" if cmd[0].startswith(("pg", "psql")) else "mariadb-client"
        raise DumpError(f"{cmd[0]} is not installed (Debian: apt-get install {pkg})")
    proc = subprocess.run(cmd, env=env, stdin=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        raise DumpError(f"{cmd[0]} failed: {proc.stderr.decode(errors='replace').strip()}")
