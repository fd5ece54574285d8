"""Block storage tables: volumes, snapshots, volume types (extra specs, access), quotas.

Metadata and extra specs are JSON documents on their row (read and written whole, as the API
does); usage is never stored, it is counted from the volumes and snapshots when checked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base, Timestamp, utcnow


class VolumeType(Base):
    __tablename__ = "volume_type"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    extra_specs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: the QoS specs associated with the type (at most one, as Cinder)
    qos_specs_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class QosSpecs(Base):
    """Cinder's qos_specs: limits (read_iops_sec...) for the front end (the hypervisor),
    the back end or both, reaching volumes through the types associated with them."""

    __tablename__ = "volume_qos_specs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    consumer: Mapped[str] = mapped_column(String(16))
    specs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class VolumeTypeEncryption(Base):
    """A volume type's encryption record (Cinder's encryption table: what the hypervisor
    would use to encrypt the volumes of that type)."""

    __tablename__ = "volume_type_encryption"
    type_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("volume_type.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(36))
    provider: Mapped[str] = mapped_column(String(255))
    cipher: Mapped[str | None] = mapped_column(String(255), nullable=True)
    key_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    control_location: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class VolumeTypeAccess(Base):
    __tablename__ = "volume_type_access"
    type_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("volume_type.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)


class Volume(Base):
    __tablename__ = "volume_volume"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    availability_zone: Mapped[str] = mapped_column(String(255))
    type_id: Mapped[str] = mapped_column(String(36))
    snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    source_volid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    #: Cinder's bootable flag: set when made from an image (or os-set_bootable)
    bootable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: the image's properties a volume made from it keeps (Cinder's volume_glance_metadata,
    #: shown as volume_image_metadata; image_id names the image a create resumes from)
    image_metadata: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    #: Cinder's admin metadata ("readonly": "True"/"False" from os-update_readonly_flag)
    admin_metadata: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    #: the generic volume group it belongs to (3.13)
    group_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    #: why the last operation failed (shown to admins; Cinder keeps it in its messages API)
    fault: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class Snapshot(Base):
    __tablename__ = "volume_snapshot"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    fault: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: what os-update_snapshot_status last said ("80%"); None: from the status
    progress: Mapped[str | None] = mapped_column(String(255), nullable=True)
    #: the group snapshot it was taken for (3.14)
    group_snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class GroupType(Base):
    """Cinder's group_types: what kind of generic volume group (its group specs, such as
    consistent_group_snapshot_enabled)."""

    __tablename__ = "volume_group_type"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    group_specs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class VolumeGroup(Base):
    """A generic volume group: volumes of the listed types snapshotted together."""

    __tablename__ = "volume_group"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    availability_zone: Mapped[str] = mapped_column(String(255))
    group_type_id: Mapped[str] = mapped_column(String(36))
    volume_type_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    group_snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    source_group_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class GroupSnapshot(Base):
    """A snapshot of every volume of a group, taken together."""

    __tablename__ = "volume_group_snapshot"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    group_id: Mapped[str] = mapped_column(String(36), index=True)
    group_type_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class VolumeQuota(Base):
    """A project's override of a default limit (volumes, gigabytes, snapshots...)."""

    __tablename__ = "volume_quota"
    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)



class VolumeAttachment(Base):
    """One attachment of a volume to a server: the single record the volume side and the
    compute side both read (Cinder's volume_attachment; Nova's block device mapping of a
    volume is this row's `mountpoint`, `tag` and `delete_on_termination`).

    `attach_status`: reserved (a slot is held, no connector yet), attaching (the host is
    being asked to plug it), attached, detaching. The reconciler (service/attachments.py)
    settles rows left in attaching/detaching by a crash against the host's real disks.
    """

    __tablename__ = "volume_attachment"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    instance_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    attached_host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    mountpoint: Mapped[str | None] = mapped_column(String(255), nullable=True)
    attach_status: Mapped[str] = mapped_column(String(32))
    attach_mode: Mapped[str] = mapped_column(String(8), default="rw")
    connector: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    connection_info: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    tag: Mapped[str | None] = mapped_column(String(60), nullable=True)
    delete_on_termination: Mapped[bool] = mapped_column(Boolean, default=False)
    attached_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class Backup(Base):
    """A backup of a volume (or of one of its snapshots) in the backup store.

    `parent_id`: the backup an incremental one is based on (it holds only the chunks that
    changed since). `previous_status`: the volume's (or snapshot's) status before it went
    `backing-up`, given back when the backup ends. `restore_volume_id`: the volume a restore
    under way writes to (a restart runs it again from there).
    """

    __tablename__ = "volume_backup"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    parent_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    container: Mapped[str | None] = mapped_column(String(255), nullable=True)
    availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    service: Mapped[str] = mapped_column(String(255))
    object_count: Mapped[int] = mapped_column(Integer, default=0)
    fail_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    #: the volume's metadata when it was backed up (a restore gives it to the volume)
    volume_metadata: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    previous_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    restore_volume_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    data_timestamp: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class VolumeTransfer(Base):
    """An offer of a volume to another project: only the salted hash of its key is kept
    (Cinder's transfers table); the row goes when the transfer is accepted or deleted."""

    __tablename__ = "volume_transfer"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    salt: Mapped[str] = mapped_column(String(255))
    crypt_hash: Mapped[str] = mapped_column(String(255))
    source_project_id: Mapped[str] = mapped_column(String(255), index=True)
    no_snapshots: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class VolumeMessage(Base):
    """A user message: why an asynchronous operation failed (Cinder's messages table)."""

    __tablename__ = "volume_message"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    request_id: Mapped[str] = mapped_column(String(255))
    resource_type: Mapped[str | None] = mapped_column(String(255), nullable=True)
    resource_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    event_id: Mapped[str] = mapped_column(String(255))
    message_level: Mapped[str] = mapped_column(String(255))
    action_id: Mapped[str] = mapped_column(String(10))
    detail_id: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
