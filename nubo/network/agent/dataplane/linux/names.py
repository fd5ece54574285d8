"""The dataplane's device names: they live on the ground floor (nubo/network/names.py), where
the compute agent reads them too."""

from __future__ import annotations

from nubo.network.names import (
    BRIDGE_PREFIX,
    DHCP_DEV_PREFIX,
    DHCP_NS_PREFIX,
    GATEWAY_DEV_PREFIX,
    ID_LEN,
    ROUTER_DEV_PREFIX,
    ROUTER_NS_PREFIX,
    TAP_PREFIX,
    VXLAN_PREFIX,
    bridge_name,
    dhcp_dev_name,
    dhcp_ns,
    gateway_dev_name,
    router_dev_name,
    router_ns,
    tap_name,
    vlan_name,
    vxlan_name,
)

__all__ = ["BRIDGE_PREFIX", "DHCP_DEV_PREFIX", "DHCP_NS_PREFIX", "GATEWAY_DEV_PREFIX", "ID_LEN",
           "ROUTER_DEV_PREFIX", "ROUTER_NS_PREFIX", "TAP_PREFIX", "VXLAN_PREFIX", "bridge_name",
           "dhcp_dev_name", "dhcp_ns", "gateway_dev_name", "router_dev_name", "router_ns",
           "tap_name", "vlan_name", "vxlan_name"]
