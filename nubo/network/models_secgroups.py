"""Security group tables: groups, their rules, and each project's `default` group.

`DefaultSecurityGroup` has the project as its primary key, so two requests racing to create a
project's default group cannot both succeed: the loser meets the constraint and reads the
winner's group (as Neutron's `default_security_group` table does). Which ports are in which
groups is N1's `port_security_group` table (nubo/network/models.py).
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base
from nubo.network.models import PROJECT, UUID, StandardAttrs


class SecurityGroup(StandardAttrs, Base):
    __tablename__ = "security_group"
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    stateful: Mapped[bool] = mapped_column(Boolean, default=True)


class SecurityGroupRule(StandardAttrs, Base):
    """One rule. `protocol` is kept as given after normalisation (a name such as "tcp" or a
    number as a string, None for any), as Neutron stores it; a rule whose remote group is
    deleted goes with it (CASCADE, as in Neutron)."""

    __tablename__ = "security_group_rule"
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    security_group_id: Mapped[str] = mapped_column(
        UUID, ForeignKey("security_group.id", ondelete="CASCADE"), index=True)
    remote_group_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("security_group.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    ethertype: Mapped[str] = mapped_column(String(8))
    protocol: Mapped[str | None] = mapped_column(String(40))
    port_range_min: Mapped[int | None] = mapped_column(Integer)
    port_range_max: Mapped[int | None] = mapped_column(Integer)
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(64))


class DefaultSecurityGroup(Base):
    __tablename__ = "default_security_group"
    project_id: Mapped[str] = mapped_column(PROJECT, primary_key=True)
    security_group_id: Mapped[str] = mapped_column(
        UUID, ForeignKey("security_group.id", ondelete="CASCADE"), unique=True)
