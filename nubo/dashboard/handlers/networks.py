"""Networks and subnets, floating IPs, security groups (Neutron's API in-process)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from nubo.dashboard.app import Page
from nubo.dashboard.gateway import ApiError

N = "/networking/v2.0"


async def _change(p: Page, back: str, ok: str, method: str, path: str,
                  body: Any = None, at: str | None = None) -> Response:
    try:
        await p.api.send(method, N + path, p.token, body)
    except ApiError as err:
        return p.failed(back, err, at)
    return p.back(back, ok)


async def networks(p: Page) -> Response:
    nets, subnets = await asyncio.gather(p.api.get(f"{N}/networks", p.token),
                                         p.api.get(f"{N}/subnets", p.token))
    by_net: dict[str, list[dict[str, Any]]] = {}
    for s in subnets["subnets"]:
        by_net.setdefault(s["network_id"], []).append(s)
    return p.render("networks.html", networks=nets["networks"], subnets=by_net,
                    can_create=p.can("create_network"),
                    can_subnet=p.can("create_subnet", {"network:project_id": p.project_id}))


async def create_network(p: Page) -> Response:
    name = p.field("name")
    if not name:
        return p.failed("/networks", "Give the network a name.", "network")
    return await _change(p, "/networks", f"Network {name} created.", "POST", "/networks",
                         {"network": {"name": name}}, "network")


async def delete_network(p: Page) -> Response:
    return await _change(p, "/networks", "Network deleted.", "DELETE",
                         f"/networks/{p.params['id']}", at=f"net-{p.params['id']}")


async def create_subnet(p: Page) -> Response:
    body: dict[str, Any] = {"name": p.field("name"), "network_id": p.field("network"),
                            "cidr": p.field("cidr"), "ip_version": 4}
    if not body["cidr"]:
        return p.failed("/networks", "Give the subnet a range, as 10.0.5.0/24.", "subnet")
    if p.field("gateway"):
        body["gateway_ip"] = p.field("gateway")
    body["enable_dhcp"] = p.field("dhcp", "on") == "on"
    return await _change(p, "/networks", f"Subnet {body['cidr']} created.", "POST",
                         "/subnets", {"subnet": body}, "subnet")


async def delete_subnet(p: Page) -> Response:
    return await _change(p, "/networks", "Subnet deleted.", "DELETE",
                         f"/subnets/{p.params['id']}", at=f"subnet-{p.params['id']}")


async def floating_ips(p: Page) -> Response:
    fips, nets, ports, servers = await asyncio.gather(
        p.api.get(f"{N}/floatingips", p.token),
        p.api.get(f"{N}/networks", p.token, **{"router:external": "true"}),
        p.api.get(f"{N}/ports", p.token, device_owner="compute:nova"),
        p.api.get("/compute/v2.1/servers", p.token))
    names = {s["id"]: s["name"] for s in servers["servers"]}
    targets = [(port["id"], f"{names.get(port['device_id'], port['device_id'])} "
                f"({', '.join(ip['ip_address'] for ip in port['fixed_ips'])})")
               for port in ports["ports"]]
    port_names = dict(targets)
    return p.render("floating_ips.html", fips=fips["floatingips"],
                    externals=nets["networks"], targets=targets, port_names=port_names,
                    can_create=p.can("create_floatingip"),
                    can_update=p.can("update_floatingip"),
                    can_delete=p.can("delete_floatingip"))


async def allocate(p: Page) -> Response:
    return await _change(p, "/floating-ips", "Floating IP allocated.", "POST",
                         "/floatingips", {"floatingip": {
                             "floating_network_id": p.field("network")}}, "fip")


async def associate(p: Page) -> Response:
    port = p.field("port") or None
    return await _change(p, "/floating-ips",
                         "Floating IP associated." if port else "Floating IP released "
                         "from its port.", "PUT", f"/floatingips/{p.params['id']}",
                         {"floatingip": {"port_id": port}}, f"fip-{p.params['id']}")


async def release(p: Page) -> Response:
    return await _change(p, "/floating-ips", "Floating IP released.", "DELETE",
                         f"/floatingips/{p.params['id']}", at=f"fip-{p.params['id']}")


async def security_groups(p: Page) -> Response:
    groups = await p.api.get(f"{N}/security-groups", p.token, project_id=p.project_id)
    return p.render("security_groups.html", groups=groups["security_groups"],
                    can_create=p.can("create_security_group"),
                    can_delete=p.can("delete_security_group"),
                    can_rule=p.can("create_security_group_rule"),
                    can_delete_rule=p.can("delete_security_group_rule"))


async def create_group(p: Page) -> Response:
    name = p.field("name")
    if not name:
        return p.failed("/security-groups", "Give the group a name.", "sg")
    return await _change(p, "/security-groups", f"Security group {name} created.", "POST",
                         "/security-groups", {"security_group": {
                             "name": name, "description": p.field("description")}}, "sg")


async def delete_group(p: Page) -> Response:
    return await _change(p, "/security-groups", "Security group deleted.", "DELETE",
                         f"/security-groups/{p.params['id']}", at=f"sg-{p.params['id']}")


async def create_rule(p: Page) -> Response:
    rule: dict[str, Any] = {"security_group_id": p.params["id"], "direction": "ingress",
                            "ethertype": "IPv4"}
    proto = p.field("protocol")
    if proto and proto != "any":
        rule["protocol"] = proto
    port = p.field("port")
    if port:
        low, _, high = port.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            return p.failed("/security-groups", "A port is a number or a range as 8000-8080.",
                            f"sg-{p.params['id']}")
        rule["port_range_min"], rule["port_range_max"] = int(low), int(high or low)
    rule["remote_ip_prefix"] = p.field("remote") or "0.0.0.0/0"
    return await _change(p, "/security-groups", "Rule added.", "POST",
                         "/security-group-rules", {"security_group_rule": rule},
                         f"sg-{p.params['id']}")


async def delete_rule(p: Page) -> Response:
    return await _change(p, "/security-groups", "Rule deleted.", "DELETE",
                         f"/security-group-rules/{p.params['id']}")
