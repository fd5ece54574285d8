"""Volumes attached to real guests: `nubo up --virt libvirt` (TCG here) with the file volume
backend. A volume is attached to a running guest, which sees a new disk (its user_data waits
for /dev/vdb), writes 1 MiB of random bytes to it and prints their checksum on the console;
the volume is detached and attached to a second guest, which reads the same checksum back.

Skipped when not root or when no libvirtd answers and none can be started; run it under
`flock /work/wt/linux.lock`. Every domain whose disks live in this test's data dir is
destroyed and undefined at the end, even on failure.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Cloud, free_port, start_nubo, stop_nubo
from tests.e2e.test_libvirt_boot import WAIT, _cleanup_domains, wait_for
from tests.e2e.test_openstack_cli import osc, osc_json
from tests.e2e.test_openstack_cli_volume import wait_status as wait_volume
from tests.install import need_libvirt

#: guest 1: wait for the volume's disk, fill its first MiB with random bytes, say their sum
WRITER = """#!/bin/sh
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 400 ]; do sleep 0.5; i=$((i+1)); done
[ -b /dev/vdb ] || { echo "novolume"; exit 1; }
echo "volume-seen size=$(cat /sys/block/vdb/size)"
dd if=/dev/urandom of=/dev/vdb bs=1048576 count=1 conv=fsync 2>/dev/null
sync
s=$(dd if=/dev/vdb bs=1048576 count=1 2>/dev/null | sha256sum)
echo "volume-written sum=${s%% *}"
"""
#: guest 2: wait for the disk, say the sum of its first MiB
READER = """#!/bin/sh
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 400 ]; do sleep 0.5; i=$((i+1)); done
[ -b /dev/vdb ] || { echo "novolume"; exit 1; }
s=$(dd if=/dev/vdb bs=1048576 count=1 2>/dev/null | sha256sum)
echo "volume-read sum=${s%% *}"
"""
SUM = re.compile(r"volume-(written|read) sum=([0-9a-f]{64})")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    need_libvirt()
    data = tmp_path_factory.mktemp("libvirt-volumes") / "data"
    c = start_nubo(data, free_port(), "--virt", "libvirt", test_image=True, timeout=120)
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            images = osc_json(c, "image", "list", "--name", "nubo-test")
            if images and images[0]["Status"] == "active":
                break
            time.sleep(2)
        yield c
    finally:
        _cleanup_domains(data)
        stop_nubo(c)


def console_sum(c: Cloud, name: str) -> str:
    def check() -> str | None:
        out = osc(c, "console", "log", "show", name).stdout
        assert "userdata: novolume" not in out, out[-2000:]
        m = SUM.search(out)
        return m.group(2) if m else None
    try:
        return str(wait_for(check, f"{name}'s volume checksum on its console"))
    except AssertionError as exc:       # say what the guest said instead
        out = osc(c, "console", "log", "show", name).stdout
        raise AssertionError(f"{exc}; its console ends with:\n{out[-3000:]}") from None


def test_volume_moves_between_guests(cloud: Cloud, tmp_path: Path) -> None:
    c = cloud
    scripts = {}
    for name, text in (("writer", WRITER), ("reader", READER)):
        scripts[name] = tmp_path / f"{name}.sh"
        scripts[name].write_text(text)
    vol = osc_json(c, "volume", "create", "--size", "1", "moving-data")
    wait_volume(c, ["volume"], "moving-data", "available")

    osc(c, "server", "create", "--image", "nubo-test", "--flavor", "m1.nano", "--nic", "none",
        "--config-drive", "True",   # no NIC: user_data comes from the config drive
        "--user-data", str(scripts["writer"]), "--wait", "vm-a")
    osc(c, "server", "add", "volume", "vm-a", "moving-data")
    shown = wait_volume(c, ["volume"], "moving-data", "in-use")
    assert shown["attachments"][0]["device"] == "/dev/vdb"
    written = console_sum(c, "vm-a")
    log = osc(c, "console", "log", "show", "vm-a").stdout
    assert "volume-seen size=2097152" in log         # 1 GiB in 512-byte sectors

    osc(c, "server", "remove", "volume", "vm-a", "moving-data")
    wait_volume(c, ["volume"], "moving-data", "available")
    osc(c, "server", "create", "--image", "nubo-test", "--flavor", "m1.nano", "--nic", "none",
        "--config-drive", "True",   # no NIC: user_data comes from the config drive
        "--user-data", str(scripts["reader"]), "--wait", "vm-b")
    osc(c, "server", "add", "volume", "vm-b", "moving-data")
    wait_volume(c, ["volume"], "moving-data", "in-use")
    assert console_sum(c, "vm-b") == written

    # the server's delete detaches; the volume outlives it
    osc(c, "server", "delete", "--wait", "vm-b")
    wait_volume(c, ["volume"], "moving-data", "available")
    osc(c, "server", "delete", "--wait", "vm-a")
    osc(c, "volume", "delete", vol["id"])


#: a volume-backed guest says what its root disk is (by its serial: the volume's id)
ROOT_PROBE = """#!/bin/sh
echo "bfv-root serial=$(cat /sys/block/vda/serial 2>/dev/null) size=$(cat /sys/block/vda/size)"
"""
ROOT = re.compile(r"bfv-root serial=(\S*) size=(\d+)")


def test_boot_from_a_volume_made_from_the_test_image(cloud: Cloud, tmp_path: Path) -> None:
    """The test image made into a 1 GiB volume; a server boots from it (vda is the volume,
    its serial the volume's id); its delete leaves the volume available."""
    c = cloud
    probe = tmp_path / "probe.sh"
    probe.write_text(ROOT_PROBE)
    vol = osc_json(c, "volume", "create", "--image", "nubo-test", "--size", "1", "boot-vol")
    shown = wait_volume(c, ["volume"], "boot-vol", "available")
    assert shown["bootable"] in (True, "true")
    osc(c, "server", "create", "--volume", "boot-vol", "--flavor", "m1.nano", "--nic",
        "none", "--config-drive", "True", "--user-data", str(probe), "--wait", "vm-bfv")

    def seen() -> tuple[str, str] | None:
        m = ROOT.search(osc(c, "console", "log", "show", "vm-bfv").stdout)
        return (m.group(1), m.group(2)) if m else None
    serial, size = wait_for(seen, "vm-bfv's root disk on its console")
    assert vol["id"].startswith(serial) and serial        # virtio serials are 20 chars
    assert size == "2097152"                              # 1 GiB in 512-byte sectors
    osc(c, "server", "delete", "--wait", "vm-bfv")
    wait_volume(c, ["volume"], "boot-vol", "available")
    osc(c, "volume", "delete", vol["id"])
