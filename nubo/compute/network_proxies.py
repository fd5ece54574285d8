"""Compute API: the nova-network era proxies onto Neutron (deprecated: 404 from 2.36) and
/extensions. The operations Nova removed with nova-network are 410 at every version."""

from __future__ import annotations

from nubo.compute.handlers import network_proxies as h
from nubo.core.http import Route

V = "/v2.1"
P = "2.35"      # Nova's MAX_PROXY_API_SUPPORT_VERSION

NETWORK_PROXY_ROUTES: list[Route] = [
    Route(f"{V}/extensions", "GET", h.ext_list),
    Route(f"{V}/extensions/{{alias}}", "GET", h.ext_show),
    Route(f"{V}/os-floating-ip-pools", "GET", h.pools, max_version=P),
    Route(f"{V}/os-floating-ips", "GET", h.fip_list, max_version=P),
    Route(f"{V}/os-floating-ips", "POST", h.fip_create, max_version=P),
    Route(f"{V}/os-floating-ips/{{id}}", "GET", h.fip_show, max_version=P),
    Route(f"{V}/os-floating-ips/{{id}}", "DELETE", h.fip_delete, max_version=P),
    Route(f"{V}/os-networks", "GET", h.net_list, max_version=P),
    Route(f"{V}/os-networks", "POST", h.gone),
    Route(f"{V}/os-networks/add", "POST", h.gone),
    Route(f"{V}/os-networks/{{id}}", "GET", h.net_show, max_version=P),
    Route(f"{V}/os-networks/{{id}}", "DELETE", h.gone),
    Route(f"{V}/os-networks/{{id}}/action", "POST", h.net_action),
    Route(f"{V}/os-tenant-networks", "GET", h.tenant_net_list, max_version=P),
    Route(f"{V}/os-tenant-networks", "POST", h.gone),
    Route(f"{V}/os-tenant-networks/{{id}}", "GET", h.tenant_net_show, max_version=P),
    Route(f"{V}/os-tenant-networks/{{id}}", "DELETE", h.gone),
]
