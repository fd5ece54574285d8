"""The JSON shape of networks, subnets and ports, as Neutron renders them (attribute names from
neutron-lib's API definitions) with the extensions Nubo advertises: attributes of those it does
not have (qos, auto-allocated-topology's is_default on networks, segment,
subnet-service-types, subnet-dns-publish-fixed-ip, uplink-status-propagation) are absent, as
from a Neutron without them. Admin-only attributes are left out for other callers."""

from __future__ import annotations

from typing import Any

from nubo.network import models as m
from nubo.network.api.attrs import standard
from nubo.network.models_address_scopes import AddressScope
from nubo.network.models_subnetpools import SubnetPool
from nubo.network.service.networks import ZONE as ZONE


def network(n: m.Network, seg: m.NetworkSegment | None, subnets: list[str], tags: list[str],
            admin: bool, scopes: dict[int, str | None] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": n.id, "name": n.name, "project_id": n.project_id, "tenant_id": n.project_id,
        "status": n.status, "admin_state_up": n.admin_state_up, "shared": n.shared,
        "router:external": n.external, "mtu": n.mtu,
        "port_security_enabled": n.port_security_enabled, "subnets": sorted(subnets),
        "availability_zone_hints": list(n.availability_zone_hints or []),
        "availability_zones": [ZONE], "dns_domain": n.dns_domain, "l2_adjacency": True,
        "ipv4_address_scope": (scopes or {}).get(4),
        "ipv6_address_scope": (scopes or {}).get(6),
        **standard(n, tags)}
    if admin:
        out["provider:network_type"] = seg.network_type if seg else "local"
        out["provider:physical_network"] = (seg.physical_network or None) if seg else None
        out["provider:segmentation_id"] = (seg.segmentation_id or None) if seg and \
            seg.network_type in ("vlan", "vxlan", "gre", "geneve") else None
    return out


def subnet(s: m.Subnet, tags: list[str]) -> dict[str, Any]:
    return {
        "id": s.id, "name": s.name, "network_id": s.network_id, "project_id": s.project_id,
        "tenant_id": s.project_id, "ip_version": s.ip_version, "cidr": s.cidr,
        "gateway_ip": s.gateway_ip, "enable_dhcp": s.enable_dhcp,
        "allocation_pools": [dict(p) for p in s.allocation_pools],
        "dns_nameservers": list(s.dns_nameservers), "host_routes": [dict(r) for r in
                                                                    s.host_routes],
        "ipv6_ra_mode": s.ipv6_ra_mode, "ipv6_address_mode": s.ipv6_address_mode,
        "subnetpool_id": s.subnetpool_id,
        **standard(s, tags)}


def port(p: m.Port, ips: list[tuple[str, str]], groups: list[str], tags: list[str],
         admin: bool, dns_domain: str = "") -> dict[str, Any]:
    fixed = [{"subnet_id": sid, "ip_address": ip} for sid, ip in ips]
    hostname = p.dns_name or ("host-" + ips[0][1].replace(".", "-").replace(":", "-")
                              if ips else "")
    out: dict[str, Any] = {
        "id": p.id, "name": p.name, "network_id": p.network_id, "project_id": p.project_id,
        "tenant_id": p.project_id, "mac_address": p.mac_address,
        "admin_state_up": p.admin_state_up, "status": p.status, "device_id": p.device_id,
        "device_owner": p.device_owner, "fixed_ips": fixed,
        "allowed_address_pairs": [dict(a) for a in p.allowed_address_pairs],
        "extra_dhcp_opts": [dict(o) for o in p.extra_dhcp_opts or []],
        "security_groups": sorted(groups),
        "port_security_enabled": p.port_security_enabled, "dns_name": p.dns_name,
        "dns_assignment": [{"hostname": hostname, "ip_address": ip,
                            "fqdn": f"{hostname}.{dns_domain or 'openstacklocal.'}"}
                           for _, ip in ips],
        "ip_allocation": "immediate",
        "binding:vnic_type": p.binding_vnic_type,
        **standard(p, tags)}
    if admin:
        out["binding:host_id"] = p.binding_host_id
        out["binding:profile"] = dict(p.binding_profile or {})
        out["binding:vif_type"] = p.binding_vif_type
        out["binding:vif_details"] = dict(p.binding_vif_details or {})
    return out


def subnetpool(p: SubnetPool, prefixes: list[str], tags: list[str]) -> dict[str, Any]:
    """Neutron renders the prefix lengths as strings (_make_subnetpool_dict)."""
    return {
        "id": p.id, "name": p.name, "project_id": p.project_id, "tenant_id": p.project_id,
        "prefixes": list(prefixes), "ip_version": p.ip_version,
        "default_prefixlen": str(p.default_prefixlen), "min_prefixlen": str(p.min_prefixlen),
        "max_prefixlen": str(p.max_prefixlen), "is_default": p.is_default,
        "shared": p.shared, "default_quota": p.default_quota,
        "address_scope_id": p.address_scope_id,
        **standard(p, tags)}


def address_scope(a: AddressScope) -> dict[str, Any]:
    """Neutron's _make_address_scope_dict (no standard attributes)."""
    return {"id": a.id, "name": a.name, "project_id": a.project_id, "tenant_id": a.project_id,
            "shared": a.shared, "ip_version": a.ip_version}
