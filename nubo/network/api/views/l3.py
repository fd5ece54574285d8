"""The JSON shape of routers and floating IPs, as Neutron renders them with the extensions
Nubo advertises (ext-gw-mode, extraroute, router_availability_zone, fip-port-details,
expose-port-forwarding-in-fip). Attributes of extensions it does not have (l3-ha's `ha`, dvr's
`distributed`, l3-flavors, l3-ndp-proxy, qos-fip) are absent, as from a Neutron without them;
dns-integration's names are still shown though it is not advertised (docs/conformance.md)."""

from __future__ import annotations

from typing import Any

from nubo.network import models as m
from nubo.network.api.attrs import standard
from nubo.network.models_l3 import FloatingIP, Router


def router(r: Router, gw_port: m.Port | None, gw_ips: list[tuple[str, str]],
           tags: list[str], admin: bool) -> dict[str, Any]:
    gw: dict[str, Any] | None = None
    if gw_port is not None:
        gw = {"network_id": gw_port.network_id, "enable_snat": r.enable_snat,
              "external_fixed_ips": [{"subnet_id": s, "ip_address": ip} for s, ip in gw_ips]}
    out: dict[str, Any] = {
        "id": r.id, "name": r.name, "project_id": r.project_id, "tenant_id": r.project_id,
        "status": r.status, "admin_state_up": r.admin_state_up,
        "external_gateway_info": gw, "routes": [dict(x) for x in r.routes],
        "availability_zone_hints": [], "availability_zones": ["nova"],
        **standard(r, tags)}
    return out


def floatingip(f: FloatingIP, port: m.Port | None, port_ips: list[tuple[str, str]],
               tags: list[str], forwardings: list[dict[str, Any]] | None = None
               ) -> dict[str, Any]:
    """An IP whose internal port is gone shows as unassociated (the column went NULL); one
    with port forwardings shows their router (expose-port-forwarding-in-fip)."""
    associated = f.fixed_port_id is not None
    details = None
    if associated and port is not None:
        details = {"name": port.name, "network_id": port.network_id,
                   "mac_address": port.mac_address, "admin_state_up": port.admin_state_up,
                   "status": port.status, "device_id": port.device_id,
                   "device_owner": port.device_owner}
    return {
        "id": f.id, "project_id": f.project_id, "tenant_id": f.project_id,
        "floating_ip_address": f.floating_ip_address,
        "floating_network_id": f.floating_network_id,
        "router_id": f.router_id if associated or forwardings else None,
        "port_id": f.fixed_port_id,
        "fixed_ip_address": f.fixed_ip_address if associated else None,
        "status": f.status if associated else "DOWN",
        "port_details": details, "port_forwardings": list(forwardings or []),
        "dns_domain": None, "dns_name": None,
        **standard(f, tags)}
