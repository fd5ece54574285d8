"""The network API surface (Neutron v2.0): every route of the service, on one screen (the core,
routers and floating IPs, security groups, and the tags of every taggable collection)."""

from __future__ import annotations

from nubo.core.http import Route
from nubo.network.api import attrs, extensions
from nubo.network.api.handlers import (
    address_scopes,
    agents,
    l3,
    networks,
    ports,
    quotas,
    subnetpools,
    subnets,
)
from nubo.network.api.handlers import port_forwardings as pf
from nubo.network.api.handlers import secgroups as sg

R = "/v2.0/routers"
F = "/v2.0/floatingips"
SG = "/v2.0/security-groups"
SGR = "/v2.0/security-group-rules"
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
    Route("/v2.0/subnetpools", "GET", subnetpools.list_),
    Route("/v2.0/subnetpools", "POST", subnetpools.create),
    Route(SP, "GET", subnetpools.show),
    Route(SP, "PUT", subnetpools.update),
    Route(SP, "DELETE", subnetpools.delete),
    Route(f"{SP}/add_prefixes", "PUT", subnetpools.add_prefixes),
    Route(f"{SP}/remove_prefixes", "PUT", subnetpools.remove_prefixes),
    Route("/v2.0/address-scopes", "GET", address_scopes.list_),
    Route("/v2.0/address-scopes", "POST", address_scopes.create),
    Route(AS, "GET", address_scopes.show),
    Route(AS, "PUT", address_scopes.update),
    Route(AS, "DELETE", address_scopes.delete),
    Route("/v2.0/ports", "GET", ports.list_),
    Route("/v2.0/ports", "POST", ports.create),
    Route(P, "GET", ports.show),
    Route(P, "PUT", ports.update),
    Route(P, "DELETE", ports.delete),
    Route("/v2.0/quotas", "GET", quotas.list_),
    Route(Q, "GET", quotas.show),
    Route(Q, "PUT", quotas.update),
    Route(Q, "DELETE", quotas.delete),
    Route(f"{Q}/default", "GET", quotas.defaults),
    Route(f"{Q}/details", "GET", quotas.details),
    Route("/v2.0/agents", "GET", agents.list_),
    Route(A, "GET", agents.show),
    Route(A, "PUT", agents.update),
    Route(A, "DELETE", agents.delete),
    Route("/v2.0/availability_zones", "GET", agents.zones),
    Route("/v2.0/network-ip-availabilities", "GET", agents.availabilities),
    Route("/v2.0/network-ip-availabilities/{network_id}", "GET", agents.availability),
    # routers, floating IPs, port forwardings
    Route(R, "GET", l3.list_routers),
    Route(R, "POST", l3.create_router),
    Route(R + "/{id}", "GET", l3.show_router),
    Route(R + "/{id}", "PUT", l3.update_router),
    Route(R + "/{id}", "DELETE", l3.delete_router),
    Route(R + "/{id}/add_router_interface", "PUT", l3.add_interface),
    Route(R + "/{id}/remove_router_interface", "PUT", l3.remove_interface),
    Route(R + "/{id}/add_extraroutes", "PUT", l3.add_extraroutes),
    Route(R + "/{id}/remove_extraroutes", "PUT", l3.remove_extraroutes),
    Route(F, "GET", l3.list_fips),
    Route(F, "POST", l3.create_fip),
    Route(F + "/{id}", "GET", l3.show_fip),
    Route(F + "/{id}", "PUT", l3.update_fip),
    Route(F + "/{id}", "DELETE", l3.delete_fip),
    Route(F + "/{id}/port_forwardings", "GET", pf.list_),
    Route(F + "/{id}/port_forwardings", "POST", pf.create),
    Route(F + "/{id}/port_forwardings/{pf_id}", "GET", pf.show),
    Route(F + "/{id}/port_forwardings/{pf_id}", "PUT", pf.update),
    Route(F + "/{id}/port_forwardings/{pf_id}", "DELETE", pf.delete),
    # security groups
    Route(SG, "GET", sg.list_groups),
    Route(SG, "POST", sg.create_group),
    Route(SG + "/{id}", "GET", sg.show_group),
    Route(SG + "/{id}", "PUT", sg.update_group),
    Route(SG + "/{id}", "DELETE", sg.delete_group),
    Route(SGR, "GET", sg.list_rules),
    Route(SGR, "POST", sg.create_rule),
    Route(SGR + "/{id}", "GET", sg.show_rule),
    Route(SGR + "/{id}", "DELETE", sg.delete_rule),
    Route(T, "GET", attrs.tags_list),
    Route(T, "PUT", attrs.tags_replace),
    Route(T, "DELETE", attrs.tags_clear),
    Route(f"{T}/{{tag}}", "GET", attrs.tag_check),
    Route(f"{T}/{{tag}}", "PUT", attrs.tag_add),
    Route(f"{T}/{{tag}}", "DELETE", attrs.tag_remove),
]
