"""An in-memory backend with fault injection: what tests (yours and ours) drive."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Literal

from nubo.volume.agent.backend.base import BackendError, BackendFull, Capacity

Fault = Literal["create", "extend", "snapshot", "delete", "connect", "read", "write"]


class FakeDriver:
    """Sizes only, no bytes. `inject("create")` makes the next creates fail until `clear()`;
    a capacity smaller than a request answers `BackendFull`, as a full backend does."""

    name = "fake"

    def __init__(self, capacity_gb: int = 1000) -> None:
        self.total_gb = capacity_gb
        self.volumes: dict[str, int] = {}
        self.snapshots: dict[str, int] = {}
        #: the bytes a test wrote into a volume (the head of it; the rest reads as zeros),
        #: what read_raw gives and write_raw takes: a backup and restore carry them
        self.data: dict[str, bytes] = {}
        self._faults: set[Fault] = set()
        self._lock = threading.Lock()

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.add(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def _fail(self, fault: Fault) -> None:
        if fault in self._faults:
            raise BackendError(f"injected fault: {fault} failed")

    def _room(self, size_gb: int) -> None:
        free = self.capacity().free_gb
        if size_gb > free:
            raise BackendFull(f"the fake backend has {free} GiB free; {size_gb} GiB requested")

    def initialize_connection(self, volume_id: str,
                              connector: dict[str, object]) -> dict[str, object]:
        """The `local` shape with a path that names the volume (no bytes behind it)."""
        with self._lock:
            self._fail("connect")
            if volume_id not in self.volumes:
                raise BackendError(f"volume {volume_id} is not on the fake backend")
            return {"driver_volume_type": "local",
                    "data": {"device_path": f"/dev/fake/volume-{volume_id}",
                             "format": "raw", "volume_id": volume_id, "access_mode": "rw"}}

    def terminate_connection(self, volume_id: str, connector: dict[str, object]) -> None:
        return None

    def create_volume(self, volume_id: str, size_gb: int) -> None:
        with self._lock:
            self._fail("create")
            if self.volumes.get(volume_id) == size_gb:
                return
            self._room(size_gb)
            self.volumes[volume_id] = size_gb

    def create_from_snapshot(self, volume_id: str, snapshot_id: str, size_gb: int) -> None:
        with self._lock:
            self._fail("create")
            if snapshot_id not in self.snapshots:
                raise BackendError(f"snapshot {snapshot_id} does not exist")
            self._room(size_gb)
            self.volumes[volume_id] = size_gb

    def clone_volume(self, volume_id: str, source_id: str, size_gb: int) -> None:
        with self._lock:
            self._fail("create")
            if source_id not in self.volumes:
                raise BackendError(f"volume {source_id} does not exist")
            self._room(size_gb)
            self.volumes[volume_id] = size_gb

    def extend_volume(self, volume_id: str, new_size_gb: int) -> None:
        with self._lock:
            self._fail("extend")
            old = self.volumes.get(volume_id)
            if old is None:
                raise BackendError(f"volume {volume_id} does not exist")
            self._room(new_size_gb - old)
            self.volumes[volume_id] = max(old, new_size_gb)

    def delete_volume(self, volume_id: str) -> None:
        with self._lock:
            self._fail("delete")
            self.volumes.pop(volume_id, None)
            self.data.pop(volume_id, None)

    def create_snapshot(self, snapshot_id: str, volume_id: str) -> None:
        with self._lock:
            self._fail("snapshot")
            if volume_id not in self.volumes:
                raise BackendError(f"volume {volume_id} does not exist")
            self.snapshots[snapshot_id] = self.volumes[volume_id]
            self.data[snapshot_id] = self.data.get(volume_id, b"")

    def delete_snapshot(self, snapshot_id: str) -> None:
        with self._lock:
            self._fail("delete")
            self.snapshots.pop(snapshot_id, None)

    def read_raw(self, volume_id: str, snapshot_id: str | None, dest: Path) -> None:
        with self._lock:
            self._fail("read")
            known = self.snapshots if snapshot_id else self.volumes
            name = snapshot_id or volume_id
            if name not in known:
                raise BackendError(f"{name} is not on the fake backend")
            data = self.data.get(name, b"")
        dest.write_bytes(data)

    def write_raw(self, volume_id: str, source: Path) -> None:
        data = source.read_bytes()
        with self._lock:
            self._fail("write")
            if volume_id not in self.volumes:
                raise BackendError(f"volume {volume_id} is not on the fake backend")
            self.data[volume_id] = data.rstrip(b"\0")

    def capacity(self) -> Capacity:
        used = sum(self.volumes.values()) + sum(self.snapshots.values())
        return Capacity(self.total_gb, max(self.total_gb - used, 0))
