"""The placement API surface, on one screen (as Placement's ROUTE_DECLARATIONS), with the
microversion each operation appeared in."""

from __future__ import annotations

from nubo.core.http import Route
from nubo.placement.handlers import allocations, candidates, classes, inventories, providers, root

RP = "/resource_providers/{uuid}"
INV = f"{RP}/inventories"

ROUTES: list[Route] = [
    Route("/", "GET", root.home, auth=False),
    Route("/resource_providers", "GET", providers.list_),
    Route("/resource_providers", "POST", providers.create),
    Route(RP, "GET", providers.show),
    Route(RP, "PUT", providers.update),
    Route(RP, "DELETE", providers.delete),
    Route(INV, "GET", inventories.list_),
    Route(INV, "POST", inventories.create),
    Route(INV, "PUT", inventories.replace),
    Route(INV, "DELETE", inventories.delete_all, min_version="1.5"),
    Route(f"{INV}/{{resource_class}}", "GET", inventories.show),
    Route(f"{INV}/{{resource_class}}", "PUT", inventories.update),
    Route(f"{INV}/{{resource_class}}", "DELETE", inventories.delete),
    Route(f"{RP}/usages", "GET", allocations.provider_usages),
    Route(f"{RP}/allocations", "GET", allocations.for_provider),
    Route(f"{RP}/aggregates", "GET", providers.aggregates, min_version="1.1"),
    Route(f"{RP}/aggregates", "PUT", providers.set_aggregates, min_version="1.1"),
    Route(f"{RP}/traits", "GET", providers.traits, min_version="1.6"),
    Route(f"{RP}/traits", "PUT", providers.set_traits, min_version="1.6"),
    Route(f"{RP}/traits", "DELETE", providers.delete_traits, min_version="1.6"),
    Route("/resource_classes", "GET", classes.list_classes, min_version="1.2"),
    Route("/resource_classes", "POST", classes.create_class, min_version="1.2"),
    Route("/resource_classes/{name}", "GET", classes.show_class, min_version="1.2"),
    Route("/resource_classes/{name}", "PUT", classes.update_class, min_version="1.2"),
    Route("/resource_classes/{name}", "DELETE", classes.delete_class, min_version="1.2"),
    Route("/traits", "GET", classes.list_traits, min_version="1.6"),
    Route("/traits/{name}", "GET", classes.show_trait, min_version="1.6"),
    Route("/traits/{name}", "PUT", classes.put_trait, min_version="1.6"),
    Route("/traits/{name}", "DELETE", classes.delete_trait, min_version="1.6"),
    Route("/allocations", "POST", allocations.post, min_version="1.13"),
    Route("/allocations/{consumer_uuid}", "GET", allocations.show),
    Route("/allocations/{consumer_uuid}", "PUT", allocations.replace),
    Route("/allocations/{consumer_uuid}", "DELETE", allocations.delete),
    Route("/usages", "GET", allocations.usages, min_version="1.9"),
    Route("/allocation_candidates", "GET", candidates.list_, min_version="1.10"),
    Route("/reshaper", "POST", candidates.reshape, min_version="1.30"),
]
