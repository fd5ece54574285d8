"""A backup store in memory with fault injection: what API tests drive."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Literal

from nubo.volume.agent.backup.base import BackupError, Parent, Stored

Fault = Literal["backup", "restore", "delete"]


class FakeBackupDriver:
    """Keeps each backup's bytes in a dict. `inject("backup")` makes the next backups fail
    until `clear()`."""

    service = "cinder.backup.drivers.fake.FakeBackupDriver"

    def __init__(self) -> None:
        self.backups: dict[str, bytes] = {}
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
            raise BackupError(f"injected fault: {fault} failed")

    def backup(self, backup_id: str, container: str, source: Path,
               parent: Parent | None) -> Stored:
        data = source.read_bytes()
        with self._lock:
            self._fail("backup")
            if parent is not None and parent.backup_id not in self.backups:
                raise BackupError(f"the parent backup {parent.backup_id} is not in the store")
            self.backups[backup_id] = data
        return Stored(1, len(data))

    def restore(self, backup_id: str, container: str, dest: Path) -> None:
        with self._lock:
            self._fail("restore")
            if backup_id not in self.backups:
                raise BackupError(f"backup {backup_id} is not in the store")
            data = self.backups[backup_id]
        dest.write_bytes(data)

    def delete(self, backup_id: str, container: str) -> None:
        with self._lock:
            self._fail("delete")
            self.backups.pop(backup_id, None)

    def exists(self, backup_id: str, container: str) -> bool:
        with self._lock:
            return backup_id in self.backups
