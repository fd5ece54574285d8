"""The posix backup store on its own: chunks compressed and checksummed, holes and zeros
not stored, an incremental backup storing only what changed and restoring through its
parent, a partial backup (a crash) thrown away, corruption found, containers kept inside."""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import pytest

from nubo.volume.agent.backup.base import BackupError, Parent
from nubo.volume.agent.backup.posix import PosixDriver, default_container

MIB = 1024 ** 2


def write(path: Path, data: bytes, size: int | None = None) -> Path:
    with open(path, "wb") as f:
        f.write(data)
        if size is not None:
            f.truncate(size)          # the rest a hole, as a sparse volume
    return path


def test_full_incremental_restore_delete(tmp_path: Path) -> None:
    d = PosixDriver(tmp_path / "store", chunk_mb=1)
    text = (b"a compressible line of a file system " * MIB)[:MIB]
    a = os.urandom(MIB) + bytes(MIB) + text + b"tail"
    src = write(tmp_path / "a.raw", a, 8 * MIB)
    full = d.backup("b1", default_container("b1"), src, None)
    assert (full.object_count, full.size_bytes) == (3, 8 * MIB)   # 2 data chunks + tail
    b = bytearray(a)
    b[2 * MIB + 5] ^= 0xFF                                        # one chunk changes
    src2 = write(tmp_path / "b.raw", bytes(b), 8 * MIB)
    inc = d.backup("b2", default_container("b2"), src2, Parent("b1", default_container("b1")))
    assert inc.object_count == 1
    meta = json.loads((tmp_path / "store" / default_container("b2") / "metadata.json")
                      .read_text())
    holders = [c["holder"] for c in meta["chunks"]]
    assert holders[0] == default_container("b1") and holders[2] == default_container("b2")
    assert holders[1] is None and holders[4:] == [None] * 4
    # random bytes are stored as they are, text compressed
    assert [c.get("codec") for c in meta["chunks"][:4]] == ["none", None, "zlib", "zlib"]
    assert (tmp_path / "store" / default_container("b2") / "chunk-000002.z").stat().st_size \
        < MIB // 10
    for bid, want in (("b1", a), ("b2", bytes(b))):
        out = tmp_path / f"{bid}.out"
        d.restore(bid, default_container(bid), out)
        got = out.read_bytes()
        assert len(got) == 8 * MIB and got[:len(want)] == want and not any(got[len(want):])
    # idempotent: the same backup again is the stored one
    assert d.backup("b1", default_container("b1"), src, None) == full
    d.delete("b2", default_container("b2"))
    d.delete("b2", default_container("b2"))                       # if_exists
    d.delete("b1", default_container("b1"))
    assert list((tmp_path / "store").iterdir()) == []


def test_partial_backup_is_redone_and_corruption_found(tmp_path: Path) -> None:
    d = PosixDriver(tmp_path / "store", chunk_mb=1)
    src = write(tmp_path / "a.raw", os.urandom(2 * MIB))
    home = tmp_path / "store" / "c"
    home.mkdir(parents=True)
    (home / "chunk-000000.z").write_bytes(b"left by a crash")     # no metadata: partial
    assert not d.exists("x", "c")
    assert d.backup("x", "c", src, None).object_count == 2
    assert d.exists("x", "c")
    (home / "chunk-000001.z").write_bytes(zlib.compress(b"other bytes"))
    with pytest.raises(BackupError, match="chunk 1 of backup x is corrupt"):
        d.restore("x", "c", tmp_path / "out.raw")
    (home / "chunk-000000.z").unlink()
    with pytest.raises(BackupError, match="chunk 0 of backup x cannot be read"):
        d.restore("x", "c", tmp_path / "out.raw")
    with pytest.raises(BackupError, match="parent backup p is not in the store"):
        d.backup("y", "d", src, Parent("p", "nowhere"))
    with pytest.raises(BackupError, match="outside the backup store"):
        d.backup("z", "../../etc", src, None)
    with pytest.raises(BackupError, match="is not in the store"):
        d.restore("nope", "nope", tmp_path / "out.raw")
