"""The data dir's lock says whether a `nubo up` runs there, and goes with its process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nubo.core import running


def test_held_while_a_process_holds_it_and_free_after_kill_9(tmp_path: Path) -> None:
    assert not running.held(tmp_path)
    code = ("import sys, time; from pathlib import Path; from nubo.core import running; "
            "f = running.hold(Path(sys.argv[1])); print('ok', flush=True); time.sleep(60)")
    p = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                         text=True, env={**os.environ, "PYTHONPATH": str(Path.cwd())})
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "ok"
        assert running.held(tmp_path)
        assert (tmp_path / running.PID_FILE).read_text().strip() == str(p.pid)
        with pytest.raises(BlockingIOError):
            running.hold(tmp_path)
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(10)
    deadline = time.monotonic() + 5
    while running.held(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running.held(tmp_path)
    running.hold(tmp_path).close()      # a stale file blocks nothing
