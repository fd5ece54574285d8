"""Floating IP port forwardings (extension floating-ip-port-forwarding): one external port of
a floating IP DNATed to a port of a fixed IPv4 address. Deleting the floating IP or the
internal port takes its forwardings with it (foreign keys)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base
from nubo.network.models import UUID


class PortForwarding(Base):
    __tablename__ = "port_forwarding"
    __table_args__ = (
        UniqueConstraint("floatingip_id", "external_port", "protocol",
                         name="uq_port_forwarding_fip_external_port_protocol"),
        UniqueConstraint("internal_port_id", "internal_ip_address", "internal_port",
                         "protocol", name="uq_port_forwarding_internal_socket_protocol"))
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    floatingip_id: Mapped[str] = mapped_column(
        UUID, ForeignKey("floating_ip.id", ondelete="CASCADE"), index=True)
    internal_port_id: Mapped[str] = mapped_column(
        UUID, ForeignKey("port.id", ondelete="CASCADE"), index=True)
    internal_ip_address: Mapped[str] = mapped_column(String(64))
    internal_port: Mapped[int] = mapped_column(Integer)
    external_port: Mapped[int] = mapped_column(Integer)
    protocol: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(255), default="")
