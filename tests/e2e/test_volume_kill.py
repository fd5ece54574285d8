"""`kill -9` of `nubo up --virt fake` in the middle of an attach and of a detach, then a
restart on the same data dir: every volume converges from what the (fake) hypervisor really
has, none stays reserved, attaching or detaching, and no attachment names a missing disk.

The flavor's `nubo_fake:attach_volume` = `slow=<secs>` makes the host plug the disk, then
answer late: the controller dies with the record `attaching` and the disk in the guest (the
reconciler completes it: in-use). The detach side is driven through Cinder's legacy
os-begin_detaching, as a crash right after the API marked the attachment `detaching` leaves
it (the reconciler unplugs and releases it: available).
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx

from nubo.compute.agent.virt.fake import ATTACH_FAULT_KEY
from tests.e2e.conftest import Cloud, free_port, start_nubo, stop_nubo
from tests.e2e.test_openstack_cli import osc, osc_json

WAIT = 90.0


def status(c: Cloud, name: str) -> str:
    return str(osc_json(c, "volume", "show", name)["status"])


def wait_status(c: Cloud, name: str, want: str) -> dict[str, object]:
    deadline = time.monotonic() + WAIT
    shown: dict[str, object] = {}
    while time.monotonic() < deadline:
        shown = osc_json(c, "volume", "show", name)
        if shown["status"] == want:
            return shown
        time.sleep(0.3)
    raise AssertionError(f"{name} never became {want}: {shown}")


def fake_disks(c: Cloud) -> dict[str, dict[str, str]]:
    """What the fake hypervisor has: instance id -> {device: volume id}."""
    for path in (c.data_dir / "fake-hosts").glob("*.json"):
        try:
            doc = json.loads(path.read_text())
        except (ValueError, OSError):
            continue
        if isinstance(doc, dict) and "volumes" in doc and "instances" in doc:
            return dict(doc["volumes"])
    return {}


def test_kill_9_during_attach_and_detach_converges(tmp_path: Path) -> None:
    data = tmp_path / "data"
    c = start_nubo(data, free_port())
    try:
        disk = tmp_path / "disk.raw"
        disk.write_bytes(b"\0" * 1024 * 1024)
        osc(c, "image", "create", "--file", str(disk), "--disk-format", "raw",
            "--container-format", "bare", "k-img")
        osc(c, "flavor", "create", "--ram", "128", "--disk", "1", "--vcpus", "1",
            "--property", f"{ATTACH_FAULT_KEY}=slow=600", "k.slow")
        srv = osc_json(c, "server", "create", "--image", "k-img", "--flavor", "k.slow",
                       "--nic", "none", "--wait", "vm")
        other = osc_json(c, "server", "create", "--image", "k-img", "--flavor", "m1.nano",
                         "--nic", "none", "--wait", "vm2")
        for name in ("plugged", "leaving"):
            osc(c, "volume", "create", "--size", "1", name)
            wait_status(c, name, "available")
        # "leaving": attached to vm2, then marked detaching as the API's first step does
        # (Cinder's os-begin_detaching); the controller dies before the host is asked
        osc(c, "server", "add", "volume", "vm2", "leaving")
        wait_status(c, "leaving", "in-use")
        leaving = osc_json(c, "volume", "show", "leaving")["id"]
        token = osc_json(c, "token", "issue")["id"]
        r = httpx.post(f"{c.url}/volume/v3/volumes/{leaving}/action",
                       json={"os-begin_detaching": None},
                       headers={"X-Auth-Token": token}, timeout=30)
        assert r.status_code == 202, r.text
        assert status(c, "leaving") == "detaching"
        # "plugged": the host plugs it and answers in 600 s; the controller dies meanwhile
        osc(c, "server", "add", "volume", "vm", "plugged")
        wait_status(c, "plugged", "attaching")
        deadline = time.monotonic() + WAIT
        while not fake_disks(c).get(srv["id"]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert fake_disks(c).get(srv["id"]), "the fake host never plugged the disk"
        os.kill(c.proc.pid, signal.SIGKILL)
        c.proc.wait(30)

        c = start_nubo(data, c.port)
        shown = wait_status(c, "plugged", "in-use")
        [att] = shown["attachments"]  # type: ignore[misc]
        assert att["server_id"] == srv["id"]
        shown = wait_status(c, "leaving", "available")
        assert shown["attachments"] == []
        assert fake_disks(c).get(other["id"], {}) == {}     # the host unplugged it
        vols = osc_json(c, "volume", "list")
        assert all(v["Status"] in ("available", "in-use") for v in vols), vols
        # detaching after the restart works as ever
        osc(c, "server", "remove", "volume", "vm", "plugged")
        wait_status(c, "plugged", "available")
        assert fake_disks(c).get(srv["id"], {}) == {}
    finally:
        stop_nubo(c)
