"""The contract of a volume backend (Cinder's volume driver, cut to what this step needs).

Methods are blocking (they may run `qemu-img`); the caller runs them off the event loop. In
this first step the controller's volume service calls the driver in-process; the split into a
host-side volume agent on the bus arrives with attachments (the host that exports a volume
to a guest is the one that must hold it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class BackendError(Exception):
    """A driver operation failed; `message` says why, in words an operator can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BackendFull(BackendError):
    """The backend has no room for the requested size."""


@dataclass(frozen=True)
class Capacity:
    total_gb: int
    free_gb: int


class VolumeDriver(Protocol):
    """Holds the bytes of volumes and snapshots, named by their ids.

    Every method is idempotent (`may_exist` for creates, `if_exists` for deletes): a call
    repeated after a crash converges to the same result. On failure a method raises
    `BackendError` (or `BackendFull`) and leaves nothing half-made behind.
    """

    name: str

    def create_volume(self, volume_id: str, size_gb: int) -> None:
        """Make an empty volume of `size_gb` GiB. May exist: a volume already there of the
        same size is success. `BackendFull` when the backend cannot hold it."""

    def create_from_snapshot(self, volume_id: str, snapshot_id: str, size_gb: int) -> None:
        """Make a volume holding a copy of the snapshot's bytes, grown to `size_gb` GiB
        (at least the snapshot's size). The new volume does not depend on the snapshot."""

    def clone_volume(self, volume_id: str, source_id: str, size_gb: int) -> None:
        """Make a volume holding a copy of `source_id`'s bytes, grown to `size_gb` GiB."""

    def extend_volume(self, volume_id: str, new_size_gb: int) -> None:
        """Grow the volume to `new_size_gb` GiB; its bytes stay. Never shrinks."""

    def delete_volume(self, volume_id: str) -> None:
        """Remove the volume. If it does not exist, nothing to do."""

    def create_snapshot(self, snapshot_id: str, volume_id: str) -> None:
        """Record a point-in-time copy of the volume's bytes, independent of later writes to
        the volume and of the volume's deletion."""

    def delete_snapshot(self, snapshot_id: str) -> None:
        """Remove the snapshot. If it does not exist, nothing to do."""

    def initialize_connection(self, volume_id: str,
                              connector: dict[str, object]) -> dict[str, object]:
        """How the host named in `connector` (os-brick's connector properties: host,
        initiator...) reaches the volume: Cinder's connection_info, {"driver_volume_type",
        "data"}. The file backend answers os-brick's `local` shape (the qcow2 file's path),
        usable on this host only; other hosts (iSCSI through tgt, or NBD) come in a later
        step. `BackendError` when the volume is not there."""

    def terminate_connection(self, volume_id: str, connector: dict[str, object]) -> None:
        """Undo `initialize_connection` for that host (if_exists)."""

    def read_raw(self, volume_id: str, snapshot_id: str | None, dest: Path) -> None:
        """Write the volume's bytes (or, given `snapshot_id`, that snapshot's) as a raw file
        at `dest` (sparse where the volume is: zeros need not take room). What a backup
        reads. `BackendError` when the volume or snapshot is not there."""

    def write_raw(self, volume_id: str, source: Path) -> None:
        """Make the volume's bytes those of the raw file `source` (shorter than the volume:
        the rest reads as zeros); the volume keeps its size. What a restore writes; done as
        one replacement, so a failure leaves the volume as it was."""

    def capacity(self) -> Capacity:
        """What the backend can still hold (reported to the scheduler's view and /services)."""
