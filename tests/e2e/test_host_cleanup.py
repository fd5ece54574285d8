"""`nubo host cleanup` as an operator runs it: refused while the cloud runs, then (after
SIGTERM) it removes what the data dir made, and `--purge` the data dir itself. The dataplane
part on the real kernel: tests/integration/test_host_cleanup_linux.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.conftest import free_port, nubo_bin, start_nubo, stop_nubo


def cleanup(data: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([nubo_bin(), "host", "cleanup", "--data-dir", str(data), *extra],
                          capture_output=True, text=True, timeout=120)


def test_refused_while_running_then_purges_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cloud = start_nubo(data, free_port())
    try:
        running = cleanup(data, "--purge")
        assert running.returncode == 1 and "still runs" in running.stderr, running
        assert (data / "nubo.db").exists()
    finally:
        stop_nubo(cloud)
    done = cleanup(data, "--purge")
    assert done.returncode == 0, done
    assert f"removed data dir {data}" in done.stdout
    assert not data.exists()


def test_purge_refuses_a_directory_that_is_not_a_data_dir(tmp_path: Path) -> None:
    other = tmp_path / "not-nubo"
    other.mkdir()
    (other / "precious").write_text("x")
    done = cleanup(other, "--purge")
    assert done.returncode == 1 and "does not look like a Nubo data dir" in done.stderr
    assert (other / "precious").exists()
