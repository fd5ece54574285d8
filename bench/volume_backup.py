"""Volume backup benchmark: prints figures, asserts nothing about time.

    .venv/bin/python bench/volume_backup.py [--data-mib 512] [--size-gib 2] [--chunk-mib 32]

The file volume backend and the posix backup store, driven directly (no server): a qcow2
volume of SIZE GiB holding DATA MiB of random bytes (incompressible: the worst case for zlib),
then a full backup (qemu-img to raw, chunks hashed, compressed, written), an incremental one
after one chunk changed, and a restore into a new volume; each against a plain `cp` of the
volume's file on the same disk.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from common import report  # bench/ is on sys.path

from nubo.volume.agent.backend.file import FileDriver
from nubo.volume.agent.backup.base import Parent
from nubo.volume.agent.backup.posix import PosixDriver, default_container

MIB = 1024 * 1024


def timed(step: object) -> float:
    t = time.perf_counter()
    step()  # type: ignore[operator]
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-mib", type=int, default=512)
    ap.add_argument("--size-gib", type=int, default=2)
    ap.add_argument("--chunk-mib", type=int, default=32)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="nubo-bench-backup-") as tmp:
        root = Path(tmp)
        vols = FileDriver(root / "volumes", 1000)
        store = PosixDriver(root / "backups", args.chunk_mib)
        vols.create_volume("src", args.size_gib)
        raw = root / "data.raw"
        with open(raw, "wb") as f:
            for _ in range(args.data_mib):
                f.write(os.urandom(MIB))
        vols.write_raw("src", raw)
        raw.unlink()
        work = root / "work.raw"

        def backup(bid: str, parent: Parent | None) -> None:
            vols.read_raw("src", None, work)
            store.backup(bid, default_container(bid), work, parent)
            work.unlink()

        full = timed(lambda: backup("full0000", None))
        subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 7 0 1M",
                        str(vols.path("src"))], check=True, capture_output=True)
        inc = timed(lambda: backup("incr0000", Parent("full0000",
                                                      default_container("full0000"))))
        vols.create_volume("dst", args.size_gib)

        def restore() -> None:
            store.restore("incr0000", default_container("incr0000"), work)
            vols.write_raw("dst", work)
            work.unlink()

        back = timed(restore)
        cp = timed(lambda: subprocess.run(["cp", "--sparse=always", str(vols.path("src")),
                                           str(root / "copy.qcow2")], check=True))
        same = subprocess.run(["qemu-img", "compare", "-q", str(vols.path("src")),
                               str(vols.path("dst"))], check=False).returncode == 0
        stored = sum(p.stat().st_size for p in (root / "backups").rglob("*") if p.is_file())
    mb = args.data_mib
    report({
        "data MiB": mb, "volume GiB": args.size_gib, "chunk MiB": args.chunk_mib,
        "full backup s": round(full, 2), "full backup MiB/s": round(mb / full, 1),
        "incremental (1 chunk changed) s": round(inc, 2),
        "restore s": round(back, 2), "restore MiB/s": round(mb / back, 1),
        "cp of the qcow2 s": round(cp, 2), "cp MiB/s": round(mb / cp, 1),
        "full backup / cp": round(full / cp, 1), "restore / cp": round(back / cp, 1),
        "store MiB (full + incremental)": round(stored / MIB, 1),
        "restored bytes identical": int(same),
    })


if __name__ == "__main__":
    main()
