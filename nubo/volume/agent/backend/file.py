"""Volumes as sparse qcow2 files under DATA_DIR/volumes, made and changed with `qemu-img`."""

from __future__ import annotations

import os
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

from nubo.volume.agent.backend.base import BackendError, BackendFull, Capacity

GIB = 1024 ** 3
QCOW2_MAGIC = b"QFI\xfb"


class FileDriver:
    name = "file"

    def __init__(self, root: Path, capacity_gb: int, qemu_img: str = "qemu-img") -> None:
        self.root = root
        self.snapshots = root / "snapshots"
        self.total_gb = capacity_gb
        self.qemu_img = qemu_img

    def path(self, volume_id: str) -> Path:
        return self.root / f"volume-{volume_id}.qcow2"

    def snapshot_path(self, snapshot_id: str) -> Path:
        return self.snapshots / f"snapshot-{snapshot_id}.qcow2"

    def create_volume(self, volume_id: str, size_gb: int) -> None:
        target = self.path(volume_id)
        if target.exists():
            if self.virtual_size(target) == size_gb * GIB:
                return
            raise BackendError(f"volume file {target.name} exists with another size")
        self._check_room(size_gb)
        self._atomically(target, lambda tmp: self._qemu(
            "create", "-q", "-f", "qcow2", str(tmp), f"{size_gb}G"))

    def create_from_snapshot(self, volume_id: str, snapshot_id: str, size_gb: int) -> None:
        self._copy(self.snapshot_path(snapshot_id), self.path(volume_id), size_gb)

    def clone_volume(self, volume_id: str, source_id: str, size_gb: int) -> None:
        self._copy(self.path(source_id), self.path(volume_id), size_gb)

    def extend_volume(self, volume_id: str, new_size_gb: int) -> None:
        target = self.path(volume_id)
        if not target.exists():
            raise BackendError(f"volume file {target.name} does not exist")
        if self.virtual_size(target) >= new_size_gb * GIB:
            return
        self._check_room(new_size_gb - self.virtual_size(target) // GIB)
        self._run("resize", "-q", "-f", "qcow2", str(target), f"{new_size_gb}G")

    def delete_volume(self, volume_id: str) -> None:
        self.path(volume_id).unlink(missing_ok=True)

    def create_snapshot(self, snapshot_id: str, volume_id: str) -> None:
        source, target = self.path(volume_id), self.snapshot_path(snapshot_id)
        if target.exists():
            return
        if not source.exists():
            raise BackendError(f"volume file {source.name} does not exist")
        self.snapshots.mkdir(parents=True, exist_ok=True)
        self._atomically(target, lambda tmp: self._qemu(
            "convert", "-q", "-f", "qcow2", "-O", "qcow2", str(source), str(tmp)))

    def delete_snapshot(self, snapshot_id: str) -> None:
        self.snapshot_path(snapshot_id).unlink(missing_ok=True)

    def initialize_connection(self, volume_id: str,
                              connector: dict[str, object]) -> dict[str, object]:
        """os-brick's `local` connector: the qcow2 file itself (same host only)."""
        path = self.path(volume_id)
        if not path.exists():
            raise BackendError(f"volume {volume_id} has no file at {path}")
        return {"driver_volume_type": "local",
                "data": {"device_path": str(path), "format": "qcow2",
                         "volume_id": volume_id, "access_mode": "rw"}}

    def terminate_connection(self, volume_id: str, connector: dict[str, object]) -> None:
        return None         # a local file: nothing was exported

    def read_raw(self, volume_id: str, snapshot_id: str | None, dest: Path) -> None:
        source = self.snapshot_path(snapshot_id) if snapshot_id else self.path(volume_id)
        if not source.exists():
            raise BackendError(f"{source.name} does not exist")
        dest.unlink(missing_ok=True)
        self._run("convert", "-q", "-f", "qcow2", "-O", "raw", str(source), str(dest))

    def write_raw(self, volume_id: str, source: Path) -> None:
        target = self.path(volume_id)
        if not target.exists():
            raise BackendError(f"volume file {target.name} does not exist")
        size = self.virtual_size(target)

        def make(tmp: Path) -> None:
            self._run("convert", "-q", "-f", "raw", "-O", "qcow2", str(source), str(tmp))
            if self.virtual_size(tmp) != size:
                self._run("resize", "-q", "-f", "qcow2", str(tmp), str(size))
        self._atomically(target, make)

    def capacity(self) -> Capacity:
        used = sum(self.virtual_size(p) for p in self._files()) // GIB
        return Capacity(self.total_gb, max(self.total_gb - used, 0))

    def virtual_size(self, path: Path) -> int:
        """From the qcow2 header (magic, then the size at byte 24, big-endian): capacity()
        reads every file's, and a qemu-img process per file made creates quadratic."""
        with open(path, "rb") as f:
            header = f.read(32)
        if len(header) < 32 or header[:4] != QCOW2_MAGIC:
            raise BackendError(f"{path.name} is not a qcow2 file")
        size: int = struct.unpack(">Q", header[24:32])[0]
        return size

    # -- helpers

    def _files(self) -> list[Path]:
        if not self.root.exists():
            return []
        return [*self.root.glob("volume-*.qcow2"), *self.snapshots.glob("snapshot-*.qcow2")]

    def _check_room(self, size_gb: int) -> None:
        free = self.capacity().free_gb
        if size_gb > free:
            raise BackendFull(f"the file backend has {free} GiB free; {size_gb} GiB requested")

    def _copy(self, source: Path, target: Path, size_gb: int) -> None:
        if target.exists():
            return
        if not source.exists():
            raise BackendError(f"source file {source.name} does not exist")
        self._check_room(size_gb)

        def make(tmp: Path) -> None:
            self._run("convert", "-q", "-f", "qcow2", "-O", "qcow2", str(source), str(tmp))
            if self.virtual_size(tmp) < size_gb * GIB:
                self._run("resize", "-q", "-f", "qcow2", str(tmp), f"{size_gb}G")
        self._atomically(target, make)

    def _atomically(self, target: Path, make: Callable[[Path], None]) -> None:
        """Build the file under a temporary name, then rename: a crash leaves no half file
        under the real name (and the temporary one is removed on failure)."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        try:
            make(tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def _qemu(self, *args: str) -> None:
        self._run(*args)

    def _run(self, *args: str) -> str:
        try:
            done = subprocess.run([self.qemu_img, *args], capture_output=True, text=True,
                                  timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BackendError(f"qemu-img {args[0]} failed: {exc}") from None
        if done.returncode != 0:
            raise BackendError(f"qemu-img {args[0]} failed: {done.stderr.strip()}")
        return done.stdout
