"""Admin pages: hypervisors with capacity bars (and how many more of a flavor fit, from
placement's inventories and usages),
services and agents with their state, flavors, projects. A user whose role does not allow
the API call gets a 403 page."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from nubo.dashboard.app import Page
from nubo.dashboard.handlers.overview import bar

C = "/compute/v2.1"
#: the last microversion whose hypervisor details carry capacities (2.88 dropped them)
_CAPACITY_VERSION = {"openstack-api-version": "compute 2.87"}


def _refused(p: Page) -> Response:
    return p.render("error.html", 403, title="Not allowed",
                    message="This page is for the cloud's administrators.")


#: placement's resource class of each flavor field
_CLASSES = (("VCPU", "vcpus"), ("MEMORY_MB", "ram"), ("DISK_GB", "disk"))


def fits(inventories: dict[str, Any], usages: dict[str, int], f: dict[str, Any]) -> int | None:
    """How many more servers of flavor `f` placement would still place on this provider:
    (total - reserved) x allocation_ratio - used, per resource class, as placement counts."""
    counts = []
    for rc, key in _CLASSES:
        need = int(f.get(key) or 0)
        inv = inventories.get(rc)
        if need <= 0 or inv is None:
            continue
        if need > inv.get("max_unit", need):
            return 0
        free = int((inv["total"] - inv.get("reserved", 0)) * inv.get("allocation_ratio", 1.0)
                   ) - usages.get(rc, 0)
        counts.append(max(0, free // need))
    return min(counts) if counts else None


async def _placement(p: Page, uuid: str) -> tuple[dict[str, Any], dict[str, int]]:
    inv, use = await asyncio.gather(
        p.api.call("GET", f"/placement/resource_providers/{uuid}/inventories", p.token),
        p.api.call("GET", f"/placement/resource_providers/{uuid}/usages", p.token))
    return (inv.body.get("inventories", {}) if inv.ok else {},
            use.body.get("usages", {}) if use.ok else {})


async def hypervisors(p: Page) -> Response:
    if not p.can("os_compute_api:os-hypervisors:list-detail"):
        return _refused(p)
    r, flavors = await asyncio.gather(
        p.api.call("GET", f"{C}/os-hypervisors/detail", p.token, headers=_CAPACITY_VERSION),
        p.api.get(f"{C}/flavors/detail", p.token))
    if r.status == 403:
        return _refused(p)
    hosts = r.body["hypervisors"] if r.ok else []
    flavor_list = sorted(flavors["flavors"], key=lambda f: (f["vcpus"], f["ram"]))
    chosen = next((f for f in flavor_list if f["id"] == p.request.query_params.get(
        "flavor")), flavor_list[0] if flavor_list else None)
    placed = await asyncio.gather(*(_placement(p, str(h["id"])) for h in hosts))
    rows = [{"h": h, "bars": [bar("vCPUs", h["vcpus_used"], h["vcpus"]),
                              bar("RAM", h["memory_mb_used"], h["memory_mb"], "MiB"),
                              bar("Disk", h["local_gb_used"], h["local_gb"], "GiB")],
             "fits": fits(inv, use, chosen) if chosen else None}
            for h, (inv, use) in zip(hosts, placed, strict=True)]
    return p.render("admin_hypervisors.html", rows=rows, flavors=flavor_list, chosen=chosen,
                    error=None if r.ok else r.error())


async def services(p: Page) -> Response:
    if not p.can("os_compute_api:os-services:list"):
        return _refused(p)
    compute, agents, volume = await asyncio.gather(
        p.api.call("GET", f"{C}/os-services", p.token),
        p.api.call("GET", "/networking/v2.0/agents", p.token),
        p.api.call("GET", f"/volume/v3/{p.project_id}/os-services", p.token))
    rows: list[dict[str, Any]] = []
    for s in compute.body.get("services", []) if compute.ok else []:
        rows.append({"kind": "compute", "binary": s["binary"], "host": s["host"],
                     "zone": s.get("zone"), "enabled": s["status"] == "enabled",
                     "up": s["state"] == "up", "updated": s.get("updated_at")})
    for a in agents.body.get("agents", []) if agents.ok else []:
        rows.append({"kind": "network", "binary": a["binary"], "host": a["host"],
                     "zone": a.get("availability_zone"), "enabled": a["admin_state_up"],
                     "up": a["alive"], "updated": a.get("heartbeat_timestamp")})
    for s in volume.body.get("services", []) if volume.ok else []:
        rows.append({"kind": "volume", "binary": s["binary"], "host": s["host"],
                     "zone": s.get("zone"), "enabled": s["status"] == "enabled",
                     "up": s["state"] == "up", "updated": s.get("updated_at")})
    return p.render("admin_services.html", rows=rows)


async def flavors(p: Page) -> Response:
    if not p.can("os_compute_api:os-flavor-manage:create"):
        return _refused(p)
    body = await p.api.get(f"{C}/flavors/detail", p.token, is_public="None")
    return p.render("admin_flavors.html", flavors=sorted(
        body["flavors"], key=lambda f: (f["vcpus"], f["ram"])))


async def projects(p: Page) -> Response:
    r = await p.api.call("GET", "/identity/v3/projects", p.token)
    if r.status == 403 or not p.ctx or not p.ctx.is_admin:
        return _refused(p)
    return p.render("admin_projects.html", projects=sorted(
        r.body.get("projects", []) if r.ok else [], key=lambda x: x["name"]))
