"""Which libvirt domains and daemons `nubo host cleanup` may touch: only this data dir's."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from nubo.compute.agent.virt.libvirt.cleanup import (
    defined_domains,
    is_ours,
    qemu_processes,
    stop_started_daemons,
)
from nubo.compute.agent.virt.libvirt.host import LibvirtHost


def domain(disk: str) -> str:
    return (f"<domain type='qemu'><devices><disk type='file' device='disk'>"
            f"<source file='{disk}'/></disk></devices></domain>")


def test_a_domain_is_ours_by_name_and_a_disk_under_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    mine = str(data / "instances" / "6c0f" / "disk")
    assert is_ours("instance-0000000a", domain(mine), data)
    # another cloud's (same name, disks elsewhere), or not named like ours
    assert not is_ours("instance-0000000a", domain(str(tmp_path / "other" / "instances" /
                                                       "x" / "disk")), data)
    assert not is_ours("webserver", domain(mine), data)
    assert not is_ours("instance-0000000a-copy", domain(mine), data)
    assert not is_ours("instance-0000000a", "<domain><devices/></domain>", data)


def test_domains_only_defined_are_found_by_their_definition_files(tmp_path: Path) -> None:
    """A node stopped mid-delete: the guest's QEMU is gone but libvirt keeps its definition
    (what made the next cloud's instance-00000001 fail to define): cleanup must see it."""
    data, defs = tmp_path / "data", tmp_path / "qemu"
    defs.mkdir()
    (defs / "instance-00000001.xml").write_text(domain(str(data / "instances" / "a" / "disk")))
    (defs / "instance-00000002.xml").write_text(domain(str(tmp_path / "else" / "disk")))
    (defs / "instance-00000003.xml").write_text("<domain")           # unreadable: skipped
    (defs / "webserver.xml").write_text(domain(str(data / "instances" / "b" / "disk")))
    assert defined_domains(data, defs) == ["instance-00000001"]
    assert defined_domains(tmp_path / "other", defs) == []


def test_only_the_daemons_the_data_dir_noted_are_stopped(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    procs = {name: subprocess.Popen(["sleep", "60"]) for name in ("libvirtd", "virtlogd")}
    try:
        for name, p in procs.items():
            (run / f"nubo-{name}.pid").write_text(str(p.pid))
        data = tmp_path / "data"
        data.mkdir()
        assert stop_started_daemons(data, LibvirtHost(run_dir=run)) == []     # none noted
        # noted: libvirtd by its pid; virtlogd with a pid that is no longer the one running
        (data / "libvirt-daemons.json").write_text(json.dumps(
            {"libvirtd": procs["libvirtd"].pid, "virtlogd": procs["virtlogd"].pid + 100000}))
        assert stop_started_daemons(data, LibvirtHost(run_dir=run)) == ["libvirtd"]
        assert procs["libvirtd"].wait(5) is not None
        assert procs["virtlogd"].poll() is None
    finally:
        for p in procs.values():
            p.kill()
            p.wait()


def test_running_guests_of_the_data_dir_are_found_without_libvirtd(tmp_path: Path) -> None:
    """A guest outlives the libvirtd its node stopped: found by its QEMU command line."""
    data = tmp_path / "data"

    def qemu(name: str, disk: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(["bash", "-c", 'exec -a /usr/bin/qemu-system-x86_64 "$2" -c '
                                 '"import time; time.sleep(60)" -name "$0" -blockdev "$1"',
                                 f"guest={name},debug-threads=on",
                                 f'{{"driver":"file","filename":"{disk}"}}', sys.executable])
    procs = [qemu("instance-0000000a", data / "instances" / "u1" / "disk"),
             qemu("instance-0000000b", tmp_path / "other" / "instances" / "u2" / "disk"),
             qemu("webserver", data / "instances" / "u3" / "disk")]
    try:
        for _ in range(100):    # until exec has replaced bash's command line
            found = qemu_processes(data)
            if found:
                break
            time.sleep(0.05)
        assert found == {procs[0].pid: "instance-0000000a"}
    finally:
        for p in procs:
            p.kill()
            p.wait()
