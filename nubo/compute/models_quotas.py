"""Quota limit tables: per-project (and per-user) overrides and quota classes. Usage is never
stored: it is counted from the resources themselves when checked, as Nova does since Pike."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base


class QuotaLimit(Base):
    __tablename__ = "compute_quota"
    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: "" for the project-wide limit, else a per-user limit inside the project
    user_id: Mapped[str] = mapped_column(String(255), primary_key=True, default="")
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class QuotaClass(Base):
    __tablename__ = "compute_quota_class"
    class_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)
