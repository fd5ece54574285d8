"""`nubo backup` while 20 boots run, `nubo restore` onto a fresh data dir: the same cloud.
A damaged or truncated backup is refused and leaves nothing behind."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import free_port, nubo_bin, start_nubo, stop_nubo
from tests.e2e.ops_helpers import admin_client, boot, make_resources, ok, snapshot, wait_settled

#: seconds each of the 20 boots spends spawning (fake driver fault injection)
SLOW = 20


def nubo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([nubo_bin(), *args], capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.fixture(scope="module")
def backed_up(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A cloud with resources, backed up while 20 servers are booting; then restored."""
    root = tmp_path_factory.mktemp("backup")
    image_data = os.urandom(3 * 2**20 + 17)
    cloud = start_nubo(root / "data", free_port())
    try:
        with admin_client(cloud) as c:
            ids = make_resources(c, image_data)
            steady = boot(c, "steady", ids["image"], ids["network"])
            wait_settled(c)
            # 20 boots that take SLOW seconds each to spawn: all in flight during the backup
            slow = ok(c.post("/image/v2/images", json={
                "name": "slow", "disk_format": "raw", "container_format": "bare",
                "nubo_fake:spawn": f"slow={SLOW}"}))["id"]
            ok(c.put(f"/image/v2/images/{slow}/file", content=b"\0" * 4096,
                     headers={"Content-Type": "application/octet-stream"}))
            before = snapshot(c)
            with ThreadPoolExecutor(20) as pool:
                booted = list(pool.map(lambda i: boot(c, f"b{i}", slow, ids["network"]),
                                       range(20)))
            made = nubo("backup", "--data-dir", str(cloud.data_dir),
                        "--to", str(root / "cloud.tar"))
            assert made.returncode == 0, made.stderr
            building = [s["id"] for s in ok(c.get("/compute/v2.1/servers?status=BUILD"))[
                "servers"]]
            wait_settled(c)
    finally:
        stop_nubo(cloud)
    restored_dir = root / "restored"
    r = nubo("restore", str(root / "cloud.tar"), "--data-dir", str(restored_dir))
    assert r.returncode == 0, r.stderr
    return {"root": root, "before": before, "ids": ids, "steady": steady, "booted": booted,
            "building_after_backup": building, "image_data": image_data,
            "restored": restored_dir}


def test_restore_gives_back_the_same_cloud(backed_up: dict[str, object]) -> None:
    before: dict[str, dict[str, object]] = backed_up["before"]  # type: ignore[assignment]
    ids: dict[str, str] = backed_up["ids"]  # type: ignore[assignment]
    booted: list[str] = backed_up["booted"]  # type: ignore[assignment]
    restored: Path = backed_up["restored"]  # type: ignore[assignment]
    with sqlite3.connect(restored / "nubo.db") as db:   # what the snapshot caught
        caught = {r[0] for r in db.execute(
            "SELECT id FROM compute_instance WHERE vm_state = 'building'")}
    # the 20 boots were still building when the backup ended: the snapshot has them all so
    assert set(backed_up["building_after_backup"]) == set(booted)  # type: ignore[arg-type]
    assert caught == set(booted)
    cloud = start_nubo(restored, free_port())
    try:
        with admin_client(cloud) as c:   # the restored admin password and token keys work
            servers = wait_settled(c, timeout=180)   # boots caught mid-way resume
            after = snapshot(c)
            for kind in ("users", "projects", "images", "networks", "subnets"):
                assert after[kind] == before[kind], kind
            # ports and servers made before the backup are the same; servers booting during
            # it are there or not, as the snapshot caught them, and none is stuck
            assert set(before["ports"]) <= set(after["ports"])
            for pid, port in before["ports"].items():
                assert after["ports"][pid] == port
            assert after["servers"][backed_up["steady"]] == \
                before["servers"][backed_up["steady"]]
            assert set(after["servers"]) == set(before["servers"]) | set(booted)
            # and their boots, cut off by the snapshot, resumed on the restored cloud
            assert {s["status"] for s in servers} == {"ACTIVE"}
            got = c.get(f"/image/v2/images/{ids['image']}/file")
            assert got.status_code == 200 and got.content == backed_up["image_data"]
            # and it is usable: a new server boots on the restored network and image
            sid = boot(c, "after-restore", ids["image"], ids["network"])
            wait_settled(c)
            assert ok(c.get(f"/compute/v2.1/servers/{sid}"))["server"]["status"] == "ACTIVE"
    finally:
        stop_nubo(cloud)


def _refused(archive: Path, target: Path) -> str:
    r = nubo("restore", str(archive), "--data-dir", str(target))
    assert r.returncode != 0
    assert not target.exists()                          # nothing written
    assert not [p for p in target.parent.iterdir() if ".restore-" in p.name]
    return r.stderr


def test_truncated_backup_is_refused(backed_up: dict[str, object]) -> None:
    root: Path = backed_up["root"]  # type: ignore[assignment]
    data = (root / "cloud.tar").read_bytes()
    with tarfile.open(root / "cloud.tar") as tar:
        manifest = tar.getmember("nubo-backup.json")
    # mid-file, inside the manifest, and exactly before it (every file before it is whole)
    for cut in (len(data) // 2, manifest.offset_data + 10, manifest.offset):
        short = root / f"short-{cut}.tar"
        short.write_bytes(data[:cut])
        err = _refused(short, root / f"from-short-{cut}")
        assert "truncated" in err and "nothing was restored" in err, err


def test_corrupt_backup_is_refused(backed_up: dict[str, object]) -> None:
    root: Path = backed_up["root"]  # type: ignore[assignment]
    ids: dict[str, str] = backed_up["ids"]  # type: ignore[assignment]
    with tarfile.open(root / "cloud.tar") as tar:
        member = tar.getmember(f"images/data/{ids['image']}")
    data = bytearray((root / "cloud.tar").read_bytes())
    data[member.offset_data + 1000] ^= 0xFF        # one flipped byte in the image's data
    bad = root / "bad.tar"
    bad.write_bytes(bytes(data))
    err = _refused(bad, root / "from-bad")
    assert f"checksum mismatch: images/data/{ids['image']}" in err, err
    junk = root / "junk.tar"
    junk.write_bytes(os.urandom(50000))
    assert "damaged or truncated" in _refused(junk, root / "from-junk")


def test_restore_refuses_a_used_data_dir(backed_up: dict[str, object]) -> None:
    root: Path = backed_up["root"]  # type: ignore[assignment]
    used = root / "used"
    used.mkdir()
    (used / "nubo.db").write_bytes(b"mine")
    r = nubo("restore", str(root / "cloud.tar"), "--data-dir", str(used))
    assert r.returncode != 0 and "not empty" in r.stderr
    assert (used / "nubo.db").read_bytes() == b"mine"
