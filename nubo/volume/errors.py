"""Cinder's faults (cinder.exception and the messages its API handlers give) as typed errors.

Each class has a stable `code` (its cinder.exception name, or the name of the API message it
stands for) and a message `template` filled from keyword arguments, as Cinder's
`message % kwargs`. The service raises them; `core/faults.py` renders every one in Cinder's
fault format (`{"itemNotFound": {"code": 404, "message": ...}}`, the same keys as Nova's).
The HTTP status comes from the core class each one extends.
"""

from __future__ import annotations

from nubo.core import errors


class CinderError(errors.TemplatedError):
    """A Cinder fault: `template` formatted with the keyword arguments given."""


# ------------------------------------------------------------------------------ 400

class InvalidInput(CinderError, errors.BadRequest):
    template = "Invalid input received: {reason}"


class InvalidVolume(CinderError, errors.BadRequest):
    template = "Invalid volume: {reason}"


class InvalidSnapshot(CinderError, errors.BadRequest):
    template = "Invalid snapshot: {reason}"


class InvalidVolumeType(CinderError, errors.BadRequest):
    template = "Invalid volume type: {reason}"


class InvalidVolumeAttachMode(CinderError, errors.BadRequest):
    template = "Invalid attaching mode '{mode}' for volume {volume_id}."


class InvalidImageRef(CinderError, errors.BadRequest):
    """A volume's imageRef that names no image the caller can use (Cinder's API answers a
    400 with this message, not the image service's 404)."""

    template = ("Invalid input received: Invalid image identifier or unable to access "
                "requested image.")


class ImageNotActive(CinderError, errors.BadRequest):
    template = "Invalid input received: Image {image_id} is not active."


class ImageTooBig(CinderError, errors.BadRequest):
    template = ("Invalid input received: Size of specified image {image_gb}GB is larger "
                "than volume size {size}GB.")


class ImageMinDiskTooBig(CinderError, errors.BadRequest):
    template = ("Invalid input received: Volume size {size}GB cannot be smaller than the "
                "image minDisk size {min_disk}GB.")


class MalformedRequestBody(CinderError, errors.BadRequest):
    template = "Malformed request body: {reason}"


class InvalidAction(CinderError, errors.BadRequest):
    """An action body naming no action this resource has."""

    template = "There is no such action: {action}"


class BodyUriMismatch(CinderError, errors.BadRequest):
    template = "Request body and URI mismatch"


# ------------------------------------------------------------------------------ 404

class VolumeNotFound(CinderError, errors.NotFound):
    template = "Volume {volume_id} could not be found."


class SnapshotNotFound(CinderError, errors.NotFound):
    template = "Snapshot {snapshot_id} could not be found."


class GlanceMetadataNotFound(CinderError, errors.NotFound):
    template = "Glance metadata for volume/snapshot {volume_id} cannot be found."


class VolumeTypeNotFound(CinderError, errors.NotFound):
    template = "Volume type {volume_type_id} could not be found."


class VolumeTypeNotFoundByName(CinderError, errors.NotFound):
    template = "Volume type with name {volume_type_name} could not be found."


class VolumeTypeExtraSpecsNotFound(CinderError, errors.NotFound):
    template = "Volume Type {volume_type_id} has no extra specs with key {extra_specs_key}."


class MetadataNotFound(CinderError, errors.NotFound):
    template = "{kind} {owner_id} has no metadata with key {key}."


class VolumeTypeAccessNotFound(CinderError, errors.NotFound):
    template = "Volume type access not found for {volume_type_id} / {project_id} combination."


class VolumeAttachmentNotFound(CinderError, errors.NotFound):
    template = "Volume attachment {attachment_id} could not be found."


class MarkerNotFound(CinderError, errors.NotFound):
    template = "Marker {marker} could not be found."


class VersionNotFoundForAPIMethod(CinderError, errors.NotFound):
    """A route asked below the microversion it appeared in (Cinder's 404)."""

    template = "API version {version} is not supported on this method."


# ------------------------------------------------------------------------------ 409

class VolumeTypeExists(CinderError, errors.Conflict):
    template = "Volume Type {id} already exists."


class VolumeTypeAccessExists(CinderError, errors.Conflict):
    template = ("Volume type access for {volume_type_id} / {project_id} combination already "
                "exists.")


# ------------------------------------------------------------------------------ 413

class OverQuota(CinderError, errors.PayloadTooLarge):
    """A create or extend past a project's limit: Cinder's 413 `overLimit`."""

    template = "Quota exceeded for resources: {overs}."


class VolumeSizeExceedsLimit(OverQuota):
    template = ("Requested volume size {size}G is larger than maximum allowed limit "
                "{limit}G.")


class VolumeSizeExceedsAvailableQuota(OverQuota):
    template = ("Requested volume or snapshot exceeds allowed gigabytes quota. Requested "
                "{requested}G, quota is {quota}G and {consumed}G has been consumed.")


class VolumeLimitExceeded(OverQuota):
    template = "Maximum number of volumes allowed ({allowed}) exceeded for quota 'volumes'."


class SnapshotLimitExceeded(OverQuota):
    template = ("Maximum number of snapshots allowed ({allowed}) exceeded for quota "
                "'snapshots'.")


