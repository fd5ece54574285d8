"""The network API surface (Neutron v2.0), on one screen: the core (N1) joined with routers
and floating IPs (routes_l3) and security groups (routes_secgroups)."""

from __future__ import annotations

from nubo.core.http import Route
from nubo.network import (
    agents,
    attrs,
    extensions,
    handlers_address_scopes,
    handlers_subnetpools,
    networks,
    ports_api,
    quotas_api,
    subnets,
)
from nubo.network.routes_l3 import L3_ROUTES
from nubo.network.routes_secgroups import SG_ROUTES

N = "/v2.0/networks/{network_id}"
S = "/v2.0/subnets/{subnet_id}"
P = "/v2.0/ports/{port_id}"
Q = "/v2.0/quotas/{project_id}"
A = "/v2.0/agents/{agent_id}"
SP = "/v2.0/subnetpools/{id}"
AS = "/v2.0/address-scopes/{id}"
T = "/v2.0/{collection}/{rid}/tags"

ROUTES: list[Route] = [
    Route("/", "GET", extensions.versions, auth=False),
    Route("/v2.0", "GET", extensions.v2),
    Route("/v2.0/extensions", "GET", extensions.list_),
    Route("/v2.0/extensions/{alias}", "GET", extensions.show),
    Route("/v2.0/service-providers", "GET", extensions.service_providers),
    Route("/v2.0/networks", "GET", networks.list_),
    Route("/v2.0/networks", "POST", networks.create),
    Route(N, "GET", networks.show),
    Route(N, "PUT", networks.update),
    Route(N, "DELETE", networks.delete),
    Route("/v2.0/subnets", "GET", subnets.list_),
    Route("/v2.0/subnets", "POST", subnets.create),
    Route(S, "GET", subnets.show),
    Route(S, "PUT", subnets.update),
    Route(S, "DELETE", subnets.delete),
    Route("/v2.0/subnetpools", "GET", handlers_subnetpools.list_),
    Route("/v2.0/subnetpools", "POST", handlers_subnetpools.create),
    Route(SP, "GET", handlers_subnetpools.show),
    Route(SP, "PUT", handlers_subnetpools.update),
    Route(SP, "DELETE", handlers_subnetpools.delete),
    Route(f"{SP}/add_prefixes", "PUT", handlers_subnetpools.add_prefixes),
    Route(f"{SP}/remove_prefixes", "PUT", handlers_subnetpools.remove_prefixes),
    Route("/v2.0/address-scopes", "GET", handlers_address_scopes.list_),
    Route("/v2.0/address-scopes", "POST", handlers_address_scopes.create),
    Route(AS, "GET", handlers_address_scopes.show),
    Route(AS, "PUT", handlers_address_scopes.update),
    Route(AS, "DELETE", handlers_address_scopes.delete),
    Route("/v2.0/ports", "GET", ports_api.list_),
    Route("/v2.0/ports", "POST", ports_api.create),
    Route(P, "GET", ports_api.show),
    Route(P, "PUT", ports_api.update),
    Route(P, "DELETE", ports_api.delete),
    Route("/v2.0/quotas", "GET", quotas_api.list_),
    Route(Q, "GET", quotas_api.show),
    Route(Q, "PUT", quotas_api.update),
    Route(Q, "DELETE", quotas_api.delete),
    Route(f"{Q}/default", "GET", quotas_api.defaults),
    Route(f"{Q}/details", "GET", quotas_api.details),
    Route("/v2.0/agents", "GET", agents.list_),
    Route(A, "GET", agents.show),
    Route(A, "PUT", agents.update),
    Route(A, "DELETE", agents.delete),
    Route("/v2.0/availability_zones", "GET", agents.zones),
    Route("/v2.0/network-ip-availabilities", "GET", agents.availabilities),
    Route("/v2.0/network-ip-availabilities/{network_id}", "GET", agents.availability),
    *L3_ROUTES,
    *SG_ROUTES,
    Route(T, "GET", attrs.tags_list),
    Route(T, "PUT", attrs.tags_replace),
    Route(T, "DELETE", attrs.tags_clear),
    Route(f"{T}/{{tag}}", "GET", attrs.tag_check),
    Route(f"{T}/{{tag}}", "PUT", attrs.tag_add),
    Route(f"{T}/{{tag}}", "DELETE", attrs.tag_remove),
]

attrs.TAGGABLE.update({"networks": ("networks", networks.access),
                       "subnets": ("subnets", subnets.access),
                       "ports": ("ports", ports_api.access),
                       "subnetpools": ("subnetpools", handlers_subnetpools.access)})
