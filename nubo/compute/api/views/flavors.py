"""Render flavors as Nova does: 2.55 adds `description`, 2.61 `extra_specs` (detail views),
2.75 gives `swap` 0 rather than "" for no swap."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from nubo.compute.api.versions import MIN
from nubo.compute.service.flavors import Flavor
from nubo.core.microversion import APIVersion


def links(base: str, flavor_id: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"{base}/v2.1/flavors/{flavor_id}"},
            {"rel": "bookmark", "href": f"{base}/flavors/{flavor_id}"}]


def brief(f: Flavor, base: str, ver: APIVersion = MIN) -> dict[str, Any]:
    out: dict[str, Any] = {"id": f.id, "name": f.name, "links": links(base, f.id)}
    if ver >= APIVersion(2, 55):
        out["description"] = f.description
    return out


def detail(f: Flavor, base: str, ver: APIVersion = MIN, specs: bool = True
           ) -> dict[str, Any]:
    """`specs`: whether the caller may read extra specs (the policy), shown from 2.61."""
    out: dict[str, Any] = {
        "id": f.id, "name": f.name, "ram": f.memory_mb, "disk": f.root_gb,
        "swap": f.swap if ver >= APIVersion(2, 75) else (f.swap or ""),
        "OS-FLV-EXT-DATA:ephemeral": f.ephemeral_gb,
        "OS-FLV-DISABLED:disabled": f.disabled, "vcpus": f.vcpus,
        "os-flavor-access:is_public": f.is_public, "rxtx_factor": f.rxtx_factor or "",
        "links": links(base, f.id)}
    if ver >= APIVersion(2, 55):
        out["description"] = f.description
    if ver >= APIVersion(2, 61) and specs:
        out["extra_specs"] = dict(f.extra_specs)
    return out


def collection(items: list[dict[str, Any]], flavors: list[Flavor], base: str, path: str,
               params: dict[str, str], limit: int, max_limit: int) -> dict[str, Any]:
    """The list, with a `next` link when the page is full (Nova's rule)."""
    body: dict[str, Any] = {"flavors": items}
    page = min(limit, max_limit)
    if page and len(flavors) == page:
        query = dict(sorted(params.items()))
        query["marker"] = flavors[-1].id
        body["flavors_links"] = [{"rel": "next",
                                  "href": f"{base}/v2.1/{path}?{urlencode(query)}"}]
    return body


def access(flavor_id: str, projects: list[str]) -> dict[str, Any]:
    return {"flavor_access": [{"flavor_id": flavor_id, "tenant_id": p} for p in projects]}
