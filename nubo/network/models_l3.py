"""L3 tables: routers, the ports attached to them, and floating IPs.

A router's ports are ordinary ports (N1's `port` table) with device_owner
network:router_gateway or network:router_interface and device_id = the router's id;
`RouterPort` records the attachment so that deleting the port row takes the attachment
with it. Static routes are a JSON list (read whole, never queried by value).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base
from nubo.network.models import PROJECT, UUID, StandardAttrs


class Router(StandardAttrs, Base):
    __tablename__ = "router"
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    gw_port_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("port.id", ondelete="SET NULL"))
    enable_snat: Mapped[bool] = mapped_column(Boolean, default=True)
    #: [{"destination": cidr, "nexthop": ip}, ...] in the order given
    routes: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class RouterPort(Base):
    __tablename__ = "router_port"
    router_id: Mapped[str] = mapped_column(
        UUID, ForeignKey("router.id", ondelete="CASCADE"), index=True)
    port_id: Mapped[str] = mapped_column(
        UUID, ForeignKey("port.id", ondelete="CASCADE"), primary_key=True)
    port_type: Mapped[str] = mapped_column(String(255))


class FloatingIP(StandardAttrs, Base):
    """A floating IP. When its internal port is deleted, `fixed_port_id` becomes NULL by the
    foreign key, and the views treat the IP as unassociated (fixed IP and router shown as
    null): no port deletion path has to remember floating IPs. One fixed IP of a port holds
    at most one floating IP per external network (Neutron's unique constraint)."""

    __tablename__ = "floating_ip"
    __table_args__ = (UniqueConstraint(
        "floating_network_id", "fixed_port_id", "fixed_ip_address",
        name="uq_floating_ip_network_port_fixed_ip"),)
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    floating_ip_address: Mapped[str] = mapped_column(String(64))
    floating_network_id: Mapped[str] = mapped_column(UUID, ForeignKey("network.id"),
                                                     index=True)
    floating_port_id: Mapped[str] = mapped_column(
        UUID, ForeignKey("port.id", ondelete="CASCADE"), unique=True)
    fixed_port_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("port.id", ondelete="SET NULL"), index=True)
    fixed_ip_address: Mapped[str | None] = mapped_column(String(64))
    router_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("router.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")
