"""Placement tables: resource providers (a tree each), their inventories, traits and aggregates,
consumers and their allocations, and the custom resource classes and traits.

Standard resource classes and traits live in code (os-resource-classes, os-traits), so rows
refer to classes and traits by name; only CUSTOM_* ones have rows of their own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base, Timestamp, utcnow

NAME = String(255)
UUID = String(36)


class ResourceProvider(Base):
    __tablename__ = "placement_provider"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: bumped by every change of inventory, traits, aggregates or allocations: the
    #: compare-and-swap token that keeps concurrent writers from over-committing
    generation: Mapped[int] = mapped_column(Integer, default=0)
    root_provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("placement_provider.id"), index=True)
    parent_provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("placement_provider.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Inventory(Base):
    __tablename__ = "placement_inventory"
    __table_args__ = (UniqueConstraint("resource_provider_id", "resource_class",
                                       name="uq_placement_inventory_provider_class"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_provider_id: Mapped[int] = mapped_column(
        ForeignKey("placement_provider.id", ondelete="CASCADE"))
    resource_class: Mapped[str] = mapped_column(NAME, index=True)
    total: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    min_unit: Mapped[int] = mapped_column(Integer, default=1)
    max_unit: Mapped[int] = mapped_column(Integer)
    step_size: Mapped[int] = mapped_column(Integer, default=1)
    allocation_ratio: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Consumer(Base):
    __tablename__ = "placement_consumer"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(UUID, unique=True)
    project_id: Mapped[str] = mapped_column(NAME, index=True)
    user_id: Mapped[str] = mapped_column(NAME, index=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    #: None for allocations made before 1.38 ("unknown" in GET /usages)
    consumer_type: Mapped[str | None] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Allocation(Base):
    __tablename__ = "placement_allocation"
    __table_args__ = (Index("ix_placement_allocation_provider_class", "resource_provider_id",
                            "resource_class"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No cascade: a provider with allocations cannot be deleted.
    resource_provider_id: Mapped[int] = mapped_column(ForeignKey("placement_provider.id"))
    consumer_id: Mapped[str] = mapped_column(UUID, index=True)
    resource_class: Mapped[str] = mapped_column(NAME)
    used: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class ProviderTrait(Base):
    __tablename__ = "placement_provider_trait"
    resource_provider_id: Mapped[int] = mapped_column(
        ForeignKey("placement_provider.id", ondelete="CASCADE"), primary_key=True)
    trait: Mapped[str] = mapped_column(NAME, primary_key=True, index=True)


class ProviderAggregate(Base):
    __tablename__ = "placement_provider_aggregate"
    resource_provider_id: Mapped[int] = mapped_column(
        ForeignKey("placement_provider.id", ondelete="CASCADE"), primary_key=True)
    aggregate_uuid: Mapped[str] = mapped_column(UUID, primary_key=True, index=True)


class CustomTrait(Base):
    __tablename__ = "placement_trait"
    name: Mapped[str] = mapped_column(NAME, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class CustomResourceClass(Base):
    __tablename__ = "placement_resource_class"
    name: Mapped[str] = mapped_column(NAME, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
