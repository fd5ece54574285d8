"""Host aggregates (Nova's os-aggregates) and the service records behind os-services and
os-hypervisors ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base, Timestamp, utcnow


class Aggregate(Base):
    __tablename__ = "compute_aggregate"
    #: Nova's integer id (what 2.1 shows); the uuid names it in placement
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp)


class AggregateHost(Base):
    __tablename__ = "compute_aggregate_host"
    aggregate_id: Mapped[int] = mapped_column(Integer, ForeignKey(
        "compute_aggregate.id", ondelete="CASCADE"), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)


class AggregateMetadata(Base):
    __tablename__ = "compute_aggregate_metadata"
    aggregate_id: Mapped[int] = mapped_column(Integer, ForeignKey(
        "compute_aggregate.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class ServiceRecord(Base):
    """One Nova service (binary on a host) with its integer id. For nova-compute the
    enabled/forced-down state lives on ComputeHost (the scheduler reads it there); for the
    controller's own services (nova-scheduler, nova-conductor) it lives here."""

    __tablename__ = "compute_service"
    __table_args__ = (UniqueConstraint("host", "binary"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    host: Mapped[str] = mapped_column(String(255))
    binary: Mapped[str] = mapped_column(String(64))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    forced_down: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(Timestamp)
