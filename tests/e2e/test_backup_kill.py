"""`kill -9` of `nubo up` (file volumes, posix backups) while a backup is being written and
a restore is under way, then a restart on the same data dir: the backup becomes available,
the volume gets its status back, the restored volume holds the source's bytes; a delete cut
off the same way finishes. Nothing stays creating, restoring, backing-up or deleting."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import Cloud, free_port, start_nubo, stop_nubo
from tests.e2e.test_openstack_cli import osc_json

WAIT = 120.0
MIB = 1024 ** 2


class Client:
    def __init__(self, c: Cloud) -> None:
        self.url = f"{c.url}/volume/v3"
        self.headers = {"X-Auth-Token": osc_json(c, "token", "issue")["id"],
                        "OpenStack-API-Version": "volume 3.47"}

    def call(self, method: str, path: str, status: int, body: Any = None) -> Any:
        r = httpx.request(method, self.url + path, json=body, headers=self.headers,
                          timeout=30)
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def wait(self, kind: str, rid: str, want: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        shown: dict[str, Any] = {}
        while time.monotonic() < deadline:
            r = httpx.get(f"{self.url}/{kind}s/{rid}", headers=self.headers, timeout=30)
            if want == "gone" and r.status_code == 404:
                return {}
            shown = r.json().get(kind, {})
            if shown.get("status") == want:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{kind} {rid} never became {want}: {shown}")


def rows(data: Path, sql: str, *args: str) -> list[Any]:
    with sqlite3.connect(data / "nubo.db") as db:
        return [r[0] for r in db.execute(sql, args)]


def test_kill_9_during_backup_and_restore_converges(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"NUBO_BACKUP_CHUNK_MB": "1"}
    c = start_nubo(data, free_port(), env_extra=env)
    try:
        api = Client(c)
        vol = api.call("POST", "/volumes", 202, {"volume": {"size": 1, "name": "src"}})
        vid = vol["volume"]["id"]
        api.wait("volume", vid, "available")
        disk = data / "volumes" / f"volume-{vid}.qcow2"
        raw = tmp_path / "random.raw"
        raw.write_bytes(os.urandom(160 * MIB))
        subprocess.run(["qemu-img", "convert", "-n", "-f", "raw", "-O", "qcow2", str(raw),
                        str(disk)], check=True)
        first = api.call("POST", "/backups", 202, {"backup": {"volume_id": vid,
                                                              "name": "first"}})["backup"]
        api.wait("backup", first["id"], "available")
        # a second backup being written, and a restore of the first into a new volume
        second = api.call("POST", "/backups", 202, {"backup": {"volume_id": vid,
                                                               "name": "second"}})["backup"]
        restore = api.call("POST", f"/backups/{first['id']}/restore", 202,
                           {"restore": {"name": "copy"}})["restore"]
        time.sleep(0.1)
        os.kill(c.proc.pid, signal.SIGKILL)
        c.proc.wait(30)
        # what the dead process left: the backup mid-write, the restore under way
        assert rows(data, "SELECT status FROM volume_backup WHERE id = ?", second["id"]) == \
            ["creating"]
        assert rows(data, "SELECT status FROM volume_volume WHERE id = ?", vid) == \
            ["backing-up"]
        assert rows(data, "SELECT status FROM volume_backup WHERE id = ?", first["id"]) == \
            ["restoring"]

        c = start_nubo(data, c.port, env_extra=env)
        api = Client(c)
        assert api.wait("backup", second["id"], "available")["object_count"] == 160
        api.wait("backup", first["id"], "available")
        api.wait("volume", vid, "available")
        copy = api.wait("volume", restore["volume_id"], "available")
        assert copy["name"] == "copy"
        copy_disk = data / "volumes" / f"volume-{copy['id']}.qcow2"
        assert subprocess.run(["qemu-img", "compare", "-q", str(disk), str(copy_disk)],
                              check=False).returncode == 0
        # a delete cut off
        api.call("DELETE", f"/backups/{second['id']}", 202)
        os.kill(c.proc.pid, signal.SIGKILL)
        c.proc.wait(30)
        c = start_nubo(data, c.port, env_extra=env)
        api = Client(c)
        api.wait("backup", second["id"], "gone")
        listed = api.call("GET", "/backups/detail", 200)["backups"]
        assert [(b["name"], b["status"]) for b in listed] == [("first", "available")]
        vols = api.call("GET", "/volumes/detail", 200)["volumes"]
        assert {v["status"] for v in vols} == {"available"}
        assert list((data / "backup-work").iterdir()) == []
    finally:
        stop_nubo(c)
