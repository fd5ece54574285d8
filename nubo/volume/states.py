"""The states of volumes and snapshots, with Cinder's names (what clients wait on)."""

from __future__ import annotations

from enum import StrEnum


class VolumeStatus(StrEnum):
    CREATING = "creating"
    AVAILABLE = "available"
    IN_USE = "in-use"
    RESERVED = "reserved"
    ATTACHING = "attaching"
    DETACHING = "detaching"
    EXTENDING = "extending"
    DELETING = "deleting"
    ERROR = "error"
    ERROR_DELETING = "error_deleting"
    ERROR_EXTENDING = "error_extending"


class SnapshotStatus(StrEnum):
    CREATING = "creating"
    AVAILABLE = "available"
    DELETING = "deleting"
    ERROR = "error"
    ERROR_DELETING = "error_deleting"


#: What os-reset_status accepts (Cinder's valid volume and snapshot statuses).
VOLUME_RESET = frozenset({"available", "in-use", "error", "creating", "deleting",
                          "error_deleting", "error_extending", "extending", "attaching",
                          "detaching", "maintenance", "reserved", "backing-up", "restoring-backup",
                          "error_restoring", "error_managing", "managing", "downloading",
                          "uploading", "retyping", "awaiting-transfer"})
SNAPSHOT_RESET = frozenset({"available", "error", "creating", "deleting", "error_deleting"})

#: Statuses a volume may be deleted from without `force` (Cinder's volume API).
DELETABLE = frozenset({"available", "error", "error_restoring", "error_extending",
                       "error_managing"})


class AttachStatus(StrEnum):
    """An attachment's own status (Cinder's fields.VolumeAttachStatus)."""

    RESERVED = "reserved"
    ATTACHING = "attaching"
    ATTACHED = "attached"
    DETACHING = "detaching"


class BackupStatus(StrEnum):
    """A backup's status (Cinder's fields.BackupStatus)."""

    CREATING = "creating"
    AVAILABLE = "available"
    DELETING = "deleting"
    ERROR = "error"
    ERROR_DELETING = "error_deleting"
    RESTORING = "restoring"


#: What a backup's os-reset_status accepts (Cinder's backup action schema).
BACKUP_RESET = frozenset({"available", "error"})

#: The volume statuses of a backup's and a transfer's life (Cinder's names).
BACKING_UP = "backing-up"
RESTORING_BACKUP = "restoring-backup"
ERROR_RESTORING = "error_restoring"
AWAITING_TRANSFER = "awaiting-transfer"
