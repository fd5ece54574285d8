"""A file volume exported to another host over iSCSI by a real tgtd, read and written with
QEMU's user-space initiator (qemu-io with an iscsi:// URL, libiscsi from qemu-block-extra):
the bytes of the volume file come through, CHAP with a wrong password is refused, a tgtd
restart is healed from the recorded exports, terminate removes the target and folds what
the initiator wrote back into the qcow2 file; and a running TCG guest attaches it through
the libvirt driver (network disk, CHAP in a libvirt secret).

tgtd runs on a free port of 127.0.0.1 with a control socket of its own (tgtd -C), so a
system tgtd is not touched; the test stops the daemons it started.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from nubo.compute.agent.virt.base import SpawnFailed
from nubo.volume.agent.backend.file import FileDriver
from nubo.volume.agent.backend.iscsi import TgtTargets
from tests.install import need_tools
from tests.integration.test_libvirt_driver import _spec, driver  # noqa: F401 - a fixture

VOL = "5f0c2a9e-1b7d-4c3e-9a8f-0d1e2f3a4b5c"
REMOTE = {"host": "compute-2", "initiator": "iqn.1993-08.org.debian:01:compute-2",
          "platform": "x86_64", "os_type": "linux", "multipath": False}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _qemu_io(url: str, *cmds: str, fmt: str = "raw", readonly: bool = False
             ) -> subprocess.CompletedProcess[str]:
    args = ["qemu-io", "-f", fmt, *(["-r"] if readonly else [])]
    for c in cmds:
        args += ["-c", c]
    return subprocess.run([*args, url], capture_output=True, text=True, timeout=60,
                          check=False)


def _reads(url: str, cmd: str, fmt: str = "raw") -> bool:
    done = _qemu_io(url, cmd, fmt=fmt, readonly=True)
    return done.returncode == 0 and "failed" not in (done.stdout + done.stderr).lower()


@pytest.fixture
def started() -> Iterator[list[TgtTargets]]:
    """Every TgtTargets the test makes; their tgtd processes stop at the end."""
    made: list[TgtTargets] = []
    yield made
    for t in made:
        t.stop_daemon()


def _targets(root: Path, port: int, made: list[TgtTargets]) -> TgtTargets:
    t = TgtTargets(root / "targets", "127.0.0.1", port, control_port=port % 1000 + 1000)
    made.append(t)
    return t


def test_export_read_write_chap_restart_and_terminate(tmp_path: Path,
                                                      started: list[TgtTargets]) -> None:
    need_tools("tgtd", "tgtadm", "qemu-io", "qemu-img")
    if os.geteuid() != 0:
        pytest.skip("tgtd needs root (its control socket lives under /var/run/tgtd)")
    port = _free_port()
    targets = _targets(tmp_path, port, started)
    vols = FileDriver(tmp_path / "volumes", 10, targets=targets, local_host="volhost")
    vols.create_volume(VOL, 1)
    qcow2 = str(vols.path(VOL))
    assert _qemu_io(qcow2, "write -P 0x5a 0 64k", fmt="qcow2").returncode == 0

    # the volume host itself still gets the file
    local = vols.initialize_connection(VOL, {"host": "volhost"})
    assert local["driver_volume_type"] == "local"

    info = vols.initialize_connection(VOL, REMOTE)
    assert info["driver_volume_type"] == "iscsi"
    data = info["data"]
    assert isinstance(data, dict)
    assert data["target_iqn"] == f"iqn.2010-10.org.openstack:volume-{VOL}"
    assert data["target_portal"] == f"127.0.0.1:{port}" and data["target_lun"] == 1
    assert data["auth_method"] == "CHAP" and data["volume_id"] == VOL
    assert data["access_mode"] == "rw" and data["encrypted"] is False
    user, password = data["auth_username"], data["auth_password"]
    url = f"iscsi://{user}%{password}@127.0.0.1:{port}/{data['target_iqn']}/1"
    assert _reads(url, "read -P 0x5a 0 64k")
    assert not _reads(url, "read -P 0x11 0 64k")      # the check can fail
    wrong = f"iscsi://{user}%not-{password}@127.0.0.1:{port}/{data['target_iqn']}/1"
    refused = _qemu_io(wrong, "read 0 512", readonly=True)
    assert refused.returncode != 0 and "auth" in refused.stderr.lower()

    # again: the same target and credentials (may_exist)
    again = vols.initialize_connection(VOL, REMOTE)
    assert again == info
    assert list(targets.targets()) == [data["target_iqn"]]

    # tgtd restarts and forgets its targets: the records bring them back
    targets.stop_daemon()
    after = _targets(tmp_path, port, started)
    assert after.ensure_daemon() is True and after.targets() == {}
    assert after.restore() == [VOL]
    assert _qemu_io(url, "write -P 0x33 1M 64k").returncode == 0

    # terminate: the target goes, the bytes written over iSCSI are in the qcow2 file
    vols.targets = after
    vols.terminate_connection(VOL, REMOTE)
    assert after.targets() == {} and after.exported() == set()
    assert not vols.raw_path(VOL).exists()
    assert vols.current(VOL) == (vols.path(VOL), "qcow2")
    assert _reads(qcow2, "read -P 0x5a 0 64k", fmt="qcow2")
    assert _reads(qcow2, "read -P 0x33 1M 64k", fmt="qcow2")
    assert _qemu_io(url, "read 0 512", readonly=True).returncode != 0
    vols.terminate_connection(VOL, REMOTE)            # if_exists


async def test_a_running_guest_attaches_over_iscsi(driver: object,  # noqa: F811
                                                   tmp_path: Path,
                                                   started: list[TgtTargets]) -> None:
    """The libvirt driver plugs the iscsi connection_info into a running TCG guest: QEMU's
    libiscsi logs in with the CHAP secret libvirt holds (a refused login fails the
    attach), the disk shows in the live domain; the detach undefines the secret."""
    import libvirt

    from nubo.compute.agent.virt.libvirt.driver import LibvirtDriver
    need_tools("tgtd", "tgtadm", "qemu-img")
    d: LibvirtDriver = driver  # type: ignore[assignment]
    port = _free_port()
    volumes = FileDriver(tmp_path / "volumes", 10, local_host="volhost",
                         targets=_targets(tmp_path, port, started))
    volumes.create_volume(VOL, 1)
    info = {**volumes.initialize_connection(VOL, REMOTE), "serial": VOL}
    s = _spec()
    await d.spawn(s)
    bad = {**info, "data": {**info["data"], "auth_password": "wrong"}}  # type: ignore[dict-item]
    conn = libvirt.open("qemu:///system")
    try:
        with pytest.raises(SpawnFailed):
            await d.attach_volume(s.id, bad, "vdb")
        assert await d.volume_devices(s.id) == {}
        with pytest.raises(libvirt.libvirtError):       # nothing half-made
            conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_ISCSI,
                                     f"nubo-volume-{VOL}")
        await d.attach_volume(s.id, info, "vdb")
        assert await d.volume_devices(s.id) == {"vdb": VOL}
        live = conn.lookupByUUIDString(s.id).XMLDesc(0)
        assert "protocol='iscsi'" in live or 'protocol="iscsi"' in live
        assert conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_ISCSI,
                                        f"nubo-volume-{VOL}") is not None
        await d.power_off(s.id)
        await d.detach_volume(s.id, "vdb")
        assert await d.volume_devices(s.id) == {}
        with pytest.raises(libvirt.libvirtError):
            conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_ISCSI,
                                     f"nubo-volume-{VOL}")
    finally:
        for sec in conn.listAllSecrets(0):
            if sec.usageID() == f"nubo-volume-{VOL}":
                sec.undefine()
        conn.close()
    volumes.terminate_connection(VOL, REMOTE)
