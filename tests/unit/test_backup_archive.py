"""The backup archive on its own: what goes in, and what restore refuses (nothing written)."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tarfile
import time
from pathlib import Path

import pytest

from nubo.ops.backup import MANIFEST, BackupError, create
from nubo.ops.restore import restore


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    (data / "keys" / "fernet").mkdir(parents=True)
    (data / "keys" / "fernet" / "0").write_bytes(b"key0")
    (data / "images" / "data").mkdir(parents=True)
    (data / "images" / "data" / "img1").write_bytes(b"image bytes")
    (data / "images" / "tmp").mkdir()
    (data / "images" / "tmp" / "upload.part").write_bytes(b"half")
    (data / "logs").mkdir()
    (data / "logs" / "nubo.log").write_text("{}")
    with sqlite3.connect(data / "nubo.db") as c:
        c.execute("CREATE TABLE t (x)")
        c.execute("INSERT INTO t VALUES (42)")
    stale = data / ".backup-dead"
    stale.mkdir()
    os.utime(stale, (time.time() - 7 * 3600,) * 2)
    out = tmp_path / "b.tar"
    s = create(data, f"sqlite:///{data / 'nubo.db'}", out)
    assert s.database == "sqlite" and out.exists()
    assert not stale.exists()                  # left over from a killed backup: swept
    assert not list(data.glob(".backup-*")) and not list(tmp_path.glob(".b.tar*"))
    return out


def names(path: Path) -> list[str]:
    with tarfile.open(path) as tar:
        return tar.getnames()


def test_what_a_backup_holds(archive: Path, tmp_path: Path) -> None:
    got = names(archive)
    assert got[-1] == MANIFEST
    assert set(got) == {"nubo.db", "images/data/img1", "keys/fernet/0", MANIFEST}
    r = restore(archive, tmp_path / "new", f"sqlite:///{tmp_path / 'new' / 'nubo.db'}")
    assert r.files == 3
    with sqlite3.connect(tmp_path / "new" / "nubo.db") as c:
        assert c.execute("SELECT x FROM t").fetchall() == [(42,)]
    assert (tmp_path / "new" / "images" / "data" / "img1").read_bytes() == b"image bytes"


def rewrite(src: Path, dst: Path, extra: list[tuple[str, bytes]] | None = None,
            manifest: bytes | None = None) -> Path:
    """A copy of the archive with members added before the manifest, or another manifest."""
    with tarfile.open(src) as tin, tarfile.open(dst, "w") as tout:
        for m in tin.getmembers():
            body = tin.extractfile(m)
            if m.name == MANIFEST:
                for name, data in extra or []:
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    tout.addfile(info, io.BytesIO(data))
                if manifest is not None:
                    m.size = len(manifest)
                    body = io.BytesIO(manifest)
            tout.addfile(m, body)
    return dst


@pytest.mark.parametrize("extra,message", [
    ([("../escape", b"x")], "refusing archive member '../escape'"),
    ([("keys/fernet/9", b"x")], "not in the manifest: keys/fernet/9"),
])
def test_members_outside_the_manifest_are_refused(archive: Path, tmp_path: Path,
                                                  extra: list[tuple[str, bytes]],
                                                  message: str) -> None:
    bad = rewrite(archive, tmp_path / "bad.tar", extra=extra)
    with pytest.raises(BackupError, match=message):
        restore(bad, tmp_path / "new", f"sqlite:///{tmp_path / 'new' / 'nubo.db'}")
    assert not (tmp_path / "new").exists() and not (tmp_path / "escape").exists()
    assert not list(tmp_path.glob(".new.restore-*"))


def test_a_manifest_that_does_not_match_is_refused(archive: Path, tmp_path: Path) -> None:
    with tarfile.open(archive) as tar:
        f = tar.extractfile(MANIFEST)
        assert f is not None
        doc = json.loads(f.read())
    doc["files"] = [e for e in doc["files"] if e["path"] != "nubo.db"] + [
        {"path": "nubo.db", "size": 1, "sha256": "0" * 64}, {
            "path": "images/data/gone", "size": 1, "sha256": "0" * 64}]
    bad = rewrite(archive, tmp_path / "bad.tar", manifest=json.dumps(doc).encode())
    with pytest.raises(BackupError) as exc:
        restore(bad, tmp_path / "new", f"sqlite:///{tmp_path / 'new' / 'nubo.db'}")
    assert "checksum mismatch: nubo.db" in str(exc.value)
    assert "missing: images/data/gone" in str(exc.value)
    doc["format"] = "something-else/9"
    other = rewrite(archive, tmp_path / "other.tar", manifest=json.dumps(doc).encode())
    with pytest.raises(BackupError, match="not a nubo-backup/1 archive"):
        restore(other, tmp_path / "new", f"sqlite:///{tmp_path / 'new' / 'nubo.db'}")
    assert not (tmp_path / "new").exists()


def test_a_newer_schema_is_refused(archive: Path, tmp_path: Path) -> None:
    with tarfile.open(archive) as tar:
        f = tar.extractfile(MANIFEST)
        assert f is not None
        doc = json.loads(f.read())
    doc["schema"] = ["9999"]
    newer = rewrite(archive, tmp_path / "newer.tar", manifest=json.dumps(doc).encode())
    with pytest.raises(BackupError, match="newer than this Nubo"):
        restore(newer, tmp_path / "new", f"sqlite:///{tmp_path / 'new' / 'nubo.db'}")
    assert not (tmp_path / "new").exists()
