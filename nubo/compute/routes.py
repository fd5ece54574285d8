"""The compute API surface (Nova v2.1), on one screen: each area's table, joined here."""

from __future__ import annotations

from nubo.compute.handlers import discovery, flavors, keypairs, quotas
from nubo.compute.images_proxy import IMAGES_PROXY_ROUTES
from nubo.compute.legacy_admin import LEGACY_ADMIN_ROUTES
from nubo.compute.network_proxies import NETWORK_PROXY_ROUTES
from nubo.compute.routes_actions import ACTION_ROUTES
from nubo.compute.routes_servers import SERVER_ROUTES
from nubo.compute.services_routes import ADMIN_AREA_ROUTES
from nubo.core.http import Route

F = "/v2.1/flavors/{flavor_id}"
Q = "/v2.1/os-quota-sets/{project_id}"

ROUTES: list[Route] = [
    Route("/", "GET", discovery.versions, auth=False),
    Route("/v2.1", "GET", discovery.v21, auth=False),
    Route("/v2.1/flavors", "GET", flavors.list_),
    Route("/v2.1/flavors", "POST", flavors.create),
    Route("/v2.1/flavors/detail", "GET", flavors.detail),
    Route(F, "GET", flavors.show),
    Route(F, "DELETE", flavors.delete),
    Route(F, "PUT", flavors.update, min_version="2.55"),
    Route(f"{F}/action", "POST", flavors.action),
    Route(f"{F}/os-flavor-access", "GET", flavors.access_list),
    Route(f"{F}/os-extra_specs", "GET", flavors.specs_list),
    Route(f"{F}/os-extra_specs", "POST", flavors.specs_create),
    Route(f"{F}/os-extra_specs/{{key}}", "GET", flavors.spec_show),
    Route(f"{F}/os-extra_specs/{{key}}", "PUT", flavors.spec_update),
    Route(f"{F}/os-extra_specs/{{key}}", "DELETE", flavors.spec_delete),
    Route("/v2.1/os-keypairs", "GET", keypairs.list_),
    Route("/v2.1/os-keypairs", "POST", keypairs.create),
    Route("/v2.1/os-keypairs/{name}", "GET", keypairs.show),
    Route("/v2.1/os-keypairs/{name}", "DELETE", keypairs.delete),
    Route(Q, "GET", quotas.show),
    Route(Q, "PUT", quotas.update),
    Route(Q, "DELETE", quotas.delete),
    Route(f"{Q}/defaults", "GET", quotas.defaults),
    Route(f"{Q}/detail", "GET", quotas.detail),
    Route("/v2.1/os-quota-class-sets/{class_name}", "GET", quotas.class_show),
    Route("/v2.1/os-quota-class-sets/{class_name}", "PUT", quotas.class_update),
    Route("/v2.1/limits", "GET", quotas.limits),
    Route("/v2.1/os-availability-zone", "GET", quotas.zones),
    Route("/v2.1/os-availability-zone/detail", "GET", quotas.zones_detail),
]
ROUTES += SERVER_ROUTES
ROUTES += ACTION_ROUTES
ROUTES += ADMIN_AREA_ROUTES
ROUTES += IMAGES_PROXY_ROUTES
ROUTES += NETWORK_PROXY_ROUTES
ROUTES += LEGACY_ADMIN_ROUTES
