"""Nova's /os-networks and /os-tenant-networks onto Neutron's networks (deprecated, to
microversion 2.35). Since nova-network is gone Nova shows little: /os-networks gives id and
label (the name) with every other field null (more null fields for an admin);
/os-tenant-networks gives id, label and the string "None" as cidr, as Nova always has.
The networks are those the caller sees in Neutron (own, shared, external)."""

from __future__ import annotations

from typing import Any

from nubo.core.context import RequestContext
from nubo.network import models as nm

_FIELDS = ("id", "cidr", "netmask", "gateway", "broadcast", "dns1", "dns2", "cidr_v6",
           "gateway_v6", "label", "netmask_v6")
_ADMIN_FIELDS = ("created_at", "updated_at", "deleted_at", "deleted", "injected", "bridge",
                 "vlan", "vpn_public_address", "vpn_public_port", "vpn_private_address",
                 "dhcp_start", "project_id", "host", "bridge_interface", "multi_host",
                 "priority", "rxtx_base", "mtu", "dhcp_server", "enable_dhcp",
                 "share_address")


def network_view(ctx: RequestContext, net: nm.Network) -> dict[str, Any]:
    """/os-networks' view (Nova's networks.network_dict)."""
    fields = _FIELDS + (_ADMIN_FIELDS if ctx.is_admin else ())
    view: dict[str, Any] = dict.fromkeys(fields)
    view.update(id=net.id, label=net.name)
    return view


def tenant_network_view(net: nm.Network) -> dict[str, Any]:
    """/os-tenant-networks' view (Nova's tenant_networks.network_dict)."""
    return {"id": net.id, "cidr": str(None), "label": net.name}
