"""Network tables (Neutron's core L2 + IPAM): networks and their segments, subnets, ports,
IP allocations, tags, quotas and agents.

Every resource carries Neutron's standard attributes (created_at, updated_at,
revision_number); tags of any resource live in one table keyed by resource type. Lists that
keep their order and are always read whole (allocation pools, DNS servers, host routes,
allowed address pairs) are JSON columns: they are never queried by value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from nubo.core.db import Base, Timestamp, utcnow

UUID = String(36)
PROJECT = String(64)


class StandardAttrs:
    """Neutron's standard attributes, shared by every resource table."""

    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(255), default="")


class Network(StandardAttrs, Base):
    __tablename__ = "network"
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    mtu: Mapped[int] = mapped_column(Integer, default=1500)
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    dns_domain: Mapped[str] = mapped_column(String(255), default="")
    availability_zone_hints: Mapped[list[str]] = mapped_column(JSON, default=list)


class NetworkSegment(Base):
    """The network's one segment. The unique constraint makes a VLAN id or VXLAN VNI
    impossible to hand out twice, whatever the concurrency (physical_network "" = none)."""

    __tablename__ = "network_segment"
    __table_args__ = (UniqueConstraint("network_type", "physical_network", "segmentation_id",
                                       name="uq_network_segment_type_physnet_segid"),)
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    network_id: Mapped[str] = mapped_column(
        UUID, ForeignKey("network.id", ondelete="CASCADE"), index=True)
    network_type: Mapped[str] = mapped_column(String(32))
    physical_network: Mapped[str] = mapped_column(String(64), default="")
    segmentation_id: Mapped[int] = mapped_column(Integer, default=0)


class Subnet(StandardAttrs, Base):
    __tablename__ = "subnet"
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    network_id: Mapped[str] = mapped_column(UUID, ForeignKey("network.id"), index=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    ip_version: Mapped[int] = mapped_column(Integer)
    cidr: Mapped[str] = mapped_column(String(64))
    gateway_ip: Mapped[str | None] = mapped_column(String(64))
    enable_dhcp: Mapped[bool] = mapped_column(Boolean, default=True)
    ipv6_ra_mode: Mapped[str | None] = mapped_column(String(16))
    ipv6_address_mode: Mapped[str | None] = mapped_column(String(16))
    #: [{"start": ip, "end": ip}, ...] in the order given
    allocation_pools: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    dns_nameservers: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: [{"destination": cidr, "nexthop": ip}, ...]
    host_routes: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    #: the subnet pool its CIDR came from (models_subnetpools; no foreign key, so that a
    #: pool's delete check, not the database, says why it is refused)
    subnetpool_id: Mapped[str | None] = mapped_column(UUID, index=True)


class Port(StandardAttrs, Base):
    __tablename__ = "port"
    __table_args__ = (UniqueConstraint("network_id", "mac_address",
                                       name="uq_port_network_id_mac_address"),
                      Index("ix_port_device_id", "device_id"))
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    network_id: Mapped[str] = mapped_column(UUID, ForeignKey("network.id"), index=True)
    project_id: Mapped[str] = mapped_column(PROJECT, index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    mac_address: Mapped[str] = mapped_column(String(32))
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")
    device_id: Mapped[str] = mapped_column(String(255), default="")
    device_owner: Mapped[str] = mapped_column(String(255), default="")
    binding_host_id: Mapped[str] = mapped_column(String(255), default="")
    binding_vnic_type: Mapped[str] = mapped_column(String(64), default="normal")
    binding_vif_type: Mapped[str] = mapped_column(String(64), default="unbound")
    binding_profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    binding_vif_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: [{"ip_address": ip-or-cidr, "mac_address": mac}, ...]
    allowed_address_pairs: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    dns_name: Mapped[str] = mapped_column(String(255), default="")
    #: [{"opt_name": str, "opt_value": str, "ip_version": 4|6}, ...] (extra_dhcp_opt)
    extra_dhcp_opts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=list)


class PortSecurityGroup(Base):
    """Which security groups a port is in (the groups are N2's; no foreign key so that the
    two migrations stay independent)."""

    __tablename__ = "port_security_group"
    port_id: Mapped[str] = mapped_column(UUID, ForeignKey("port.id", ondelete="CASCADE"),
                                         primary_key=True)
    security_group_id: Mapped[str] = mapped_column(UUID, primary_key=True, index=True)


class IPAllocation(Base):
    """One fixed IP of a port. Unique per network: two ports can never hold one address,
    whichever of two racing transactions commits second fails and retries."""

    __tablename__ = "ip_allocation"
    __table_args__ = (UniqueConstraint("network_id", "ip_address",
                                       name="uq_ip_allocation_network_id_ip_address"),)
    port_id: Mapped[str] = mapped_column(UUID, ForeignKey("port.id", ondelete="CASCADE"),
                                         primary_key=True)
    ip_address: Mapped[str] = mapped_column(String(64), primary_key=True)
    subnet_id: Mapped[str] = mapped_column(UUID, ForeignKey("subnet.id"), index=True)
    network_id: Mapped[str] = mapped_column(UUID, index=True)


class Tag(Base):
    __tablename__ = "network_tag"
    resource_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    resource_id: Mapped[str] = mapped_column(UUID, primary_key=True)
    tag: Mapped[str] = mapped_column(String(255), primary_key=True)


class Quota(Base):
    __tablename__ = "network_quota"
    project_id: Mapped[str] = mapped_column(PROJECT, primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    limit: Mapped[int] = mapped_column(Integer)


class Agent(Base):
    __tablename__ = "network_agent"
    __table_args__ = (UniqueConstraint("agent_type", "host", name="uq_network_agent_type_host"),)
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    agent_type: Mapped[str] = mapped_column(String(255))
    binary: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(String(255))
    configurations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    heartbeat_timestamp: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
