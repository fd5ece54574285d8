"""What the server actions keep: migration records (os-migrations), server tags and the
remote console tokens (only their hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base, Timestamp, utcnow


class Migration(Base):
    """One move of an instance: resize, (cold) migration, live-migration or evacuation."""

    __tablename__ = "compute_migration"
    __table_args__ = (Index("ix_compute_migration_instance", "instance_uuid"),
                      Index("ix_compute_migration_status", "status"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: also the placement consumer holding the source allocation while the move runs
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    instance_uuid: Mapped[str] = mapped_column(String(36))
    migration_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    source_compute: Mapped[str | None] = mapped_column(String(255))
    dest_compute: Mapped[str | None] = mapped_column(String(255))
    old_flavor_id: Mapped[str | None] = mapped_column(String(255))
    new_flavor_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class InstanceTag(Base):
    __tablename__ = "compute_instance_tag"
    __table_args__ = (Index("ix_compute_instance_tag_tag", "tag"),)
    instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tag: Mapped[str] = mapped_column(String(80), primary_key=True)


class ConsoleAuthToken(Base):
    __tablename__ = "compute_console_auth_token"
    __table_args__ = (Index("ix_compute_console_auth_token_instance", "instance_uuid"),
                      Index("ix_compute_console_auth_token_expires", "expires_at"))
    #: sha256 of the token; the token itself is only in the URL handed to the user
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    instance_uuid: Mapped[str] = mapped_column(String(36))
    console_type: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    internal_access_path: Mapped[str | None] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
