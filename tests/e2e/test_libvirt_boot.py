"""The libvirt driver for real: `nubo up --virt libvirt` boots the `nubo-test` guest under
libvirt/QEMU (TCG here) and the real openstack CLI drives it. One real boot is shared by
the checks (they run in file order); a snapshot boots once more.

Skipped when not root or when no libvirtd answers and none can be started. Every domain
whose disks live in this test's data dir is destroyed and undefined at the end, even on
failure.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Cloud, free_port, start_nubo, stop_nubo
from tests.e2e.test_openstack_cli import osc, osc_json
from tests.install import need_libvirt

READY = "nubo-guest: ready"
WAIT = 240.0        # a ceiling for slow shared machines, not a timed assertion


def virsh(*args: str) -> str:
    return subprocess.run(["virsh", "-c", "qemu:///system", *args], capture_output=True,
                          text=True, timeout=60).stdout


def _cleanup_domains(data_dir: Path) -> None:
    """Destroy and undefine every domain whose disks are under `data_dir`."""
    import libvirt
    try:
        conn = libvirt.open("qemu:///system")
    except libvirt.libvirtError:
        return
    try:
        for dom in conn.listAllDomains(0):
            if str(data_dir) not in dom.XMLDesc(0):
                continue
            if dom.isActive():
                dom.destroy()
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    need_libvirt()
    data = tmp_path_factory.mktemp("libvirt") / "data"
    c = start_nubo(data, free_port(), "--virt", "libvirt", test_image=True, timeout=120)
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:     # the test image registers in the background
            images = osc_json(c, "image", "list", "--name", "nubo-test")
            if images and images[0]["Status"] == "active":
                break
            time.sleep(2)
        yield c
    finally:
        _cleanup_domains(data)
        stop_nubo(c)


def wait_for(fn: Any, what: str) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"gave up waiting for {what}")


def wait_status(c: Cloud, name: str, status: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        shown = osc_json(c, "server", "show", name)
        assert shown["status"] != "ERROR", shown.get("fault")
        return shown if shown["status"] == status else None
    return dict(wait_for(check, f"{name} to be {status}"))


def wait_ready(c: Cloud, name: str) -> str:
    def check() -> str | None:
        out = osc(c, "console", "log", "show", name).stdout
        return out if READY in out else None
    return str(wait_for(check, f"{name}'s ready marker"))


def domstate(name: str) -> str:
    return virsh("domstate", name).strip()


def test_boot_to_ready(cloud: Cloud) -> None:
    srv = osc_json(cloud, "server", "create", "--image", "nubo-test", "--flavor", "m1.nano",
                   "--wait", "vm1")
    assert srv["status"] == "ACTIVE"
    log = wait_ready(cloud, "vm1")
    assert "hostname=vm1" in log      # the config drive's meta_data.json reached the guest
    tail = osc(cloud, "console", "log", "show", "--lines", "3", "vm1").stdout
    assert 0 < len(tail.strip().splitlines()) <= 3


def test_domain_is_a_nova_style_libvirt_domain(cloud: Cloud) -> None:
    shown = osc_json(cloud, "server", "show", "vm1")
    name = shown["OS-EXT-SRV-ATTR:instance_name"]
    assert name.startswith("instance-") and name in virsh("list", "--name").split()
    assert domstate(name) == "running"
    xml = virsh("dumpxml", name)
    assert shown["id"] in xml and "OpenStack Nova" in xml
    hyps = osc_json(cloud, "hypervisor", "list")
    assert hyps and hyps[0]["Hypervisor Type"] == "QEMU"


def test_stop_start_reboot_change_the_domain(cloud: Cloud) -> None:
    name = osc_json(cloud, "server", "show", "vm1")["OS-EXT-SRV-ATTR:instance_name"]
    osc(cloud, "server", "stop", "vm1")
    wait_status(cloud, "vm1", "SHUTOFF")
    assert domstate(name) == "shut off"
    osc(cloud, "server", "start", "vm1")
    wait_status(cloud, "vm1", "ACTIVE")
    assert domstate(name) == "running"
    wait_ready(cloud, "vm1")
    osc(cloud, "server", "reboot", "--wait", "vm1")
    assert domstate(name) == "running"
    wait_ready(cloud, "vm1")     # the serial log starts afresh with the new boot


def test_guest_that_powers_off_shows_shutoff(cloud: Cloud) -> None:
    """A domain stopped behind Nubo's back (virsh destroy) is reported as SHUTOFF."""
    name = osc_json(cloud, "server", "show", "vm1")["OS-EXT-SRV-ATTR:instance_name"]
    virsh("destroy", name)
    shown = wait_status(cloud, "vm1", "SHUTOFF")
    assert shown["OS-EXT-STS:power_state"] in ("Shutdown", 4)
    osc(cloud, "server", "start", "vm1")
    wait_status(cloud, "vm1", "ACTIVE")


