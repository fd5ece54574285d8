"""`nubo backup`: one tar file with a consistent copy of a running cloud.

What goes in (paths as in the data dir): the database (`nubo.db`, or `database.sql` from
pg_dump / mariadb-dump), the token, credential and metadata keys (`keys/`), the image store
(`images/data`, `images/staging`), `clouds.yaml`, `policy.yaml`, the fake driver's hosts and,
with `include_disks`, the guests' disks (`instances/`, without the `_base` cache, which is
fetched again from the image store). Guest disks are left out by default: they are large,
and a copy of a running guest's disk is only crash-consistent.

Consistency while the cloud runs: image files are written once and renamed into place, so
they are hard-linked first (cheap, and a delete during the backup cannot take them away),
then the database is copied in one snapshot, then whatever landed in the store meanwhile is
linked too. The restored store may hold a file that no image of the snapshot owns; the image
service's reconcile on start removes such files.

The manifest (`nubo-backup.json`, the last member) lists every file with its size and
sha256; `restore` refuses an archive whose files do not match it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from nubo.ops import dbdump

FORMAT = "nubo-backup/1"
MANIFEST = "nubo-backup.json"
SQLITE_FILE = "nubo.db"
SQL_DUMP = "database.sql"
#: single files and whole folders of the data dir that a backup holds
FILES = ("clouds.yaml", "policy.yaml")
FOLDERS = ("keys", "fake-hosts")
IMAGE_FOLDERS = ("images/data", "images/staging")


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Summary:
    path: Path
    files: int
    bytes: int
    database: str
    schema: list[str]


def create(data_dir: Path, db_url: str, dest: Path, include_disks: bool = False) -> Summary:
    """Write the backup to `dest` (whole or not at all: a temporary file renamed at the end)."""
    if not data_dir.is_dir():
        raise BackupError(f"no data dir at {data_dir}")
    kind = dbdump.kind_of(db_url)
    _sweep_stale(data_dir)
    stage = data_dir / f".backup-{uuid.uuid4().hex[:8]}"
    stage.mkdir(mode=0o700)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        _link_images(data_dir, stage)                   # before the snapshot ...
        db_name = SQLITE_FILE if kind == "sqlite" else SQL_DUMP
        try:
            dbdump.dump(db_url, stage / db_name)
        except (dbdump.DumpError, sqlite3.Error) as exc:
            raise BackupError(f"database: {exc}") from exc
        _link_images(data_dir, stage)                   # ... and what landed meanwhile
        schema = _schema(stage / db_name) if kind == "sqlite" else _live_schema(db_url)
        members = [(db_name, stage / db_name)]
        members += [(str(p.relative_to(stage)), p) for f in IMAGE_FOLDERS
                    for p in _walk(stage / f)]
        members += [(n, data_dir / n) for n in FILES if (data_dir / n).is_file()]
        members += [(str(p.relative_to(data_dir)), p) for f in FOLDERS
                    for p in _walk(data_dir / f)]
        if include_disks:
            members += [(str(p.relative_to(data_dir)), p) for p in _walk(data_dir / "instances")
                        if p.relative_to(data_dir / "instances").parts[0] != "_base"]
        entries = _write_tar(tmp, dest.name.endswith((".gz", ".tgz")), members, {
            "format": FORMAT, "created_at": datetime.now(UTC).isoformat(),
            "database": {"kind": kind, "file": db_name}, "schema": sorted(schema),
            "include_disks": include_disks})
        _fsync(tmp)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        tmp.unlink(missing_ok=True)
    return Summary(dest, len(entries), sum(e.size for e in entries), kind, sorted(schema))


#: a staging folder this old is left over from a backup that was killed
STALE_AFTER = 6 * 3600


def _sweep_stale(data_dir: Path) -> None:
    now = time.time()
    for p in data_dir.glob(".backup-*"):
        try:
            if p.is_dir() and now - p.stat().st_mtime > STALE_AFTER:
                shutil.rmtree(p, ignore_errors=True)
        except FileNotFoundError:
            continue


def _link_images(data_dir: Path, stage: Path) -> None:
    for folder in IMAGE_FOLDERS:
        src = data_dir / folder
        if not src.is_dir():
            continue
        (stage / folder).mkdir(parents=True, exist_ok=True)
        for p in src.iterdir():
            target = stage / folder / p.name
            if target.exists() or not p.is_file():
                continue
            try:
                os.link(p, target)
            except FileNotFoundError:
                continue            # deleted just now: the snapshot will not have it either
            except OSError:
                shutil.copyfile(p, target)   # another file system: copy


def _walk(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.is_symlink():
                yield p


def _schema(sqlite_file: Path) -> set[str]:
    with sqlite3.connect(sqlite_file) as c:
        try:
            return {r[0] for r in c.execute("SELECT version_num FROM alembic_version")}
        except sqlite3.Error:
            return set()


def _live_schema(db_url: str) -> set[str]:
    from sqlalchemy import create_engine

    from nubo.core.migrations import current
    sync_url = db_url.replace("+asyncpg", "").replace("+aiomysql", "+pymysql")
    try:
        engine = create_engine(sync_url)
        with engine.connect() as conn:
            return current(conn)
    except Exception:  # noqa: BLE001 - informational only (no sync driver installed)
        return set()


class _Hashing(io.RawIOBase):
    """Reads a file while hashing what went through (into the tar)."""

    def __init__(self, f: BinaryIO) -> None:
        self.f, self.sha, self.size = f, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def _write_tar(tmp: Path, gz: bool, members: list[tuple[str, Path]],
               head: dict[str, object]) -> list[Entry]:
    entries: list[Entry] = []
    with tarfile.open(tmp, "w:gz" if gz else "w") as tar:
        for name, path in members:
            try:
                f = open(path, "rb")    # noqa: SIM115
            except FileNotFoundError:
                continue                # a fake host's state replaced this very moment
            with f:
                info = tar.gettarinfo(fileobj=f, arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                h = _Hashing(f)
                tar.addfile(info, h)     # type: ignore[arg-type]
                if h.size != info.size:
                    raise BackupError(f"{name} changed size during the backup")
            entries.append(Entry(name, h.size, h.sha.hexdigest()))
        body = json.dumps({**head, "files": [asdict(e) for e in entries]}, indent=1).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(body), 0o600
        tar.addfile(info, io.BytesIO(body))
    return entries


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
