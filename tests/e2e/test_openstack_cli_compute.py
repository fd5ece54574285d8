"""The real python-openstackclient against `nubo up` on the fake hypervisor: flavors,
keypairs, servers and their power actions, isolation, and an explained failure."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.conftest import Cloud
from tests.e2e.test_openstack_cli import osc, osc_json


def test_compute_workflow(shared_cloud: Cloud, tmp_path: Path) -> None:
    c = shared_cloud
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 1024 * 1024)
    osc(c, "image", "create", "--file", str(disk), "--disk-format", "raw",
        "--container-format", "bare", "--public", "cli-img")
    flavor = osc_json(c, "flavor", "create", "--ram", "256", "--disk", "1", "--vcpus", "1",
                      "cli.small")
    assert flavor["ram"] == 256 and flavor["os-flavor-access:is_public"] is True
    key = tmp_path / "id.pub"
    key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKy5n6Un3ZkWJv0Z0f0Z0f0Z0f0Z0f0Z0f0Z0f0"
                   "Z0f0Z e2e@test\n")
    kp = osc_json(c, "keypair", "create", "--public-key", str(key), "cli-key")
    assert kp["name"] == "cli-key" and kp["fingerprint"]

    srv = osc_json(c, "server", "create", "--image", "cli-img", "--flavor", "cli.small",
                   "--key-name", "cli-key", "--property", "tier=web", "--wait", "vm1")
    assert srv["status"] == "ACTIVE" and srv["key_name"] == "cli-key"
    listed = osc_json(c, "server", "list")
    assert [(s["Name"], s["Status"]) for s in listed] == [("vm1", "ACTIVE")]
    shown = osc_json(c, "server", "show", "vm1")
    assert shown["OS-EXT-STS:power_state"] in ("Running", 1)
    osc(c, "server", "stop", "vm1")
    osc(c, "server", "start", "vm1")
    osc(c, "server", "reboot", "--hard", "--wait", "vm1")
    osc(c, "flavor", "create", "--ram", "512", "--disk", "1", "--vcpus", "2", "cli.medium")
    osc(c, "server", "resize", "--flavor", "cli.medium", "--wait", "vm1")
    assert osc_json(c, "server", "show", "vm1")["status"] == "VERIFY_RESIZE"
    osc(c, "server", "resize", "confirm", "vm1")
    shown = osc_json(c, "server", "show", "vm1")
    assert "cli.medium" in str(shown["flavor"])     # a name (2.1) or a dict (2.47)
    osc(c, "server", "resize", "--flavor", "cli.small", "--wait", "vm1")
    osc(c, "server", "resize", "revert", "vm1")
    for _ in range(100):
        shown = osc_json(c, "server", "show", "vm1")
        if shown["status"] == "ACTIVE":
            break
    assert shown["status"] == "ACTIVE" and "cli.medium" in str(shown["flavor"])
    snap = osc_json(c, "server", "image", "create", "--name", "vm1-snap", "--wait", "vm1")
    assert snap["name"] == "vm1-snap"
    assert osc_json(c, "image", "show", "vm1-snap")["status"] == "active"
    actions = osc_json(c, "server", "event", "list", "vm1")
    assert {a["Action"] for a in actions} >= {"create", "stop", "start", "reboot", "resize",
                                             "confirmResize", "revertResize"}

    # the demo user sees nothing of the admin's server
    assert osc_json(c, "server", "list", cloud_name="nubo-demo") == []
    r = osc(c, "server", "show", shown["id"], cloud_name="nubo-demo", check=False)
    assert r.returncode != 0

    # a boot that cannot fit fails and says why
    osc(c, "quota", "set", "--ram", "-1", "admin")
    osc(c, "flavor", "create", "--ram", "99999999", "--disk", "1", "--vcpus", "1", "cli.huge")
    r = osc(c, "server", "create", "--image", "cli-img", "--flavor", "cli.huge", "--wait",
            "vm-huge", check=False)
    assert r.returncode != 0
    fault = osc_json(c, "server", "show", "vm-huge")["fault"]
    assert "No valid host" in fault["message"]

    osc(c, "server", "delete", "--wait", "vm1", "vm-huge")
    assert osc_json(c, "server", "list") == []


def test_anti_affinity_across_two_fake_hosts(tmp_path: Path) -> None:
    import os

    from tests.e2e.conftest import free_port, start_nubo, stop_nubo
    os.environ["NUBO_FAKE_HOSTS"] = "2"
    try:
        c = start_nubo(tmp_path / "data", free_port())
    finally:
        del os.environ["NUBO_FAKE_HOSTS"]
    try:
        disk = tmp_path / "disk.raw"
        disk.write_bytes(b"\0" * 65536)
        osc(c, "image", "create", "--file", str(disk), "--disk-format", "raw",
            "--container-format", "bare", "img")
        group = osc_json(c, "server", "group", "create", "--policy", "anti-affinity", "apart")
        hosts = set()
        for name in ("g1", "g2"):
            srv = osc_json(c, "server", "create", "--image", "img", "--flavor", "m1.nano",
                           "--hint", f"group={group['id']}", "--wait", name)
            hosts.add(osc_json(c, "server", "show", name)["OS-EXT-SRV-ATTR:host"])
            assert srv["status"] == "ACTIVE"
        assert len(hosts) == 2
        members = osc_json(c, "server", "group", "show", "apart")["members"]
        assert len(members) == 2
    finally:
        stop_nubo(c)


def _wait_status(c: Cloud, name: str, status: str) -> dict[str, object]:
    shown: dict[str, object] = {}
    for _ in range(200):
        shown = osc_json(c, "server", "show", name)
        if shown["status"] == status and not shown.get("OS-EXT-STS:task_state"):
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{name} is {shown.get('status')}, wanted {status}")


def test_server_actions_on_two_fake_hosts(tmp_path: Path) -> None:
    """pause, suspend, rescue, shelve, console log and an admin's cold migration."""
    import os

    from tests.e2e.conftest import free_port, start_nubo, stop_nubo
    os.environ["NUBO_FAKE_HOSTS"] = "2"
    try:
        c = start_nubo(tmp_path / "data", free_port())
    finally:
        del os.environ["NUBO_FAKE_HOSTS"]
    try:
        disk = tmp_path / "disk.raw"
        disk.write_bytes(b"\0" * 65536)
        osc(c, "image", "create", "--file", str(disk), "--disk-format", "raw",
            "--container-format", "bare", "img")
        osc_json(c, "server", "create", "--image", "img", "--flavor", "m1.nano", "--wait",
                 "act")
        for verb, status in (("pause", "PAUSED"), ("unpause", "ACTIVE"),
                             ("suspend", "SUSPENDED"), ("resume", "ACTIVE"),
                             ("rescue", "RESCUE"), ("unrescue", "ACTIVE")):
            osc(c, "server", verb, "act")
            _wait_status(c, "act", status)
        osc(c, "server", "shelve", "--wait", "act")
        assert _wait_status(c, "act", "SHELVED_OFFLOADED")["OS-EXT-SRV-ATTR:host"] in (
            None, "", "None")
        osc(c, "server", "unshelve", "act")
        _wait_status(c, "act", "ACTIVE")
        log = osc(c, "console", "log", "show", "act").stdout
        assert "login:" in log
        host = _wait_status(c, "act", "ACTIVE")["OS-EXT-SRV-ATTR:host"]
        osc(c, "server", "migrate", "--wait", "act")
        moved = _wait_status(c, "act", "VERIFY_RESIZE")
        assert moved["OS-EXT-SRV-ATTR:host"] != host
        osc(c, "server", "resize", "confirm", "act")
        _wait_status(c, "act", "ACTIVE")
        migrations = osc_json(c, "server", "migration", "list", "--server", "act")
        assert [m["Status"] for m in migrations] == ["confirmed"]
        actions = {a["Action"] for a in osc_json(c, "server", "event", "list", "act")}
        assert actions >= {"pause", "unpause", "suspend", "resume", "rescue", "unrescue",
                           "shelve", "unshelve", "migrate", "confirmResize"}
    finally:
        stop_nubo(c)
