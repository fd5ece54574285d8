"""Typed faults of backups, transfers and messages, with Cinder's names and messages.

Kept beside errors.py (which is moving to TemplatedError in a parallel change) so that the
two can be merged into one module without touching each raise site: these are templated
already, raised with their fields by name.
"""

from __future__ import annotations

from nubo.core import errors


class CinderError(errors.TemplatedError):
    pass


class BackupNotFound(CinderError, errors.NotFound):
    template = "Backup {backup_id} could not be found."


class InvalidBackup(CinderError, errors.BadRequest):
    template = "Invalid backup: {reason}"


class BackupLimitExceeded(CinderError, errors.NuboError):
    """Cinder's 413 for a project at its `backups` limit."""

    status, title = 413, "Request Entity Too Large"
    template = "Maximum number of backups allowed ({allowed}) exceeded"


class VolumeBackupSizeExceedsAvailableQuota(CinderError, errors.NuboError):
    status, title = 413, "Request Entity Too Large"
    template = ("Requested backup exceeds allowed Backup gigabytes quota. Requested "
                "{requested}G, quota is {quota}G and {consumed}G has been consumed.")


class BackupServiceNotFound(CinderError, errors.ServiceUnavailable):
    """An import naming a backup service this cloud does not run (Cinder's 503)."""

    code = "ServiceNotFound"
    template = "Service {service_id} could not be found."


class TransferNotFound(CinderError, errors.NotFound):
    template = "Transfer {transfer_id} could not be found."


class InvalidAuthKey(CinderError, errors.BadRequest):
    template = "Invalid auth key: Attempt to transfer {transfer_id} with invalid auth key."


class VolumeSizeExceedsLimit(CinderError, errors.NuboError):
    status, title = 413, "Request Entity Too Large"
    template = "Requested volume size {size} is larger than maximum allowed limit {limit}."


class TransferOverQuota(CinderError, errors.NuboError):
    """An accept that would take the receiving project past a limit (Cinder's 413)."""

    status, title = 413, "Request Entity Too Large"
    template = ("Maximum number of {resource} allowed ({allowed}) exceeded for quota "
                "'{resource}'.")


class TransferGigabytesOverQuota(CinderError, errors.NuboError):
    status, title = 413, "Request Entity Too Large"
    template = ("Requested volume or snapshot exceeds allowed gigabytes quota. Requested "
                "{requested}G, quota is {quota}G and {consumed}G has been consumed.")


class MessageNotFound(CinderError, errors.NotFound):
    template = "Message {message_id} could not be found."
