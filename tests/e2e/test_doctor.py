"""`nubo doctor` against a real cloud: all good while it runs; the API down, a schema behind
and a host that stopped answering are each a failure with its fix, and exit 1."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import Cloud, nubo_bin, stop_nubo


def doctor(cloud: Cloud) -> subprocess.CompletedProcess[str]:
    return subprocess.run([nubo_bin(), "doctor", "--data-dir", str(cloud.data_dir),
                           "--url", cloud.url, "--virt", "fake", "--network", "noop"],
                          capture_output=True, text=True, timeout=60, check=False)


def test_doctor_on_a_running_and_a_broken_cloud(cloud: Cloud) -> None:
    r = doctor(cloud)
    assert r.returncode == 0 and r.stdout.rstrip().endswith("all good"), r.stdout
    assert "[  ok] api:" in r.stdout and "[  ok] compute services: 1 up" in r.stdout
    assert "[  ok] schema: database schema is current" in r.stdout
    assert stop_nubo(cloud) == 0
    db = cloud.data_dir / "nubo.db"
    with sqlite3.connect(db) as c:
        c.execute("UPDATE alembic_version SET version_num = '0015'")
        long_ago = (datetime.now(UTC) - timedelta(minutes=10)).replace(tzinfo=None).isoformat(" ")
        c.execute("UPDATE compute_host SET last_seen = ?", (long_ago,))
    r = doctor(cloud)
    assert r.returncode == 1
    out = r.stdout
    assert "[fail] api:" in out and "fix: start it" in out
    assert "[fail] schema: database schema is at 0015" in out and "nubo db upgrade" in out
    assert "[fail] compute services: 1 of 1 down" in out
    assert out.rstrip().endswith("3 problem(s): api, schema, compute services"), out