def test_snapshot_boots_again(cloud: Cloud) -> None:
    snap = osc_json(cloud, "server", "image", "create", "--name", "vm1-snap", "--wait", "vm1")
    assert osc_json(cloud, "image", "show", snap["id"])["status"] == "active"
    assert wait_status(cloud, "vm1", "ACTIVE")     # the guest runs on after its snapshot
    osc_json(cloud, "server", "create", "--image", "vm1-snap", "--flavor", "m1.nano",
             "--wait", "vm2")
    wait_ready(cloud, "vm2")
    osc(cloud, "server", "delete", "--wait", "vm2")


def test_delete_leaves_nothing_behind(cloud: Cloud) -> None:
    shown = osc_json(cloud, "server", "show", "vm1")
    name, sid = shown["OS-EXT-SRV-ATTR:instance_name"], shown["id"]
    osc(cloud, "server", "delete", "--wait", "vm1")
    assert name not in virsh("list", "--all", "--name").split()
    instances = cloud.data_dir / "instances"
    assert not (instances / sid).exists() and not (instances / f"{sid}_resize").exists()
    assert [p.name for p in instances.iterdir() if p.name != "_base"] == []


def _fault(c: Cloud, name: str) -> str:
    def check() -> dict[str, Any] | None:
        s = osc_json(c, "server", "show", name)
        return s if s["status"] == "ERROR" else None
    return str(wait_for(check, f"{name} to fail").get("fault"))


def test_bad_input_fails_with_a_reason_and_leaks_nothing(cloud: Cloud,
                                                          tmp_path: Path) -> None:
    big = tmp_path / "big.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(big), "3G"], check=True)
    osc(cloud, "image", "create", "--file", str(big), "--disk-format", "qcow2",
        "--container-format", "bare", "big-img")
    osc(cloud, "server", "create", "--image", "big-img", "--flavor", "m1.nano", "too-big")
    assert "Flavor's disk is too small" in _fault(cloud, "too-big")

    osc(cloud, "image", "create", "--file", str(big), "--disk-format", "qcow2",
        "--container-format", "bare", "--property", "hw_disk_bus=floppy", "odd-bus")
    osc(cloud, "server", "create", "--image", "odd-bus", "--flavor", "m1.small", "odd")
    assert "hw_disk_bus" in _fault(cloud, "odd")

    osc(cloud, "image", "set", "--min-ram", "4096", "big-img")
    r = osc(cloud, "server", "create", "--image", "big-img", "--flavor", "m1.nano",
            "low-ram", check=False)
    assert r.returncode != 0 and "memory is too small" in r.stderr

    for name in ("too-big", "odd"):
        osc(cloud, "server", "delete", "--wait", name)
    instances = cloud.data_dir / "instances"
    assert [p.name for p in instances.iterdir() if p.name != "_base"] == []
    assert [d for d in virsh("list", "--all", "--name").split()
            if str(cloud.data_dir) in virsh("dumpxml", d)] == []
