"""Whether a `nubo up` runs on a data dir: the running process holds an exclusive lock on
`DATA_DIR/nubo.pid` (which also names its pid). The kernel drops the lock when the process
ends, however it ends (kill -9 included), so a stale file never blocks anything."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

PID_FILE = "nubo.pid"


def hold(data_dir: Path) -> IO[str]:
    """Take the data dir's lock for this process (keep the returned file open while it
    runs). Raises BlockingIOError when another process holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    f = open(data_dir / PID_FILE, "a+")  # noqa: SIM115 - held for the process's life
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        raise
    f.seek(0)
    f.truncate()
    f.write(f"{os.getpid()}\n")
    f.flush()
    return f


def held(data_dir: Path) -> bool:
    """Whether a process holds `data_dir`'s lock now."""
    path = data_dir / PID_FILE
    if not path.exists():
        return False
    with open(path) as f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
    return False
