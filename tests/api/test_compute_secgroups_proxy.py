"""Nova's deprecated security group proxy (/os-security-groups, /os-security-group-rules, to
2.35) onto Neutron's groups: responses against Tempest's schemas, Nova's refusals, and that
both APIs see the same rows."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.compute_schemas import check
from tests.conftest import Api

G = "/compute/v2.1/os-security-groups"
R = "/compute/v2.1/os-security-group-rules"
N = "/networking/v2.0"


async def group(api: Api, name: str, description: str = "d") -> dict[str, Any]:
    body = await api.ok("POST", G, json={"security_group": {"name": name,
                                                            "description": description}})
    check("security_groups", "create_security_group", body, 200)
    return dict(body["security_group"])


async def bad(api: Api, method: str, path: str, status: int, text: str = "",
              **kw: Any) -> None:
    r = await api.req(method, path, **kw)
    assert r.status_code == status, r.text
    fault = {400: "badRequest", 403: "forbidden", 404: "itemNotFound"}[status]
    assert r.json()[fault]["code"] == status
    assert text in r.json()[fault]["message"], r.text


async def test_groups_create_show_update_list_delete(api: Api) -> None:
    sg = await group(api, "proxy-web", "web servers")
    assert sg["rules"] == [] and sg["description"] == "web servers"
    # the same row through Neutron, with Neutron's default egress rules (Nova hides them)
    neutron = (await api.ok("GET", f"{N}/security-groups/{sg['id']}"))["security_group"]
    assert neutron["name"] == "proxy-web" and neutron["security_group_rules"]
    shown = await api.ok("GET", f"{G}/{sg['id']}")
    check("security_groups", "get_security_group", shown, 200)
    assert shown["security_group"] == sg
    upd = await api.ok("PUT", f"{G}/{sg['id']}", json={"security_group": {
        "name": "proxy-web2", "description": "new"}})
    check("security_groups", "update_security_group", upd, 200)
    assert (upd["security_group"]["name"], upd["security_group"]["description"]) == \
        ("proxy-web2", "new")
    listed = await api.ok("GET", G)
    check("security_groups", "list_security_groups", listed, 200)
    names = [g["name"] for g in listed["security_groups"]]
    assert "default" in names and "proxy-web2" in names
    assert names == sorted(names)          # one project: sorted by name
    assert len((await api.ok("GET", f"{G}?limit=1"))["security_groups"]) == 1
    await api.ok("DELETE", f"{G}/{sg['id']}", 202)
    await bad(api, "GET", f"{G}/{sg['id']}", 404, "not found")
    assert (await api.req("GET", f"{N}/security-groups/{sg['id']}")).status_code == 404


async def test_group_refusals(api: Api) -> None:
    await bad(api, "GET", f"{G}/not-a-uuid", 400, "should be uuid")
    await bad(api, "GET", f"{G}/{uuid.uuid4()}", 404)
    await bad(api, "DELETE", f"{G}/{uuid.uuid4()}", 404)
    await bad(api, "PUT", f"{G}/{uuid.uuid4()}", 404, json={"security_group": {
        "name": "x", "description": "y"}})
    await bad(api, "DELETE", G, 404)                     # no id: no such route (not 405)
    await bad(api, "POST", G, 400, "Missing parameter security_group", json={"x": {}})
    await bad(api, "POST", G, 400, "name has to be a string", json={"security_group": {
        "description": "no name"}})
    await bad(api, "POST", G, 400, "more than 255", json={"security_group": {
        "name": "n" * 256, "description": "d"}})
    default = [g for g in (await api.ok("GET", G))["security_groups"]
               if g["name"] == "default"][0]
    # Neutron's 409 (default group) is Nova's 400 here; only for a non-admin (an admin may)
    user = await api.make_user("proxy-member", project="demo")
    tok = await api.token(user["name"], "pw", "demo")
    mine = [g for g in (await api.ok("GET", G, token=tok))["security_groups"]
            if g["name"] == "default"][0]
    assert mine["id"] != default["id"]
    await bad(api, "DELETE", f"{G}/{mine['id']}", 400, "default security group", token=tok)
    # another project's group is not found for a member
    await bad(api, "GET", f"{G}/{default['id']}", 404, token=tok)


async def test_gone_from_236(api: Api) -> None:
    h = {"OpenStack-API-Version": "compute 2.36"}
    assert (await api.req("GET", G, headers=h)).status_code == 404
    assert (await api.req("POST", R, headers=h, json={})).status_code == 404
    ok = {"OpenStack-API-Version": "compute 2.35"}
    assert (await api.req("GET", G, headers=ok)).status_code == 200


async def test_rules(api: Api) -> None:
    sg = await group(api, "proxy-rules")
    peer = await group(api, "proxy-peer")
    body = await api.ok("POST", R, json={"security_group_rule": {
        "parent_group_id": sg["id"], "ip_protocol": "tcp", "from_port": 22, "to_port": 22}})
    check("security_groups", "create_security_group_rule", body, 200)
    rule = body["security_group_rule"]
    assert (rule["ip_protocol"], rule["from_port"], rule["to_port"], rule["ip_range"],
            rule["group"]) == ("tcp", 22, 22, {"cidr": "0.0.0.0/0"}, {})
    neutron = (await api.ok("GET", f"{N}/security-group-rules/{rule['id']}"))[
        "security_group_rule"]
    assert (neutron["direction"], neutron["ethertype"], neutron["port_range_min"]) == \
        ("ingress", "IPv4", 22)
    # a group rule without ports opens the whole range, as Nova
    by_group = (await api.ok("POST", R, json={"security_group_rule": {
        "parent_group_id": sg["id"], "ip_protocol": "udp", "group_id": peer["id"]}}))[
        "security_group_rule"]
    assert (by_group["from_port"], by_group["to_port"]) == (1, 65535)
    assert by_group["group"] == {"name": "proxy-peer", "tenant_id": peer["tenant_id"]}
    # a CIDR with host bits is kept as given (Neutron's remote_ip_prefix)
    host_bits = (await api.ok("POST", R, json={"security_group_rule": {
        "parent_group_id": sg["id"], "ip_protocol": "tcp", "from_port": 80, "to_port": 80,
        "cidr": "10.2.3.124/24"}}))["security_group_rule"]
    assert host_bits["ip_range"] == {"cidr": "10.2.3.124/24"}
    await api.ok("DELETE", f"{R}/{host_bits['id']}", 202)
    icmp = (await api.ok("POST", R, json={"security_group_rule": {
        "parent_group_id": sg["id"], "ip_protocol": "icmp", "from_port": -1, "to_port": -1,
        "cidr": "10.0.0.0/8"}}))["security_group_rule"]
    assert (icmp["from_port"], icmp["to_port"], icmp["ip_range"]) == \
        (-1, -1, {"cidr": "10.0.0.0/8"})
    shown = (await api.ok("GET", f"{G}/{sg['id']}"))["security_group"]
    assert {r["id"] for r in shown["rules"]} == {rule["id"], by_group["id"], icmp["id"]}
    await api.ok("DELETE", f"{R}/{rule['id']}", 202)
    await bad(api, "DELETE", f"{R}/{rule['id']}", 404)
    assert (await api.req("GET", f"{N}/security-group-rules/{rule['id']}")).status_code == 404


async def test_rule_refusals(api: Api) -> None:
    sg = await group(api, "proxy-bad-rules")

    def rule(**kw: Any) -> dict[str, Any]:
        return {"json": {"security_group_rule": {"parent_group_id": sg["id"], **kw}}}

    await bad(api, "POST", R, 404, **rule(parent_group_id=str(uuid.uuid4()),
                                           ip_protocol="tcp", from_port=1, to_port=2))
    await bad(api, "POST", R, 400, "should be uuid", **rule(parent_group_id="x"))
    await bad(api, "POST", R, 400, "Invalid IP protocol",
              **rule(ip_protocol="tcpudp", from_port=22, to_port=22))
    await bad(api, "POST", R, 400, "must be integers",
              **rule(ip_protocol="tcp", from_port="abc", to_port=22))
    await bad(api, "POST", R, 400, "Invalid port range",
              **rule(ip_protocol="tcp", from_port=22, to_port=21))
    await bad(api, "POST", R, 400, "between 1-65535",
              **rule(ip_protocol="tcp", from_port=22, to_port=65536))
    await bad(api, "POST", R, 400, "type:code", **rule(ip_protocol="icmp", from_port=256,
                                                       to_port=1))
    await bad(api, "POST", R, 400, "not a valid IP network",
              **rule(ip_protocol="tcp", from_port=1, to_port=2, cidr="10.0.0.300/8"))
    await bad(api, "POST", R, 400, "Not enough parameters", **rule())
    await api.ok("POST", R, **rule(ip_protocol="tcp", from_port=80, to_port=80))
    await bad(api, "POST", R, 400, "already exists",
              **rule(ip_protocol="tcp", from_port=80, to_port=80))
    await bad(api, "DELETE", f"{R}/not-a-uuid", 400)
    before = (await api.ok("GET", f"{G}/{sg['id']}"))["security_group"]["rules"]
    assert len(before) == 1            # none of the refusals left a rule
