"""The real python-openstackclient against `nubo up`: the image workflow, and the test
guest image that `nubo up` registers by itself."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import httpx
import yaml

from tests.e2e.conftest import Cloud, free_port, start_nubo, stop_nubo
from tests.e2e.test_openstack_cli import add_cloud, osc, osc_json


def test_image_workflow(shared_cloud: Cloud, tmp_path: Path) -> None:
    c = shared_cloud
    data = bytes(range(256)) * 8192
    src = tmp_path / "disk.raw"
    src.write_bytes(data)
    img = osc_json(c, "image", "create", "--file", str(src), "--disk-format", "raw",
                   "--container-format", "bare", "--private", "e2e-img")
    assert img["status"] == "active" and img["size"] == len(data)
    assert [i["Name"] for i in osc_json(c, "image", "list")].count("e2e-img") == 1
    osc(c, "image", "set", "--property", "hw_disk_bus=virtio", "--min-ram", "64", "e2e-img")
    shown = osc_json(c, "image", "show", "e2e-img")
    assert shown["properties"]["hw_disk_bus"] == "virtio" and shown["min_ram"] == 64
    out = tmp_path / "saved.raw"
    osc(c, "image", "save", "--file", str(out), "e2e-img")
    assert out.read_bytes() == data
    assert hashlib.sha512(out.read_bytes()).hexdigest() == shown["properties"]["os_hash_value"]

    # sharing: a member project sees it once accepted; a stranger never does
    osc(c, "project", "create", "--domain", "default", "friends")
    osc(c, "user", "create", "--domain", "default", "--password", "pw", "friend")
    osc(c, "role", "add", "--project", "friends", "--user", "friend", "member")
    add_cloud(c, "friend", {"username": "friend", "password": "pw", "project_name": "friends",
                            "user_domain_name": "Default", "project_domain_name": "Default"})
    demo_pw = yaml.safe_load(c.clouds_yaml.read_text())["clouds"]["nubo-demo"]["auth"]
    assert demo_pw["username"] == "demo"
    assert osc(c, "image", "show", img["id"], cloud_name="friend", check=False).returncode != 0
    osc(c, "image", "set", "--shared", "e2e-img")
    osc(c, "image", "add", "project", "e2e-img", "friends")
    osc(c, "image", "set", "--accept", img["id"], cloud_name="friend")
    names = [i["Name"] for i in osc_json(c, "image", "list", cloud_name="friend")]
    assert "e2e-img" in names
    assert "e2e-img" not in [i["Name"] for i in osc_json(c, "image", "list",
                                                         cloud_name="nubo-demo")]
    assert osc(c, "image", "show", img["id"], cloud_name="nubo-demo",
               check=False).returncode != 0

    bad = tmp_path / "bad.qcow2"
    bad.write_bytes(b"not a qcow2 at all" * 100)
    r = osc(c, "image", "create", "--file", str(bad), "--disk-format", "qcow2",
            "--container-format", "bare", "bad-img", check=False)
    assert r.returncode != 0
    assert "disk_format" in r.stderr or "400" in r.stderr
    osc(c, "image", "delete", "e2e-img")
    assert osc(c, "image", "show", "e2e-img", check=False).returncode != 0


def test_nubo_up_registers_the_test_image(tmp_path: Path) -> None:
    cloud = start_nubo(tmp_path / "data", free_port(), test_image=True)
    try:
        deadline = time.monotonic() + 300
        found: list = []
        while time.monotonic() < deadline and not found:
            found = [i for i in osc_json(cloud, "image", "list", "--public")
                     if i["Name"] == "nubo-test" and i["Status"] == "active"]
            if not found:
                time.sleep(1)
        assert found, cloud.log.read_text()[-3000:]
        shown = osc_json(cloud, "image", "show", "nubo-test")
        assert shown["disk_format"] == "qcow2" and shown["visibility"] == "public"
        r = httpx.get(f"{cloud.url}/healthz")
        assert r.status_code == 200
    finally:
        stop_nubo(cloud)
    # a restart reuses the cached build and does not register it twice
    log = tmp_path / "data" / "logs" / "nubo.log"
    again = start_nubo(tmp_path / "data", free_port(), test_image=True)
    try:
        deadline = time.monotonic() + 60
        while log.read_text().count("(100%)") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)
        assert log.read_text().count("registered test image") == 1
        names = [i["Name"] for i in osc_json(again, "image", "list", "--public")]
        assert names.count("nubo-test") == 1
    finally:
        stop_nubo(again)
