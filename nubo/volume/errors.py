"""Typed errors of the block storage service, with Cinder's messages and stable codes.

`core/http.py` renders them in Cinder's fault format (`{"itemNotFound": {"code": 404,
"message": ...}}`, the same keys as Nova's).
"""

from __future__ import annotations

from nubo.core.errors import BadRequest, Conflict, NotFound, NuboError, TemplatedError


class VolumeNotFound(NotFound):
    code = "VolumeNotFound"

    def __init__(self, volume_id: str) -> None:
        super().__init__(f"Volume {volume_id} could not be found.")


class SnapshotNotFound(NotFound):
    code = "SnapshotNotFound"

    def __init__(self, snapshot_id: str) -> None:
        super().__init__(f"Snapshot {snapshot_id} could not be found.")


class VolumeTypeNotFound(NotFound):
    code = "VolumeTypeNotFound"

    def __init__(self, type_id: str) -> None:
        super().__init__(f"Volume type {type_id} could not be found.")


class VolumeTypeNotFoundByName(NotFound):
    code = "VolumeTypeNotFoundByName"

    def __init__(self, name: str) -> None:
        super().__init__(f"Volume type with name {name} could not be found.")


class ExtraSpecNotFound(NotFound):
    code = "VolumeTypeExtraSpecsNotFound"

    def __init__(self, type_id: str, key: str) -> None:
        super().__init__(f"Volume Type {type_id} has no extra specs with key {key}.")


class MetadataNotFound(NotFound):
    code = "MetadataNotFound"

    def __init__(self, kind: str, owner_id: str, key: str) -> None:
        super().__init__(f"{kind} {owner_id} has no metadata with key {key}.")


class InvalidInput(BadRequest):
    code = "InvalidInput"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid input received: {reason}")


class InvalidVolume(BadRequest):
    code = "InvalidVolume"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid volume: {reason}")


class InvalidSnapshot(BadRequest):
    code = "InvalidSnapshot"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid snapshot: {reason}")


class InvalidVolumeType(BadRequest):
    code = "InvalidVolumeType"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid volume type: {reason}")


class VolumeTypeExists(Conflict):
    code = "VolumeTypeExists"

    def __init__(self, name: str) -> None:
        super().__init__(f"Volume Type {name} already exists.")


class VolumeTypeAccessExists(Conflict):
    code = "VolumeTypeAccessExists"

    def __init__(self, type_id: str, project_id: str) -> None:
        super().__init__(f"Volume type access for {type_id} / {project_id} combination "
                         "already exists.")


class VolumeTypeAccessNotFound(NotFound):
    code = "VolumeTypeAccessNotFound"

    def __init__(self, type_id: str, project_id: str) -> None:
        super().__init__(f"Volume type access not found for {type_id} / {project_id} "
                         "combination.")


class OverQuota(NuboError):
    """A create or extend past a project's limit: Cinder's 413 `overLimit`."""

    status, title, code = 413, "Request Entity Too Large", "OverQuota"


class VolumeAttachmentNotFound(NotFound):
    code = "VolumeAttachmentNotFound"

    def __init__(self, attachment_id: str) -> None:
        super().__init__(f"Volume attachment {attachment_id} could not be found.")


class InvalidVolumeAttachMode(BadRequest):
    code = "InvalidVolumeAttachMode"

    def __init__(self, mode: str) -> None:
        super().__init__(f"Invalid attaching mode '{mode}' for volume.")


class InvalidAttachment(BadRequest):
    """Cinder's InvalidVolume raised by the attachment API (the attachment's state is
    wrong for the step asked: completing what has no connector, for example)."""

    code = "InvalidVolume"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid volume: {reason}")


class VersionNotFoundForAPIMethod(NotFound):
    """A route asked below the microversion it appeared in (Cinder's 404)."""

    code = "VersionNotFoundForAPIMethod"

    def __init__(self, version: str) -> None:
        super().__init__(f"API version {version} is not supported on this method.")


class HostNotFound(TemplatedError, NotFound):
    template = "Host {host} could not be found."


class ServiceNotFound(TemplatedError, NotFound):
    template = "Service {service_id} could not be found."


class ServiceActionNotFound(TemplatedError, NotFound):
    """PUT /os-services/{action} with an action Cinder does not have."""

    template = "Unknown action {action}."


class QoSSpecsNotFound(TemplatedError, NotFound):
    template = "No such QoS spec {specs_id}."


class QoSSpecsExists(TemplatedError, Conflict):
    template = "QoS Specs {specs_id} already exists."


class QoSSpecsInUse(TemplatedError, BadRequest):
    template = "QoS Specs {specs_id} is still associated with entities."


class QoSSpecsKeyNotFound(TemplatedError, NotFound):
    template = "QoS spec {specs_id} has no spec with key {specs_key}."


class VolumeTypeEncryptionExists(TemplatedError, BadRequest):
    template = "Volume type encryption for type {type_id} already exists."


class VolumeTypeEncryptionNotFound(TemplatedError, NotFound):
    template = "Volume type encryption for type {type_id} does not exist."


class EncryptionSpecNotFound(TemplatedError, NotFound):
    template = "Volume type {type_id} has no encryption spec {key}."


class EncryptedTypeInUse(TemplatedError, BadRequest):
    template = "Cannot change encryption specs. Volume type {type_id} in use."


class EncryptedTypeUnsupported(TemplatedError, BadRequest):
    """A volume of a type with encryption: no key manager here to hold its key."""

    template = ("Invalid volume type: volume type {type_id} has encryption, and this cloud "
                "has no key manager to encrypt volumes with.")


class GroupNotFound(TemplatedError, NotFound):
    template = "Group {group_id} could not be found."


class GroupSnapshotNotFound(TemplatedError, NotFound):
    template = "GroupSnapshot {group_snapshot_id} could not be found."


class GroupTypeNotFound(TemplatedError, NotFound):
    template = "Group type {group_type_id} could not be found."


class GroupTypeSpecNotFound(TemplatedError, NotFound):
    template = "Group Type {group_type_id} has no specs with key {key}."


class GroupTypeExists(TemplatedError, Conflict):
    template = "Group Type {id} already exists."


class InvalidGroup(TemplatedError, BadRequest):
    template = "Invalid Group: {reason}"


class GroupLimitExceeded(TemplatedError, OverQuota):
    template = "Maximum number of groups allowed ({allowed}) exceeded for quota 'groups'."
