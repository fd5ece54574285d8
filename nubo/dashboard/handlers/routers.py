"""Routers (Neutron's API in-process): list, create with an external gateway, add and
remove subnet interfaces, delete."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from nubo.dashboard.app import Page
from nubo.dashboard.handlers.networks import N, change

IFACE = "network:router_interface"


async def routers(p: Page) -> Response:
    rts, nets, subnets, ports = await asyncio.gather(
        p.api.get(f"{N}/routers", p.token), p.api.get(f"{N}/networks", p.token),
        p.api.get(f"{N}/subnets", p.token),
        p.api.get(f"{N}/ports", p.token, device_owner=IFACE))
    subnet_of = {s["id"]: s for s in subnets["subnets"]}
    #: router id -> its interfaces: (subnet, port's address)
    ifaces: dict[str, list[dict[str, Any]]] = {}
    attached: set[str] = set()
    for port in ports["ports"]:
        for ip in port.get("fixed_ips", []):
            attached.add(ip["subnet_id"])
            ifaces.setdefault(port["device_id"], []).append(
                {"subnet_id": ip["subnet_id"], "ip": ip["ip_address"],
                 "subnet": subnet_of.get(ip["subnet_id"], {})})
    net_names = {n["id"]: n["name"] or n["id"] for n in nets["networks"]}
    free = [s for s in subnets["subnets"] if s["id"] not in attached
            and s.get("project_id") == p.project_id]
    return p.render("routers.html", routers=rts["routers"], ifaces=ifaces,
                    net_names=net_names, free=free,
                    externals=[n for n in nets["networks"] if n.get("router:external")],
                    can_create=p.can("create_router"),
                    can_gateway=p.can("create_router:external_gateway_info"),
                    can_delete=p.can("delete_router"),
                    can_add=p.can("add_router_interface"),
                    can_remove=p.can("remove_router_interface"))


async def create_router(p: Page) -> Response:
    name, ext = p.field("name"), p.field("external")
    if not name:
        return p.failed("/routers", "Give the router a name.", "router")
    body: dict[str, Any] = {"name": name}
    if ext:
        body["external_gateway_info"] = {"network_id": ext}
    return await change(p, "/routers", f"Router {name} created.", "POST", "/routers",
                         {"router": body}, "router")


async def delete_router(p: Page) -> Response:
    rid = p.params["id"]
    return await change(p, "/routers", "Router deleted.", "DELETE", f"/routers/{rid}",
                         at=f"rt-{rid}")


async def add_interface(p: Page) -> Response:
    rid, subnet = p.params["id"], p.field("subnet")
    if not subnet:
        return p.failed("/routers", "Choose a subnet.", f"rt-{rid}")
    return await change(p, "/routers", "Interface added.", "PUT",
                         f"/routers/{rid}/add_router_interface", {"subnet_id": subnet},
                         f"rt-{rid}")


async def remove_interface(p: Page) -> Response:
    rid = p.params["id"]
    return await change(p, "/routers", "Interface removed.", "PUT",
                         f"/routers/{rid}/remove_router_interface",
                         {"subnet_id": p.field("subnet")}, f"rt-{rid}")