class TypeLimitExceeded(OverQuota):
    """A volume type's own `volumes_<type>` or `snapshots_<type>` limit reached."""

    template = "Maximum number of {resource} allowed ({allowed}) exceeded for quota '{name}'."


class TypeGigabytesExceedsAvailableQuota(OverQuota):
    """A volume type's own `gigabytes_<type>` limit passed."""

    template = ("Requested volume or snapshot exceeds allowed gigabytes quota '{name}'. "
                "Requested {requested}G, quota is {quota}G and {consumed}G has been consumed.")


# ------------------------------------------------------------ backups, transfers, messages
class BackupNotFound(CinderError, errors.NotFound):
    template = "Backup {backup_id} could not be found."


class InvalidBackup(CinderError, errors.BadRequest):
    template = "Invalid backup: {reason}"


class BackupLimitExceeded(OverQuota):
    """Cinder's 413 for a project at its `backups` limit."""
    template = "Maximum number of backups allowed ({allowed}) exceeded"


class VolumeBackupSizeExceedsAvailableQuota(OverQuota):
    template = ("Requested backup exceeds allowed Backup gigabytes quota. Requested "
                "{requested}G, quota is {quota}G and {consumed}G has been consumed.")


class BackupServiceNotRun(CinderError, errors.BadRequest):
    """An import naming a backup service this cloud does not run. Cinder answers 503
    (ServiceNotFound: its backup host may be down); here there is one backup service and
    another name is bad input, a 400."""

    template = ("Invalid backup record: backup service {service_id} is not run by this "
                "cloud; it runs {ours}.")


class TransferNotFound(CinderError, errors.NotFound):
    template = "Transfer {transfer_id} could not be found."


class InvalidAuthKey(CinderError, errors.BadRequest):
    template = "Invalid auth key: Attempt to transfer {transfer_id} with invalid auth key."


class TransferOverQuota(OverQuota):
    """An accept that would take the receiving project past a limit (Cinder's 413)."""
    template = ("Maximum number of {resource} allowed ({allowed}) exceeded for quota "
                "'{resource}'.")


class TransferGigabytesOverQuota(OverQuota):
    template = ("Requested volume or snapshot exceeds allowed gigabytes quota. Requested "
                "{requested}G, quota is {quota}G and {consumed}G has been consumed.")


class MessageNotFound(CinderError, errors.NotFound):
    template = "Message {message_id} could not be found."


# ------------------------------------------- admin: hosts, services, QoS, encryption, groups
class HostNotFound(CinderError, errors.NotFound):
    template = "Host {host} could not be found."


class HostBinaryNotFound(CinderError, errors.NotFound):
    """An os-services action or a /capabilities/{host} naming no service this cloud runs."""

    template = "Could not find binary {binary} on host {host}."


class ServiceActionNotFound(CinderError, errors.NotFound):
    """PUT /os-services/{action} with an action Cinder does not have."""

    template = "Unknown action {action}."


class QoSSpecsNotFound(CinderError, errors.NotFound):
    template = "No such QoS spec {specs_id}."


class QoSSpecsExists(CinderError, errors.Conflict):
    template = "QoS Specs {specs_id} already exists."


class QoSSpecsInUse(CinderError, errors.BadRequest):
    template = "QoS Specs {specs_id} is still associated with entities."


class QoSSpecsKeyNotFound(CinderError, errors.NotFound):
    template = "QoS spec {specs_id} has no spec with key {specs_key}."


class VolumeTypeEncryptionExists(CinderError, errors.BadRequest):
    template = "Volume type encryption for type {type_id} already exists."


class VolumeTypeEncryptionNotFound(CinderError, errors.NotFound):
    template = "Volume type encryption for type {type_id} does not exist."


class EncryptionSpecNotFound(CinderError, errors.NotFound):
    template = "Volume type {type_id} has no encryption spec {key}."


class EncryptedTypeInUse(CinderError, errors.BadRequest):
    template = "Cannot change encryption specs. Volume type {type_id} in use."


class EncryptedTypeUnsupported(CinderError, errors.BadRequest):
    """A volume of a type with encryption: no key manager here to hold its key."""

    template = ("Invalid volume type: volume type {type_id} has encryption, and this cloud "
                "has no key manager to encrypt volumes with.")


class GroupNotFound(CinderError, errors.NotFound):
    template = "Group {group_id} could not be found."


class GroupSnapshotNotFound(CinderError, errors.NotFound):
    template = "GroupSnapshot {group_snapshot_id} could not be found."


class GroupTypeNotFound(CinderError, errors.NotFound):
    template = "Group type {group_type_id} could not be found."


class GroupTypeSpecNotFound(CinderError, errors.NotFound):
    template = "Group Type {group_type_id} has no specs with key {key}."


class GroupTypeExists(CinderError, errors.Conflict):
    template = "Group Type {id} already exists."


class InvalidGroup(CinderError, errors.BadRequest):
    template = "Invalid Group: {reason}"


class GroupLimitExceeded(OverQuota):
    template = "Maximum number of groups allowed ({allowed}) exceeded for quota 'groups'."
