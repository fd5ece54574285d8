"""The admin areas of the compute route table: os-services, os-hypervisors, os-aggregates
and os-simple-tenant-usage (their 2.1 forms)."""

from __future__ import annotations

from nubo.compute.handlers import aggregates, hypervisors, services, usage
from nubo.core.http import Route

H = "/v2.1/os-hypervisors"
A = "/v2.1/os-aggregates/{aggregate_id}"

ADMIN_AREA_ROUTES: list[Route] = [
    Route("/v2.1/os-services", "GET", services.list_),
    Route("/v2.1/os-services/{action}", "PUT", services.update),
    Route(H, "GET", hypervisors.list_),
    Route(f"{H}/detail", "GET", hypervisors.detail),
    Route(f"{H}/statistics", "GET", hypervisors.statistics),
    Route(f"{H}/{{hypervisor_id}}", "GET", hypervisors.show),
    Route(f"{H}/{{hypervisor_id}}/uptime", "GET", hypervisors.uptime),
    # replaced by ?hypervisor_hostname_pattern= and ?with_servers= in 2.53
    Route(f"{H}/{{pattern}}/search", "GET", hypervisors.search, max_version="2.52"),
    Route(f"{H}/{{pattern}}/servers", "GET", hypervisors.servers, max_version="2.52"),
    Route("/v2.1/os-aggregates", "GET", aggregates.list_),
    Route("/v2.1/os-aggregates", "POST", aggregates.create),
    Route(A, "GET", aggregates.show),
    Route(A, "PUT", aggregates.update),
    Route(A, "DELETE", aggregates.delete),
    Route(f"{A}/action", "POST", aggregates.action),
    Route("/v2.1/os-simple-tenant-usage", "GET", usage.list_),
    Route("/v2.1/os-simple-tenant-usage/{project_id}", "GET", usage.show),
]
