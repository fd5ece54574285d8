"""Servers (instances), their metadata, tags and action timeline, and compute hosts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base, Timestamp, utcnow

ID = String(64)


class Instance(Base):
    __tablename__ = "compute_instance"
    __table_args__ = (Index("ix_compute_instance_project_deleted", "project_id", "deleted"),
                      Index("ix_compute_instance_host", "host"),
                      Index("ix_compute_instance_updated_at", "updated_at"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: Nova's integer id, for `instance-0000000a` names
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    project_id: Mapped[str] = mapped_column(ID)
    user_id: Mapped[str] = mapped_column(ID)
    #: the flavor as it was at create time (Nova keeps a copy too)
    flavor: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the flavor's size, as columns so that quota usage is one SUM
    vcpus: Mapped[int] = mapped_column(Integer, default=0)
    memory_mb: Mapped[int] = mapped_column(Integer, default=0)
    image_ref: Mapped[str | None] = mapped_column(String(36))
    key_name: Mapped[str | None] = mapped_column(String(255))
    key_data: Mapped[str | None] = mapped_column(Text)
    user_data: Mapped[str | None] = mapped_column(Text)
    config_drive: Mapped[bool] = mapped_column(Boolean, default=False)
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    host: Mapped[str | None] = mapped_column(String(255))
    vm_state: Mapped[str] = mapped_column(String(32))
    task_state: Mapped[str | None] = mapped_column(String(64))
    power_state: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_reason: Mapped[str | None] = mapped_column(Text)
    access_ipv4: Mapped[str | None] = mapped_column(String(39))
    access_ipv6: Mapped[str | None] = mapped_column(String(39))
    reservation_id: Mapped[str] = mapped_column(String(255))
    launch_index: Mapped[int] = mapped_column(Integer, default=0)
    security_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: what the scheduler needs to place it again: hints, group, attempts and hosts tried
    request_spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fault: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    launched_at: Mapped[datetime | None] = mapped_column(Timestamp)
    terminated_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: when the current task_state began (transitional states time out from here)
    task_started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp)


class InstanceMetadata(Base):
    __tablename__ = "compute_instance_metadata"
    instance_id: Mapped[str] = mapped_column(String(36), ForeignKey(
        "compute_instance.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class InstanceAction(Base):
    __tablename__ = "compute_instance_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36), index=True)
    request_id: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(ID)
    user_id: Mapped[str] = mapped_column(ID)
    start_time: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    finish_time: Mapped[datetime | None] = mapped_column(Timestamp)
    message: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class InstanceActionEvent(Base):
    __tablename__ = "compute_instance_action_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[int] = mapped_column(Integer, ForeignKey(
        "compute_instance_action.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(255))
    host: Mapped[str | None] = mapped_column(String(255))
    start_time: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    finish_time: Mapped[datetime | None] = mapped_column(Timestamp)
    result: Mapped[str | None] = mapped_column(String(255))
    traceback: Mapped[str | None] = mapped_column(Text)


class ComputeHost(Base):
    """A hypervisor host as the agent on it reported itself (also its placement provider)."""

    __tablename__ = "compute_host"
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    provider_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    hypervisor_type: Mapped[str] = mapped_column(String(64))
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    local_gb: Mapped[int] = mapped_column(Integer)
    availability_zone: Mapped[str] = mapped_column(String(255), default="nova")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    forced_down: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
