"""Orchestration tables: stacks, their resources and their events.

A stack keeps its template, environment and files whole (JSON documents, read and written
whole as the API does) and the user it acts for (project, user, roles: what Heat keeps as a
trust), so that the engine can carry on after a restart without a token. A resource row is
the engine's durable step: its action and status, the physical id once the service gave one,
the properties it was created with (the update diff) and its private data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base, Timestamp, utcnow


class Stack(Base):
    __tablename__ = "orchestration_stack"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    #: the acting user's context: roles and domains (the engine's credentials, as a trust)
    owner: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    environment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    files: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the parameters given (merged with the environment's), hidden ones included
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the template of the update under way (None when none), kept to resume it
    new_template: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    disable_rollback: Mapped[bool] = mapped_column(Boolean, default=True)
    timeout_mins: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: when the action under way started (its timeout counts from here)
    action_started_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class StackResource(Base):
    __tablename__ = "orchestration_resource"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stack_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255))
    physical_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    #: the resolved properties it was created or last updated with
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the resource type's private data (a random string's value, a key's private part)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: attributes as last read (outputs fall back to them)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    required_by: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: a resource being replaced: it is deleted once the update completes
    replaced: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class StackEvent(Base):
    __tablename__ = "orchestration_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    stack_id: Mapped[str] = mapped_column(String(36), index=True)
    resource_name: Mapped[str] = mapped_column(String(255))
    physical_resource_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    resource_type: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
