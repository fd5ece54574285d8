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
