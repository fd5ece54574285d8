"""The contract between the Network API and a host dataplane.

The API side turns its rows into these plain frozen specs and calls a `Dataplane`; the dataplane
never sees the API's rows. Every method is idempotent: ensuring what exists changes nothing,
deleting what is gone succeeds. On failure a method leaves nothing half-made that `reconcile`
would not remove. Names on the host derive from resource ids (see nubo/network/names.py),
so a dataplane can tell what it owns after a restart without any state of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from nubo.network.agent.dataplane.codec import from_json, to_json

SegmentationType = Literal["flat", "vlan", "vxlan", "local"]
Direction = Literal["ingress", "egress"]
Ethertype = Literal["IPv4", "IPv6"]

DHCP_OWNER = "network:dhcp"
ROUTER_INTERFACE_OWNERS = ("network:router_interface", "network:router_interface_distributed",
                           "network:ha_router_replicated_interface")
METADATA_IP = "169.254.169.254"


class DataplaneError(Exception):
    """The host could not be brought to the desired state (the message says what failed)."""


@dataclass(frozen=True)
class HostRoute:
    destination: str                # CIDR
    nexthop: str


@dataclass(frozen=True)
class SubnetSpec:
    id: str
    cidr: str
    gateway_ip: str | None = None
    enable_dhcp: bool = True
    dns_nameservers: tuple[str, ...] = ()
    host_routes: tuple[HostRoute, ...] = ()
    ip_version: int = 4


@dataclass(frozen=True)
class NetworkSpec:
    id: str
    segmentation_type: SegmentationType = "vxlan"
    segmentation_id: int | None = None      # VLAN id or VNI
    physical_network: str | None = None     # flat / vlan
    mtu: int = 1450
    subnets: tuple[SubnetSpec, ...] = ()
    external: bool = False                  # router:external (its gateway lives on br-ex)


@dataclass(frozen=True)
class FixedIp:
    subnet_id: str
    ip_address: str


@dataclass(frozen=True)
class AddressPair:
    ip_address: str                 # an address or a CIDR
    mac_address: str | None = None  # None: the port's own MAC


@dataclass(frozen=True)
class DhcpOption:
    """An extra DHCP option of a port (extra_dhcp_opts): a dnsmasq option name or number."""

    name: str
    value: str
    ip_version: int = 4


@dataclass(frozen=True)
class PortSpec:
    id: str
    network_id: str
    mac_address: str
    fixed_ips: tuple[FixedIp, ...] = ()
    device_owner: str = ""
    security_group_ids: tuple[str, ...] = ()
    port_security_enabled: bool = True
    allowed_address_pairs: tuple[AddressPair, ...] = ()
    binding_host: str | None = None
    admin_state_up: bool = True     # False: the device is kept off its bridge and down
    extra_dhcp_opts: tuple[DhcpOption, ...] = ()
    #: the instance (or router, DHCP agent) owning the port and the port's project: what the
    #: host's metadata agent names in X-Instance-ID / X-Tenant-ID for a guest's address
    device_id: str = ""
    project_id: str = ""


@dataclass(frozen=True)
class SecurityGroupRuleSpec:
    id: str
    direction: Direction
    ethertype: Ethertype = "IPv4"
    protocol: str | None = None     # tcp, udp, icmp, ipv6-icmp, a number, or None for any
    port_range_min: int | None = None   # for ICMP: the type
    port_range_max: int | None = None   # for ICMP: the code
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None


@dataclass(frozen=True)
class SecurityGroupSpec:
    id: str
    rules: tuple[SecurityGroupRuleSpec, ...] = ()
    #: addresses of the group's ports bound to other hosts (for rules naming this group as
    #: remote_group_id; the ports given with the groups add their own)
    remote_members: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouterInterfaceSpec:
    port_id: str
    network_id: str
    subnet_cidr: str
    ip_address: str
    mac_address: str | None = None
    #: the address scope of the subnet's pool (extension address-scope), if any
    address_scope: str | None = None


@dataclass(frozen=True)
class RouterGatewaySpec:
    port_id: str
    network_id: str
    subnet_cidr: str                # the external subnet
    ip_address: str                 # the router's address on it
    gateway_ip: str | None          # the external subnet's gateway (default route)
    enable_snat: bool = True
    mac_address: str | None = None
    #: the address scope of the external subnet's pool: internal subnets of the same scope
    #: are routed to the outside without SNAT (Neutron's L3 agent)
    address_scope: str | None = None


@dataclass(frozen=True)
class RouterSpec:
    id: str
    gateway: RouterGatewaySpec | None = None
    interfaces: tuple[RouterInterfaceSpec, ...] = ()
    routes: tuple[HostRoute, ...] = ()


@dataclass(frozen=True)
class FloatingSpec:
    """A floating IP (1:1 DNAT and SNAT), or with `protocol` set one port forwarding of it:
    `protocol` traffic to `external_port` of the floating IP goes to `internal_port` of
    the fixed IP (DNAT only)."""

    floating_ip: str
    fixed_ip: str
    router_id: str
    protocol: str | None = None     # tcp or udp: a port forwarding
    external_port: int | None = None
    internal_port: int | None = None


@dataclass(frozen=True)
class HostSpec:
    """Another host carrying VXLAN networks: its tunnel endpoint, and the VXLAN networks it
    has ports on (this host floods a network's traffic only to the hosts that carry it;
    empty: every VXLAN network)."""

    name: str
    vtep_ip: str
    networks: tuple[str, ...] = ()


@dataclass(frozen=True)
class DesiredState:
    networks: tuple[NetworkSpec, ...] = ()
    ports: tuple[PortSpec, ...] = ()        # the ports bound to this host, DHCP and router ports
    security_groups: tuple[SecurityGroupSpec, ...] = ()
    routers: tuple[RouterSpec, ...] = ()
    floating_ips: tuple[FloatingSpec, ...] = ()
    hosts: tuple[HostSpec, ...] = ()
    #: the network node's: the ports bound to other hosts on the networks it serves, for its
    #: DHCP servers' host entries and its metadata agent's lookups (never plugged here)
    remote_ports: tuple[PortSpec, ...] = ()

    @property
    def served_ports(self) -> tuple[PortSpec, ...]:
        """The ports this host's DHCP servers answer: its own and the remote ones."""
        return self.ports + self.remote_ports

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (what the controller sends the host's network agent)."""
        out: dict[str, Any] = to_json(self)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DesiredState:
        """The state back from `to_dict`'s output; equal to the one that was sent."""
        return from_json(cls, data)


@dataclass
class ReconcileReport:
    """What `reconcile` changed: names of things created/repaired and of leftovers removed."""

    repaired: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Dataplane(Protocol):
    async def set_hosts(self, hosts: Sequence[HostSpec]) -> None:
        """The remote VTEPs VXLAN networks flood to (replaces the previous list)."""
        ...

    async def ensure_network(self, net: NetworkSpec) -> None:
        """The network's bridge and segment device exist and are up (may_exist)."""
        ...

    async def delete_network(self, network_id: str) -> None:
        """Remove the bridge, segment device, DHCP server and namespace (if_exists)."""
        ...

    async def plug_port(self, port: PortSpec) -> str:
        """Attach the port's device to its network's bridge, creating a tap when none exists
        (a VM's tap from libvirt or a test's veth is reused); returns the device name."""
        ...

    async def unplug_port(self, port_id: str) -> None:
        """Detach and remove the port's device (if_exists)."""
        ...

    async def apply_security_groups(self, ports: Sequence[PortSpec],
                                    groups: Sequence[SecurityGroupSpec]) -> None:
        """Replace the whole filtering ruleset with the one for these ports in one transaction."""
        ...

    async def ensure_dhcp(self, net: NetworkSpec, ports: Sequence[PortSpec]) -> None:
        """Serve DHCP on the network from its `network:dhcp` port to `ports` (the addresses the
        API shows); starts the server, or reloads it when only hosts/options changed."""
        ...

    async def ensure_router(self, router: RouterSpec) -> None:
        """The router's namespace, interfaces, routes, SNAT and metadata proxy (may_exist)."""
        ...

    async def delete_router(self, router_id: str) -> None:
        ...

    async def set_floating_ips(self, router_id: str, floats: Sequence[FloatingSpec]) -> None:
        """Replace the router's floating IPs (addresses on qg-, DNAT and SNAT) atomically."""
        ...

    async def reconcile(self, desired: DesiredState) -> ReconcileReport:
        """Bring the host to `desired`: repair drift, remove what it owns that is not desired."""
        ...
