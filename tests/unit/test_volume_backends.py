"""The volume backends against their contract (nubo/volume/agent/backend/base.py): the file
driver with the real qemu-img, and the fake's fault injection."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from nubo.volume.agent.backend.base import BackendError, BackendFull, VolumeDriver
from nubo.volume.agent.backend.fake import FakeDriver
from nubo.volume.agent.backend.file import GIB, FileDriver
from nubo.volume.agent.backend.iscsi import Export, TgtTargets


def info(path: Path) -> dict[str, object]:
    out = subprocess.run(["qemu-img", "info", "--output=json", str(path)], check=True,
                         capture_output=True, text=True).stdout
    doc: dict[str, object] = json.loads(out)
    return doc


def test_file_driver_lifecycle(tmp_path: Path) -> None:
    d: VolumeDriver = FileDriver(tmp_path / "volumes", capacity_gb=10)
    d.create_volume("v1", 1)
    d.create_volume("v1", 1)                         # may exist
    with pytest.raises(BackendError, match="another size"):
        d.create_volume("v1", 2)                     # never replaced: its bytes stay
    path = tmp_path / "volumes" / "volume-v1.qcow2"
    assert info(path)["format"] == "qcow2" and info(path)["virtual-size"] == GIB
    assert isinstance(d, FileDriver) and d.virtual_size(path) == GIB   # from its header
    d.create_snapshot("s1", "v1")
    d.create_snapshot("s1", "v1")
    d.extend_volume("v1", 3)
    assert info(path)["virtual-size"] == 3 * GIB
    snap = tmp_path / "volumes" / "snapshots" / "snapshot-s1.qcow2"
    assert info(snap)["virtual-size"] == GIB
    d.create_from_snapshot("v2", "s1", 2)
    assert info(tmp_path / "volumes" / "volume-v2.qcow2")["virtual-size"] == 2 * GIB
    d.clone_volume("v3", "v1", 3)
    assert d.capacity().free_gb == 10 - (3 + 1 + 2 + 3)
    with pytest.raises(BackendFull):
        d.create_volume("big", 2)
    assert not list((tmp_path / "volumes").glob("*.part"))
    for vid in ("v1", "v2", "v3"):
        d.delete_volume(vid)
        d.delete_volume(vid)                         # if exists
    d.delete_snapshot("s1")
    assert not list((tmp_path / "volumes").rglob("*.qcow2"))
    with pytest.raises(BackendError):
        d.extend_volume("v1", 4)


def test_file_driver_failure_leaves_nothing(tmp_path: Path) -> None:
    d = FileDriver(tmp_path / "volumes", capacity_gb=10, qemu_img=str(tmp_path / "missing"))
    with pytest.raises(BackendError, match="qemu-img create failed"):
        d.create_volume("v1", 1)
    assert list((tmp_path / "volumes").iterdir()) == []


def test_file_driver_refuses_what_is_not_qcow2(tmp_path: Path) -> None:
    d = FileDriver(tmp_path, capacity_gb=10)
    (tmp_path / "volume-raw.qcow2").write_bytes(b"\0" * 64)
    with pytest.raises(BackendError, match="not a qcow2"):
        d.capacity()


def test_fake_faults() -> None:
    d = FakeDriver(capacity_gb=5)
    d.create_volume("v1", 2)
    d.inject("create")
    with pytest.raises(BackendError, match="injected"):
        d.create_volume("v2", 1)
    d.clear()
    with pytest.raises(BackendFull):
        d.create_volume("v2", 4)
    d.create_snapshot("s1", "v1")
    assert d.capacity().free_gb == 1
    d.delete_snapshot("s1")
    d.delete_volume("v1")
    assert d.capacity().free_gb == 5


class RecordingTargets(TgtTargets):
    """TgtTargets without a tgtd: the exports and removals asked for, recorded."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, "192.0.2.10", 3260)
        self.calls: list[tuple[str, str]] = []

    def export(self, volume_id: str, path: Path) -> Export:
        self.calls.append(("export", path.name))
        return Export(volume_id, self.iqn(volume_id), str(path), "user1", "pass1")

    def remove(self, volume_id: str) -> None:
        self.calls.append(("remove", volume_id))


def test_connection_info_local_or_iscsi(tmp_path: Path) -> None:
    targets = RecordingTargets(tmp_path / "targets")
    d = FileDriver(tmp_path / "volumes", 10, targets=targets, local_host="volhost")
    d.create_volume("v1", 1)
    same = d.initialize_connection("v1", {"host": "volhost", "multipath": False})
    assert same["driver_volume_type"] == "local" and targets.calls == []
    for connector in ({"host": "compute-2"},
                      {"host": "volhost", "initiator": "iqn.1993-08.org.debian:01:x"}):
        got = d.initialize_connection("v1", connector)
        assert got == {"driver_volume_type": "iscsi", "data": {
            "target_discovered": False,
            "target_iqn": "iqn.2010-10.org.openstack:volume-v1",
            "target_portal": "192.0.2.10:3260", "target_lun": 1, "auth_method": "CHAP",
            "auth_username": "user1", "auth_password": "pass1", "volume_id": "v1",
            "access_mode": "rw", "encrypted": False}}
    assert targets.calls == [("export", "volume-v1.raw")] * 2
    # while exported the raw view holds the bytes: the local connection names it
    assert d.raw_path("v1").stat().st_size == GIB
    assert d.initialize_connection("v1", {"host": "volhost"})["data"] == {
        "device_path": str(d.raw_path("v1")), "format": "raw", "volume_id": "v1",
        "access_mode": "rw"}
    d.extend_volume("v1", 2)            # exported: the raw view grows, and stays grown
    assert d.raw_path("v1").stat().st_size == 2 * GIB
    d.terminate_connection("v1", {"host": "volhost"})            # local: nothing exported
    assert d.raw_path("v1").exists() and targets.calls[-1][0] == "export"
    d.terminate_connection("v1", {"host": "compute-2"})
    assert targets.calls[-1] == ("remove", "v1") and not d.raw_path("v1").exists()
    assert d.virtual_size(d.path("v1")) == 2 * GIB
    d.delete_volume("v1")
    assert targets.calls[-1] == ("remove", "v1") and not d.path("v1").exists()
    # no targets configured: every host gets the local file, as before
    plain = FileDriver(tmp_path / "plain", 10, local_host="volhost")
    plain.create_volume("v2", 1)
    assert plain.initialize_connection("v2", {"host": "compute-2"})[
        "driver_volume_type"] == "local"


def test_target_records_survive(tmp_path: Path) -> None:
    t = TgtTargets(tmp_path / "targets", "2001:db8::5", 3261)
    assert t.portal == "[2001:db8::5]:3261"
    assert t.exported() == set() and t.restore() == []
    (tmp_path / "targets").mkdir()
    (tmp_path / "targets" / "v9.json").write_text("not json")
    assert t.restore() == []            # a broken record is not a target
