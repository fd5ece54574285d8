"""External events (os-server-external-events) received and not yet taken by a waiter: any
controller replica may receive an event that another replica's conductor waits for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base, Timestamp, utcnow


class ExternalEvent(Base):
    __tablename__ = "compute_external_event"
    __table_args__ = (Index("ix_compute_external_event_key", "instance_id", "name", "tag"),
                      Index("ix_compute_external_event_created_at", "created_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
