"""The contract of a backup store (Cinder's backup driver, cut to what the API needs).

Methods are blocking (they read and write files); the caller runs them off the event loop.
A backup is named by its id and lives in a `container` (a relative path in the store). The
volume's bytes reach the store as a raw file the volume backend wrote (VolumeDriver.read_raw)
and come back the same way (VolumeDriver.write_raw).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class BackupError(Exception):
    """A store operation failed; `message` says why, in words an operator can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Stored:
    """What a finished backup holds: the objects written for it (an incremental one writes
    only the chunks that changed), and the bytes it covers."""

    object_count: int
    size_bytes: int


@dataclass(frozen=True)
class Parent:
    """The backup an incremental one is based on."""

    backup_id: str
    container: str


class BackupDriver(Protocol):
    """Stores backups as chunks. Idempotent: `backup` of an id already complete in the store
    is success (a partial one is thrown away and written again), `delete` of one not there
    is nothing to do. On failure a method raises `BackupError` and leaves no half backup
    that could later pass for a complete one."""

    #: Cinder's backup_service name (shown in export records; an import must name it)
    service: str

    def backup(self, backup_id: str, container: str, source: Path,
               parent: Parent | None) -> Stored:
        """Store the raw file `source`. With `parent`, store only the chunks whose checksum
        differs from the parent's chunk at the same place; the rest stay the parent's."""

    def restore(self, backup_id: str, container: str, dest: Path) -> None:
        """Write the backup's bytes (assembled through its chain of parents, every chunk's
        checksum verified) as a raw file at `dest`. `BackupError` when a chunk is missing or
        corrupt."""

    def delete(self, backup_id: str, container: str) -> None:
        """Remove what this backup stored (never its parent's chunks)."""

    def exists(self, backup_id: str, container: str) -> bool:
        """Whether a complete backup is in the container (an import's check; the record may
        carry another id than the one the data was written under)."""
