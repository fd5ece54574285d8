"""createImage against a compute host still at RPC 1.1 (rolling upgrade): it has no
`snapshot_to_image` (the bus answers UnknownMethod), so the conductor falls back to 1.1's
`snapshot`, which writes the disk to a path on the controller's disk, and uploads that itself.
A 1.2 host is asked `snapshot_to_image` only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from nubo.compute.conductor.snapshot import Snapshotter
from nubo.core.bus import InProcessBus
from nubo.core.context import RequestContext

DISK = b"QFI\xfb" + b"disk of the guest" * 100


def _write(path: str, data: bytes) -> None:
    Path(path).write_bytes(data)


class OldAgent:
    """A 1.1 compute agent: `snapshot(instance_id, target)` writes the disk to `target`."""

    RPC_METHODS = frozenset({"report", "spawn", "destroy", "snapshot"})

    def __init__(self, has_disk: bool = True) -> None:
        self.has_disk = has_disk
        self.calls: list[tuple[str, str]] = []

    async def snapshot(self, instance_id: str, target: str) -> bool:
        self.calls.append((instance_id, target))
        if self.has_disk:
            _write(target, DISK)
        return self.has_disk


class NewAgent:
    RPC_METHODS = frozenset({"report", "snapshot_to_image"})

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def snapshot_to_image(self, instance_id: str, image_id: str) -> bool:
        self.calls.append((instance_id, image_id))
        return True


class Uploads:
    """The image service's data API: what was uploaded, as which image."""

    def __init__(self) -> None:
        self.done: dict[str, tuple[bytes, int | None, str | None]] = {}

    async def upload(self, ctx: RequestContext, image_id: str, stream: AsyncIterator[bytes],
                     length: int | None) -> None:
        data = b"".join([chunk async for chunk in stream])
        self.done[image_id] = (data, length, ctx.project_id)


def _snapshotter(tmp_path: Path, agent: Any, version: str) -> tuple[Snapshotter, Uploads]:
    bus = InProcessBus()
    bus.register("host-1", agent, version=version)
    uploads = Uploads()
    (tmp_path / "tmp").mkdir()
    images = SimpleNamespace(store=SimpleNamespace(tmp=tmp_path / "tmp"), data=uploads)
    return Snapshotter(SimpleNamespace(bus=bus), images), uploads  # type: ignore[arg-type]


INST = SimpleNamespace(id="inst-1", host="host-1", user_id="u1", project_id="p1")


async def test_a_1_1_host_snapshots_to_a_path_the_controller_uploads(tmp_path: Path) -> None:
    old = OldAgent()
    snap, uploads = _snapshotter(tmp_path, old, "1.1")
    assert await snap._from_host(INST, "img-1") is True  # type: ignore[arg-type]
    [(instance_id, target)] = old.calls
    assert instance_id == "inst-1"
    assert Path(target).parent == tmp_path / "tmp"
    assert uploads.done == {"img-1": (DISK, len(DISK), "p1")}
    assert list((tmp_path / "tmp").iterdir()) == []     # the scratch file does not stay


async def test_a_1_1_host_without_a_disk_of_its_own(tmp_path: Path) -> None:
    snap, uploads = _snapshotter(tmp_path, OldAgent(has_disk=False), "1.1")
    assert await snap._from_host(INST, "img-1") is False  # type: ignore[arg-type]
    assert uploads.done == {}
    assert list((tmp_path / "tmp").iterdir()) == []


async def test_a_1_2_host_uploads_itself(tmp_path: Path) -> None:
    new = NewAgent()
    snap, uploads = _snapshotter(tmp_path, new, "1.2")
    assert await snap._from_host(INST, "img-1") is True  # type: ignore[arg-type]
    assert new.calls == [("inst-1", "img-1")]
    assert uploads.done == {}


async def test_a_1_1_host_whose_snapshot_fails_cleans_up(tmp_path: Path) -> None:
    class Broken(OldAgent):
        async def snapshot(self, instance_id: str, target: str) -> bool:
            _write(target, b"half")
            raise RuntimeError("qemu-img convert failed")

    snap, uploads = _snapshotter(tmp_path, Broken(), "1.1")
    with pytest.raises(Exception, match="qemu-img convert failed"):
        await snap._from_host(INST, "img-1")  # type: ignore[arg-type]
    assert uploads.done == {}
    assert list((tmp_path / "tmp").iterdir()) == []
