"""`nubo restore`: a backup onto a fresh data dir (and an empty database for PostgreSQL or
MariaDB), all or nothing.

Every member is extracted into a temporary folder beside the data dir while its sha256 is
computed; only when every file matches the manifest (and the manifest names nothing that is
missing) is the database loaded and the folder renamed into place. A truncated or damaged
archive is refused with what is wrong and leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from nubo.ops import dbdump
from nubo.ops.backup import FORMAT, MANIFEST, SQL_DUMP, SQLITE_FILE, BackupError

CHUNK = 1 << 20


@dataclass(frozen=True)
class Restored:
    data_dir: Path
    files: int
    bytes: int
    database: str
    schema: list[str]


def restore(archive: Path, data_dir: Path, db_url: str) -> Restored:
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(f"{data_dir} is not empty: restore goes onto a fresh data dir")
    if not archive.is_file():
        raise BackupError(f"no such file: {archive}")
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    work = data_dir.parent / f".{data_dir.name}.restore-{uuid.uuid4().hex[:8]}"
    work.mkdir(mode=0o700)
    try:
        manifest, seen = _extract(archive, work)
        _check(manifest, seen)
        kind = dbdump.kind_of(db_url)
        db = manifest["database"]
        if db["kind"] != kind:
            raise BackupError(f"the backup holds a {db['kind']} database, the target is "
                              f"{kind}: restore onto the same kind of database")
        _check_schema(manifest.get("schema") or [])
        if kind == "sqlite":
            if dbdump.sqlite_path(db_url) != data_dir / SQLITE_FILE:
                raise BackupError("a SQLite backup restores into DATA_DIR/nubo.db only")
        else:
            try:
                dbdump.load(db_url, work / SQL_DUMP)
            except dbdump.DumpError as exc:
                raise BackupError(f"loading the database: {exc}") from exc
            (work / SQL_DUMP).unlink()
        if data_dir.exists():
            data_dir.rmdir()        # empty, checked above
        os.replace(work, data_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    files = manifest["files"]
    return Restored(data_dir, len(files), sum(f["size"] for f in files), db["kind"],
                    list(manifest.get("schema") or []))


def _extract(archive: Path, work: Path) -> tuple[dict[str, Any], dict[str, tuple[int, str]]]:
    seen: dict[str, tuple[int, str]] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(archive, "r:*") as tar:
            for info in tar:
                name = _safe(info)
                f = tar.extractfile(info)
                assert f is not None
                if name == MANIFEST:
                    manifest = _parse(f.read(1 << 24))
                    continue
                if manifest is not None:
                    raise BackupError(f"{name} comes after the manifest")
                target = work / name
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                sha, size = hashlib.sha256(), 0
                with open(target, "xb") as out:
                    while chunk := f.read(CHUNK):
                        sha.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                os.chmod(target, info.mode & 0o700)
                seen[name] = (size, sha.hexdigest())
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, FileExistsError):
            raise BackupError(f"the archive holds {exc.filename} twice") from exc
        raise BackupError(f"{archive} is damaged or truncated ({exc}); nothing was "
                          "restored") from exc
    if manifest is None:
        raise BackupError(f"{archive} has no manifest ({MANIFEST}): it is truncated or not "
                          "a Nubo backup; nothing was restored")
    return manifest, seen


def _safe(info: tarfile.TarInfo) -> str:
    p = PurePosixPath(info.name)
    if not info.isfile() or p.is_absolute() or ".." in p.parts or not p.parts:
        raise BackupError(f"refusing archive member {info.name!r}: not a Nubo backup")
    return str(p)


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise BackupError(f"the manifest is damaged ({exc}); nothing was restored") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BackupError(f"not a {FORMAT} archive; nothing was restored")
    return doc


def _check(manifest: dict[str, Any], seen: dict[str, tuple[int, str]]) -> None:
    want = {f["path"]: (f["size"], f["sha256"]) for f in manifest["files"]}
    bad = sorted(n for n in want if n in seen and seen[n] != want[n])
    missing = sorted(set(want) - set(seen))
    extra = sorted(set(seen) - set(want))
    problems = ([f"checksum mismatch: {', '.join(bad)}"] if bad else []) + \
        ([f"missing: {', '.join(missing)}"] if missing else []) + \
        ([f"not in the manifest: {', '.join(extra)}"] if extra else [])
    if problems:
        raise BackupError("the backup is damaged (" + "; ".join(problems) +
                          "); nothing was restored")
    db_file = manifest["database"]["file"]
    if db_file not in (SQLITE_FILE, SQL_DUMP) or db_file not in seen:
        raise BackupError("the backup holds no database; nothing was restored")


def _check_schema(schema: list[str]) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from nubo.core.migrations import alembic_config
    scripts = ScriptDirectory.from_config(alembic_config())
    for rev in schema:
        try:
            scripts.get_revision(rev)
        except CommandError as exc:
            raise BackupError(f"the backup's schema {rev} is newer than this Nubo: restore "
                              "with the release that made it") from exc
