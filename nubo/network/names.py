"""Host device and namespace names derived from resource ids, as Neutron's linuxbridge and
l3/dhcp agents name them (ground floor: the compute agent names a port's tap with the same
rule as the network dataplane that makes it, without importing the dataplane).

Linux interface names hold 15 characters: a 3-letter prefix plus 11 characters of the id.
Because every name derives from an id, `reconcile` can list what the host has with these
prefixes and remove what is not desired.
"""

from __future__ import annotations

ID_LEN = 11
BRIDGE_PREFIX = "brq"
TAP_PREFIX = "tap"          # the bridge side of every port: VM tap, DHCP and router veths
DHCP_DEV_PREFIX = "ns-"     # the DHCP port inside its qdhcp namespace
ROUTER_DEV_PREFIX = "qr-"
GATEWAY_DEV_PREFIX = "qg-"
VXLAN_PREFIX = "vxlan-"
DHCP_NS_PREFIX = "qdhcp-"
ROUTER_NS_PREFIX = "qrouter-"


def bridge_name(network_id: str) -> str:
    return BRIDGE_PREFIX + network_id[:ID_LEN]


def tap_name(port_id: str) -> str:
    return TAP_PREFIX + port_id[:ID_LEN]


def dhcp_dev_name(port_id: str) -> str:
    return DHCP_DEV_PREFIX + port_id[:ID_LEN]


def router_dev_name(port_id: str) -> str:
    return ROUTER_DEV_PREFIX + port_id[:ID_LEN]


def gateway_dev_name(port_id: str) -> str:
    return GATEWAY_DEV_PREFIX + port_id[:ID_LEN]


def vxlan_name(vni: int) -> str:
    return f"{VXLAN_PREFIX}{vni}"


def vlan_name(parent: str, vlan_id: int) -> str:
    # `eth0.100` as the linuxbridge agent does, shortened so it fits in 15 characters.
    return f"{parent[:15 - 1 - len(str(vlan_id))]}.{vlan_id}"


def dhcp_ns(network_id: str) -> str:
    return DHCP_NS_PREFIX + network_id


def router_ns(router_id: str) -> str:
    return ROUTER_NS_PREFIX + router_id
