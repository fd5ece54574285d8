"""The real python-openstackclient against `nubo up` (file volumes, posix backups): backup
create (full, then incremental), list, show, restore into a new volume whose bytes match,
delete in Cinder's order; a transfer request created by one project and accepted by another."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.e2e.conftest import Cloud
from tests.e2e.test_openstack_cli import osc, osc_json
from tests.e2e.test_openstack_cli_volume import wait_status


def qemu_write(disk: Path, pattern: int, offset_mb: int) -> None:
    subprocess.run(["qemu-io", "-f", "qcow2", "-c",
                    f"write -P {pattern} {offset_mb}M 1M", str(disk)],
                   check=True, capture_output=True)


def same_bytes(a: Path, b: Path) -> bool:
    return subprocess.run(["qemu-img", "compare", "-q", str(a), str(b)],
                          check=False).returncode == 0


def test_backup_create_restore_delete(shared_cloud: Cloud) -> None:
    c = shared_cloud
    files = c.data_dir / "volumes"
    vol = osc_json(c, "volume", "create", "--size", "1", "bk-vol")
    wait_status(c, ["volume"], "bk-vol", "available")
    disk = files / f"volume-{vol['id']}.qcow2"
    qemu_write(disk, 0xAB, 0)
    osc(c, "volume", "backup", "create", "--name", "bk-full", "bk-vol")
    shown = wait_status(c, ["volume", "backup"], "bk-full", "available")
    assert shown["volume_id"] == vol["id"] and shown["size"] == 1
    assert shown["is_incremental"] is False
    assert wait_status(c, ["volume"], "bk-vol", "available")
    qemu_write(disk, 0xCD, 300)
    osc(c, "volume", "backup", "create", "--incremental", "--name", "bk-inc", "bk-vol")
    inc = wait_status(c, ["volume", "backup"], "bk-inc", "available")
    assert inc["is_incremental"] is True
    listed = {b["Name"]: b["Status"] for b in osc_json(c, "volume", "backup", "list")}
    assert listed == {"bk-full": "available", "bk-inc": "available"}

    restored = osc_json(c, "volume", "backup", "restore", "bk-inc", "bk-restored")
    assert restored["volume_name"] == "bk-restored"
    new = wait_status(c, ["volume"], "bk-restored", "available")
    assert same_bytes(disk, files / f"volume-{new['id']}.qcow2")
    qemu_write(disk, 0xEF, 600)          # the source moves on; the restored copy does not
    assert not same_bytes(disk, files / f"volume-{new['id']}.qcow2")

    # the full one has a child: Cinder's 400, said in its words
    r = osc(c, "volume", "backup", "delete", "bk-full", check=False)
    assert r.returncode != 0 and "Incremental backups exist" in r.stderr, r.stderr
    osc(c, "volume", "backup", "delete", "bk-inc")
    deadline = time.monotonic() + 30
    while len(osc_json(c, "volume", "backup", "list")) > 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    osc(c, "volume", "backup", "delete", "bk-full")
    while osc_json(c, "volume", "backup", "list") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert osc_json(c, "volume", "backup", "list") == []
    assert list((c.data_dir / "backups").iterdir()) == []
    osc(c, "volume", "delete", "bk-vol", "bk-restored")


def test_transfer_request_create_accept(shared_cloud: Cloud) -> None:
    c = shared_cloud
    vol = osc_json(c, "volume", "create", "--size", "1", "gift-vol")
    wait_status(c, ["volume"], "gift-vol", "available")
    t = osc_json(c, "volume", "transfer", "request", "create", "--name", "gift", "gift-vol")
    assert t["auth_key"] and t["volume_id"] == vol["id"]
    assert osc_json(c, "volume", "show", "gift-vol")["status"] == "awaiting-transfer"
    listed = osc_json(c, "volume", "transfer", "request", "list")
    assert [x["Name"] for x in listed] == ["gift"]
    r = osc(c, "volume", "transfer", "request", "accept", "--auth-key", "0" * 16, t["id"],
            cloud_name="nubo-demo", check=False)
    assert r.returncode != 0 and "invalid auth key" in r.stderr, r.stderr
    osc(c, "volume", "transfer", "request", "accept", "--auth-key", t["auth_key"], t["id"],
        cloud_name="nubo-demo")
    mine = {v["Name"]: v["Status"] for v in osc_json(c, "volume", "list",
                                                      cloud_name="nubo-demo")}
    assert mine.get("gift-vol") == "available"
    assert "gift-vol" not in [v["Name"] for v in osc_json(c, "volume", "list")]
    assert osc_json(c, "volume", "transfer", "request", "list") == []
    osc(c, "volume", "delete", "gift-vol", cloud_name="nubo-demo")
