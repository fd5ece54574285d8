"""The real python-openstackclient against `nubo up`: block storage on the file backend,
whose qcow2 files are checked with `qemu-img info` on disk."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Cloud
from tests.e2e.test_openstack_cli import osc, osc_json

GIB = 1024 ** 3


def wait_status(c: Cloud, kind: list[str], name: str, want: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    shown: dict[str, Any] = {}
    while time.monotonic() < deadline:
        shown = osc_json(c, *kind, "show", name)
        if shown["status"] == want:
            return shown
        assert not shown["status"].startswith("error"), shown
        time.sleep(0.2)
    raise AssertionError(f"{name} never became {want}: {shown}")


def virtual_size(path: Path) -> int:
    out = subprocess.run(["qemu-img", "info", "--output=json", str(path)], check=True,
                         capture_output=True, text=True).stdout
    size: int = json.loads(out)["virtual-size"]
    return size


def test_volume_workflow(shared_cloud: Cloud) -> None:
    c = shared_cloud
    files = c.data_dir / "volumes"
    vol = osc_json(c, "volume", "create", "--size", "1", "data-vol")
    assert vol["size"] == 1 and vol["name"] == "data-vol"
    shown = wait_status(c, ["volume"], "data-vol", "available")
    assert shown["type"] == "__DEFAULT__"
    disk = files / f"volume-{vol['id']}.qcow2"
    assert virtual_size(disk) == 1 * GIB
    assert disk.stat().st_blocks * 512 < 10 * 1024 * 1024      # sparse
    listed = osc_json(c, "volume", "list")
    assert [(v["Name"], v["Status"], v["Size"]) for v in listed] == [("data-vol", "available",
                                                                       1)]

    osc(c, "volume", "type", "create", "--property", "volume_backend_name=fast", "fast-ssd")
    vtype = osc_json(c, "volume", "type", "show", "fast-ssd")
    assert "volume_backend_name" in json.dumps(vtype["properties"])
    fast = osc_json(c, "volume", "create", "--size", "1", "--type", "fast-ssd", "fast-data")
    assert wait_status(c, ["volume"], "fast-data", "available")["type"] == "fast-ssd"

    snap = osc_json(c, "volume", "snapshot", "create", "--volume", "data-vol", "--force",
                    "snap-before-upgrade")
    wait_status(c, ["volume", "snapshot"], "snap-before-upgrade", "available")
    snap_file = files / "snapshots" / f"snapshot-{snap['id']}.qcow2"
    assert virtual_size(snap_file) == 1 * GIB
    assert [s["Name"] for s in osc_json(c, "volume", "snapshot", "list")] == \
        ["snap-before-upgrade"]

    osc(c, "volume", "set", "--size", "2", "data-vol")
    grown = wait_status(c, ["volume"], "data-vol", "available")
    deadline = time.monotonic() + 30
    while grown["size"] != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        grown = osc_json(c, "volume", "show", "data-vol")
    assert grown["size"] == 2
    assert virtual_size(disk) == 2 * GIB
    assert virtual_size(snap_file) == 1 * GIB      # the snapshot kept its point in time

    # a volume with snapshots is refused without cascade, in Cinder's words
    r = osc(c, "volume", "delete", "data-vol", check=False)
    assert r.returncode != 0 and "snapshots" in r.stderr
    osc(c, "volume", "snapshot", "delete", "snap-before-upgrade")
    osc(c, "volume", "delete", "data-vol", "fast-data")
    deadline = time.monotonic() + 30
    while osc_json(c, "volume", "list") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert osc_json(c, "volume", "list") == []
    assert not disk.exists() and not snap_file.exists()
    assert not (files / f"volume-{fast['id']}.qcow2").exists()
    assert osc(c, "volume", "show", "data-vol", check=False).returncode != 0


def test_quotas_limits_zones_services(shared_cloud: Cloud) -> None:
    c = shared_cloud
    osc(c, "quota", "set", "--volumes", "3", "--gigabytes", "5", "--snapshots", "2", "demo")
    shown = {q["Resource"]: q["Limit"] for q in osc_json(c, "quota", "show", "demo")}
    assert (shown["volumes"], shown["gigabytes"], shown["snapshots"]) == (3, 5, 2), shown
    assert shown["backup-gigabytes"] == 1000 and shown["per-volume-gigabytes"] == -1
    r = osc(c, "volume", "create", "--size", "6", "too-big", cloud_name="nubo-demo",
            check=False)
    assert r.returncode != 0 and "exceeds allowed gigabytes quota" in r.stderr, r.stderr
    limits = {x["Name"]: x["Value"] for x in osc_json(c, "limits", "show", "--absolute",
                                                      cloud_name="nubo-demo")}
    assert limits["max_total_volumes"] == 3 and limits["max_total_volume_gigabytes"] == 5
    zones = osc_json(c, "availability", "zone", "list", "--volume")
    assert [(z["Zone Name"], z["Zone Status"]) for z in zones] == [("nova", "available")]
    services = {s["Binary"]: s["State"] for s in osc_json(c, "volume", "service", "list")}
    assert services == {"cinder-scheduler": "up", "cinder-volume": "up"}
    # a project sees its own volumes only
    osc(c, "volume", "create", "--size", "1", "demo-vol", cloud_name="nubo-demo")
    assert [v["Name"] for v in osc_json(c, "volume", "list", cloud_name="nubo-demo")] == \
        ["demo-vol"]
    assert "demo-vol" not in [v["Name"] for v in osc_json(c, "volume", "list")]
    assert "demo-vol" in [v["Name"] for v in osc_json(c, "volume", "list", "--all-projects")]


def test_server_add_remove_volume(shared_cloud: Cloud, tmp_path: Path) -> None:
    """`openstack server add volume` / `server remove volume` against `nubo up --virt fake`
    with the file backend: the volume goes in-use with its attachment shown on both sides,
    an in-use volume cannot be deleted, and it is available again after the detach."""
    c = shared_cloud
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 1024 * 1024)
    osc(c, "image", "create", "--file", str(disk), "--disk-format", "raw",
        "--container-format", "bare", "att-img")
    srv = osc_json(c, "server", "create", "--image", "att-img", "--flavor", "m1.nano",
                   "--nic", "none", "--wait", "web")
    assert srv["status"] == "ACTIVE"
    vol = osc_json(c, "volume", "create", "--size", "1", "web-data")
    wait_status(c, ["volume"], "web-data", "available")

    osc(c, "server", "add", "volume", "--device", "/dev/vdb", "web", "web-data")
    shown = wait_status(c, ["volume"], "web-data", "in-use")
    [att] = shown["attachments"]
    assert att["server_id"] == srv["id"] and att["device"] == "/dev/vdb"
    listed = osc_json(c, "server", "volume", "list", "web")
    assert [(x["Volume ID"], x["Device"]) for x in listed] == [(vol["id"], "/dev/vdb")]
    server = osc_json(c, "server", "show", "web")
    assert vol["id"] in json.dumps(server["volumes_attached"])
    r = osc(c, "volume", "delete", "web-data", check=False)
    assert r.returncode != 0 and "attached" in r.stderr, r.stderr
    # attaching it again (to the same server) is Nova's 400, said in words
    r = osc(c, "server", "add", "volume", "web", "web-data", check=False)
    assert r.returncode != 0 and "already attached" in r.stderr, r.stderr

    osc(c, "server", "remove", "volume", "web", "web-data")
    shown = wait_status(c, ["volume"], "web-data", "available")
    assert shown["attachments"] == []
    assert osc_json(c, "server", "volume", "list", "web") == []
    osc(c, "server", "delete", "--wait", "web")
    osc(c, "volume", "delete", "web-data")
    osc(c, "image", "delete", "att-img")


def test_volume_from_image_and_boot_from_volume(shared_cloud: Cloud, tmp_path: Path) -> None:
    """`volume create --image`, `server create --volume`, `server create
    --boot-from-volume`, server delete (the made volume goes with it), volume delete."""
    c = shared_cloud
    disk = tmp_path / "boot.raw"
    disk.write_bytes(b"bootable" * 1024 + b"\0" * (1024 * 1024 - 8192))
    osc(c, "image", "create", "--file", str(disk), "--disk-format", "raw",
        "--container-format", "bare", "bfv-img")
    vol = osc_json(c, "volume", "create", "--image", "bfv-img", "--size", "1", "v")
    shown = wait_status(c, ["volume"], "v", "available")
    assert shown["bootable"] in (True, "true")        # OSC shows it as a boolean
    assert "bfv-img" in json.dumps(shown["volume_image_metadata"])
    out = c.data_dir / "v.raw"
    subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw",
                    str(c.data_dir / "volumes" / f"volume-{vol['id']}.qcow2"), str(out)],
                   check=True)
    with out.open("rb") as f:
        assert f.read(8192) == b"bootable" * 1024      # the image's bytes are the volume's
    out.unlink()

    srv = osc_json(c, "server", "create", "--volume", "v", "--flavor", "m1.nano",
                   "--nic", "none", "--wait", "bfv-1")
    assert srv["status"] == "ACTIVE"
    shown_srv = osc_json(c, "server", "show", "bfv-1")
    assert shown_srv["image"] in ("", None) or "volume" in str(shown_srv["image"]).lower()
    listed = osc_json(c, "server", "volume", "list", "bfv-1")
    assert [(x["Volume ID"], x["Device"]) for x in listed] == [(vol["id"], "/dev/vda")]
    assert wait_status(c, ["volume"], "v", "in-use")["attachments"][0]["server_id"] == \
        srv["id"]

    srv2 = osc_json(c, "server", "create", "--image", "bfv-img", "--boot-from-volume", "1",
                    "--flavor", "m1.nano", "--nic", "none", "--wait", "bfv-2")
    assert srv2["status"] == "ACTIVE"
    [root] = osc_json(c, "server", "volume", "list", "bfv-2")
    assert root["Device"] == "/dev/vda"
    made = osc_json(c, "volume", "show", root["Volume ID"])
    assert made["bootable"] in (True, "true") and made["size"] == 1

    osc(c, "server", "delete", "--wait", "bfv-1", "bfv-2")
    assert wait_status(c, ["volume"], "v", "available")["attachments"] == []
    # --boot-from-volume's volume is not deleted with the server (OSC leaves
    # delete_on_termination false): it is detached, and deleted here
    assert wait_status(c, ["volume"], root["Volume ID"], "available")
    osc(c, "volume", "delete", "v", root["Volume ID"])
    deadline = time.monotonic() + 30
    while osc_json(c, "volume", "list") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert osc_json(c, "volume", "list") == []
    osc(c, "image", "delete", "bfv-img")
