"""Volumes as sparse qcow2 files under DATA_DIR/volumes, made and changed with `qemu-img`."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

from nubo.volume.agent.backend.base import BackendError, BackendFull, Capacity
from nubo.volume.agent.backend.iscsi import LUN, TgtTargets

GIB = 1024 ** 3
QCOW2_MAGIC = b"QFI\xfb"


class FileDriver:
    name = "file"

    def __init__(self, root: Path, capacity_gb: int, qemu_img: str = "qemu-img",
                 targets: TgtTargets | None = None, local_host: str | None = None) -> None:
        """`targets`: the iSCSI targets other hosts attach through (None: same host only);
        `local_host`: this host's name in connectors (a connector naming another host, or
        carrying an `initiator`, is answered with iSCSI)."""
        self.root = root
        self.snapshots = root / "snapshots"
        self.total_gb = capacity_gb
        self.qemu_img = qemu_img
        self.targets = targets
        self.local_host = local_host or socket.gethostname()

    def path(self, volume_id: str) -> Path:
        return self.root / f"volume-{volume_id}.qcow2"

    def raw_path(self, volume_id: str) -> Path:
        """The raw view of a volume exported over iSCSI (tgt serves raw files only); while
        it exists it holds the volume's bytes, and the qcow2 file is stale."""
        return self.root / f"volume-{volume_id}.raw"

    def current(self, volume_id: str) -> tuple[Path, str]:
        """(file, format) holding the volume's bytes now."""
        raw = self.raw_path(volume_id)
        return (raw, "raw") if raw.exists() else (self.path(volume_id), "qcow2")

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

    def create_from_image(self, volume_id: str, image_path: Path, image_format: str,
                          size_gb: int) -> None:
        target = self.path(volume_id)
        if target.exists():
            return
        self._check_room(size_gb)

        def make(tmp: Path) -> None:
            self._run("convert", "-q", "-f", image_format, "-O", "qcow2", str(image_path),
                      str(tmp))
            if self.virtual_size(tmp) > size_gb * GIB:
                raise BackendError(f"the image's disk is bigger than the {size_gb} GiB "
                                   "volume")
            if self.virtual_size(tmp) < size_gb * GIB:
                self._run("resize", "-q", "-f", "qcow2", str(tmp), f"{size_gb}G")
        self._atomically(target, make)

    def copy_to_image(self, volume_id: str, dest: Path, disk_format: str) -> None:
        source, fmt = self.current(volume_id)
        if not source.exists():
            raise BackendError(f"volume file {source.name} does not exist")
        if disk_format not in ("raw", "qcow2"):
            raise BackendError(f"disk format {disk_format} cannot be written")
        # -U: a volume attached to a running guest is read without its lock (Cinder's
        # force upload of an in-use volume reads it as it is)
        self._run("convert", "-q", "-U", "-f", fmt, "-O", disk_format, str(source),
                  str(dest))

    def extend_volume(self, volume_id: str, new_size_gb: int) -> None:
        target = self.path(volume_id)
        if not target.exists():
            raise BackendError(f"volume file {target.name} does not exist")
        raw = self.raw_path(volume_id)
        if raw.exists():        # exported: the raw view holds the bytes (and the size)
            if raw.stat().st_size < new_size_gb * GIB:
                self._check_room(new_size_gb - raw.stat().st_size // GIB)
                os.truncate(raw, new_size_gb * GIB)
            return
        if self.virtual_size(target) >= new_size_gb * GIB:
            return
        self._check_room(new_size_gb - self.virtual_size(target) // GIB)
        self._run("resize", "-q", "-f", "qcow2", str(target), f"{new_size_gb}G")

    def delete_volume(self, volume_id: str) -> None:
        if self.targets is not None:
            self.targets.remove(volume_id)
        self.raw_path(volume_id).unlink(missing_ok=True)
        self.path(volume_id).unlink(missing_ok=True)

    def create_snapshot(self, snapshot_id: str, volume_id: str) -> None:
        (source, fmt), target = self.current(volume_id), self.snapshot_path(snapshot_id)
        if target.exists():
            return
        if not source.exists():
            raise BackendError(f"volume file {source.name} does not exist")
        self.snapshots.mkdir(parents=True, exist_ok=True)
        self._atomically(target, lambda tmp: self._qemu(
            "convert", "-q", "-U", "-f", fmt, "-O", "qcow2", str(source), str(tmp)))

    def delete_snapshot(self, snapshot_id: str) -> None:
        self.snapshot_path(snapshot_id).unlink(missing_ok=True)

    def initialize_connection(self, volume_id: str,
                              connector: dict[str, object]) -> dict[str, object]:
        """os-brick's `local` connector (the volume's file, same host), or for another host
        Cinder's LVM/tgt answer: `iscsi` with the target, LUN 1 and CHAP credentials.

        tgt serves raw files only (no qcow2 backing store), so the first remote export
        converts the qcow2 file into a sparse raw one (`raw_path`), which holds the bytes
        until the last remote connection ends and it is converted back."""
        path, fmt = self.current(volume_id)
        if not path.exists():
            raise BackendError(f"volume {volume_id} has no file at {path}")
        if not self.is_remote(connector) or self.targets is None:
            return {"driver_volume_type": "local",
                    "data": {"device_path": str(path), "format": fmt,
                             "volume_id": volume_id, "access_mode": "rw"}}
        raw = self.raw_path(volume_id)
        if fmt != "raw":
            self._atomically(raw, lambda tmp: self._qemu(
                "convert", "-q", "-f", "qcow2", "-O", "raw", str(path), str(tmp)))
        rec = self.targets.export(volume_id, raw)
        return {"driver_volume_type": "iscsi",
                "data": {"target_discovered": False, "target_iqn": rec.iqn,
                         "target_portal": self.targets.portal, "target_lun": LUN,
                         "auth_method": "CHAP", "auth_username": rec.username,
                         "auth_password": rec.password, "volume_id": volume_id,
                         "access_mode": "rw", "encrypted": False}}

    def terminate_connection(self, volume_id: str, connector: dict[str, object]) -> None:
        """Remove the volume's target (if_exists) and fold the raw view back into the qcow2
        file; a local connection exported nothing."""
        if not self.is_remote(connector) or self.targets is None:
            return None
        self.targets.remove(volume_id)
        raw = self.raw_path(volume_id)
        if raw.exists():
            self._atomically(self.path(volume_id), lambda tmp: self._qemu(
                "convert", "-q", "-f", "raw", "-O", "qcow2", str(raw), str(tmp)))
            raw.unlink()
        return None

    def is_remote(self, connector: dict[str, object]) -> bool:
        host = connector.get("host")
        return bool(connector.get("initiator")) or (host is not None
                                                    and host != self.local_host)

    def read_raw(self, volume_id: str, snapshot_id: str | None, dest: Path) -> None:
        source, fmt = ((self.snapshot_path(snapshot_id), "qcow2") if snapshot_id
                       else self.current(volume_id))
        if not source.exists():
            raise BackendError(f"{source.name} does not exist")
        dest.unlink(missing_ok=True)
        self._run("convert", "-q", "-U", "-f", fmt, "-O", "raw", str(source), str(dest))

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
