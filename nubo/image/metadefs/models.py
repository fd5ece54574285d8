"""Metadef tables, as Glance keeps them: namespaces own objects, properties and tags; resource
types (OS::Glance::Image, OS::Nova::Flavor, ...) are shared and associated with namespaces.

Ids are internal (the API names everything by name), so they are plain integers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base, Timestamp, utcnow

NAME = String(80)


def _namespace_id(**kw: Any) -> Mapped[int]:
    """The owning namespace; its rows go with it."""
    return mapped_column(Integer, ForeignKey("metadef_namespace.id", ondelete="CASCADE"), **kw)


class MetadefNamespace(Base):
    __tablename__ = "metadef_namespace"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace: Mapped[str] = mapped_column(NAME, unique=True)
    display_name: Mapped[str | None] = mapped_column(NAME)
    description: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(32), default="private")
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class MetadefObject(Base):
    __tablename__ = "metadef_object"
    __table_args__ = (UniqueConstraint("namespace_id", "name",
                                       name="uq_metadef_object_namespace_id_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace_id: Mapped[int] = _namespace_id()
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str | None] = mapped_column(Text)
    #: names of the object's properties that must be set (a JSON list), or null
    required: Mapped[Any] = mapped_column(JSON, nullable=True)
    #: the object's property definitions: {name: property schema}
    properties: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class MetadefProperty(Base):
    __tablename__ = "metadef_property"
    __table_args__ = (UniqueConstraint("namespace_id", "name",
                                       name="uq_metadef_property_namespace_id_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace_id: Mapped[int] = _namespace_id()
    name: Mapped[str] = mapped_column(NAME)
    #: the property definition (title, type, enum, ...) without its name
    definition: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class MetadefTag(Base):
    __tablename__ = "metadef_tag"
    __table_args__ = (UniqueConstraint("namespace_id", "name",
                                       name="uq_metadef_tag_namespace_id_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    namespace_id: Mapped[int] = _namespace_id()
    name: Mapped[str] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class MetadefResourceType(Base):
    __tablename__ = "metadef_resource_type"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(NAME, unique=True)
    #: seeded by the system (not created implicitly by an association)
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class MetadefNamespaceResourceType(Base):
    """A namespace applies to a resource type, with an optional prefix for its property names
    (`hw_` on images, `hw:` on flavors) and a target (Cinder's `image` metadata)."""

    __tablename__ = "metadef_namespace_resource_type"
    namespace_id: Mapped[int] = _namespace_id(primary_key=True)
    resource_type_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("metadef_resource_type.id"), primary_key=True, index=True)
    prefix: Mapped[str | None] = mapped_column(NAME)
    properties_target: Mapped[str | None] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
