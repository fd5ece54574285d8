"""The WAL checkpointer stops without racing a checkpoint still running in its thread.

Cancelling the checkpointer's task does not stop a `wal_checkpoint` already running in a
worker thread; closing the connection under it crashed the interpreter (a segfault that
killed a whole pytest run). The race runs in a child process so that a crash is a failed
test here, not the end of the suite."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RACE = textwrap.dedent("""
    import asyncio, os, sqlite3, sys
    sys.path.insert(0, sys.argv[1])
    from nubo.core.db import Checkpointer

    async def main() -> None:
        path = os.path.join(sys.argv[2], "db.sqlite")
        w = sqlite3.connect(path, isolation_level=None)
        w.execute("PRAGMA journal_mode=WAL")
        w.execute("PRAGMA wal_autocheckpoint=0")
        w.execute("CREATE TABLE t (x BLOB)")
        for n in range(30):
            w.execute("BEGIN")
            for _ in range(200):
                w.execute("INSERT INTO t VALUES (randomblob(4096))")
            w.execute("COMMIT")
            cp = Checkpointer(path, interval=0)
            cp.start()
            await asyncio.sleep(0.001 * (n % 5))
            await cp.stop()      # while a checkpoint of ~800 KiB of WAL may be running
        print(w.execute("SELECT count(*) FROM t").fetchone()[0])

    asyncio.run(main())
""")


def test_stop_during_a_running_checkpoint_does_not_crash(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-c", RACE, str(ROOT), str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    assert r.stdout.strip() == str(30 * 200)


def test_no_checkpoint_after_stop(tmp_path: Path) -> None:
    import asyncio

    from nubo.core.db import Checkpointer

    path = str(tmp_path / "db.sqlite")
    cp = Checkpointer(path, interval=0)

    async def run() -> None:
        cp.start()
        await asyncio.sleep(0.01)
        await cp.stop()

    asyncio.run(run())
    cp.checkpoint()          # a straggler from a cancelled task: must not reopen
    assert cp._conn is None
