"""Routers and floating IPs (Neutron's `router`, `extraroute`, `extraroute-atomic` and
`ext-gw-mode` extensions), on one screen."""

from __future__ import annotations

from nubo.core.http import Route
from nubo.network import handlers_l3 as h
from nubo.network import handlers_pf as pf

R = "/v2.0/routers"
F = "/v2.0/floatingips"

L3_ROUTES: list[Route] = [
    Route(R, "GET", h.list_routers),
    Route(R, "POST", h.create_router),
    Route(R + "/{id}", "GET", h.show_router),
    Route(R + "/{id}", "PUT", h.update_router),
    Route(R + "/{id}", "DELETE", h.delete_router),
    Route(R + "/{id}/add_router_interface", "PUT", h.add_interface),
    Route(R + "/{id}/remove_router_interface", "PUT", h.remove_interface),
    Route(R + "/{id}/add_extraroutes", "PUT", h.add_extraroutes),
    Route(R + "/{id}/remove_extraroutes", "PUT", h.remove_extraroutes),
    Route(F, "GET", h.list_fips),
    Route(F, "POST", h.create_fip),
    Route(F + "/{id}", "GET", h.show_fip),
    Route(F + "/{id}", "PUT", h.update_fip),
    Route(F + "/{id}", "DELETE", h.delete_fip),
    Route(F + "/{id}/port_forwardings", "GET", pf.list_),
    Route(F + "/{id}/port_forwardings", "POST", pf.create),
    Route(F + "/{id}/port_forwardings/{pf_id}", "GET", pf.show),
    Route(F + "/{id}/port_forwardings/{pf_id}", "PUT", pf.update),
    Route(F + "/{id}/port_forwardings/{pf_id}", "DELETE", pf.delete),
]
