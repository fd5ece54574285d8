"""Security groups and rules as Neutron serves them: the project's default group and its
four rules, Neutron's checks and messages for bad rules, duplicates, groups in use."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

N = "/networking/v2.0"


def fault(r: Any, status: int, type_: str, text: str = "") -> None:
    assert r.status_code == status, r.text
    err = r.json()["NeutronError"]
    assert err["type"] == type_, err
    assert text in err["message"], err


async def make_group(api: Api, name: str = "web", token: str | None = None) -> dict[str, Any]:
    body = await api.ok("POST", f"{N}/security-groups", 201, token,
                        json={"security_group": {"name": name, "description": "d"}})
    return body["security_group"]


async def add_rule(api: Api, group_id: str, **kw: Any) -> Any:
    rule = {"security_group_id": group_id, "direction": "ingress", **kw}
    return await api.req("POST", f"{N}/security-group-rules",
                         json={"security_group_rule": rule})


async def test_default_group_made_once_with_neutrons_rules(api: Api) -> None:
    groups = (await api.ok("GET", f"{N}/security-groups"))["security_groups"]
    again = (await api.ok("GET", f"{N}/security-groups"))["security_groups"]
    assert [g["id"] for g in groups] == [g["id"] for g in again]
    [default] = [g for g in groups if g["name"] == "default"]
    assert default["stateful"] is True and default["description"] == "Default security group"
    rules = {(r["direction"], r["ethertype"], r["remote_group_id"])
             for r in default["security_group_rules"]}
    assert rules == {("egress", "IPv4", None), ("egress", "IPv6", None),
                     ("ingress", "IPv4", default["id"]), ("ingress", "IPv6", default["id"])}
    assert all(r["belongs_to_default_sg"] for r in default["security_group_rules"])
    r = await api.req("DELETE", f"{N}/security-groups/{default['id']}",
                      token=await _demo_token(api))
    assert r.status_code == 404   # another project's group is invisible
    demo = await _demo_token(api)
    demo_default = [g for g in (await api.ok("GET", f"{N}/security-groups", token=demo))[
        "security_groups"] if g["name"] == "default"][0]
    r = await api.req("DELETE", f"{N}/security-groups/{demo_default['id']}", token=demo)
    fault(r, 409, "SecurityGroupCannotRemoveDefault", "Removing default security group not "
          "allowed.")
    r = await api.req("PUT", f"{N}/security-groups/{demo_default['id']}", token=demo,
                      json={"security_group": {"name": "other"}})
    fault(r, 409, "SecurityGroupCannotUpdateDefault")


async def _demo_token(api: Api) -> str:
    if not hasattr(api, "_demo"):
        await api.make_user("sgdemo", "pw", "demo")
        api._demo = await api.token("sgdemo", "pw", "demo")  # type: ignore[attr-defined]
    return str(api._demo)  # type: ignore[attr-defined]


async def test_group_crud_and_rules_inside(api: Api) -> None:
    g = await make_group(api)
    assert {(r["direction"], r["ethertype"]) for r in g["security_group_rules"]} == {
        ("egress", "IPv4"), ("egress", "IPv6")}
    r = await add_rule(api, g["id"], protocol="tcp", port_range_min=22, port_range_max=22,
                       remote_ip_prefix="10.0.0.7")
    assert r.status_code == 201, r.text
    rule = r.json()["security_group_rule"]
    assert rule["remote_ip_prefix"] == "10.0.0.7/32" and rule["normalized_cidr"] == "10.0.0.7/32"
    assert rule["protocol"] == "tcp" and rule["belongs_to_default_sg"] is False
    shown = (await api.ok("GET", f"{N}/security-groups/{g['id']}"))["security_group"]
    assert rule["id"] in [x["id"] for x in shown["security_group_rules"]]
    upd = await api.ok("PUT", f"{N}/security-groups/{g['id']}",
                       json={"security_group": {"name": "web2", "description": "new"}})
    assert upd["security_group"]["name"] == "web2"
    assert upd["security_group"]["revision_number"] == 1
    r = await api.req("POST", f"{N}/security-groups",
                      json={"security_group": {"name": "Default"}})
    fault(r, 409, "SecurityGroupDefaultAlreadyExists")
    r = await api.req("POST", f"{N}/security-groups",
                      json={"security_group": {"name": "x", "bogus": 1}})
    fault(r, 400, "HTTPBadRequest", "Unrecognized attribute(s) 'bogus'")
    filtered = await api.ok("GET", f"{N}/security-groups?name=web2&fields=id&fields=name")
    assert filtered["security_groups"] == [{"id": g["id"], "name": "web2"}]
    await api.ok("DELETE", f"{N}/security-group-rules/{rule['id']}", 204)
    r = await api.req("GET", f"{N}/security-group-rules/{rule['id']}")
    fault(r, 404, "SecurityGroupRuleNotFound")
    await api.ok("DELETE", f"{N}/security-groups/{g['id']}", 204)
    fault(await api.req("GET", f"{N}/security-groups/{g['id']}"), 404, "SecurityGroupNotFound",
          f"Security group {g['id']} does not exist")


@pytest.mark.parametrize(("rule", "type_", "text"), [
    ({"protocol": "tcp", "port_range_min": 80, "port_range_max": 79},
     "SecurityGroupInvalidPortRange",
     "For TCP/UDP protocols, port_range_min must be <= port_range_max"),
    ({"protocol": "udp", "port_range_min": 0, "port_range_max": 10},
     "SecurityGroupInvalidPortValue", "Invalid value for port 0"),
    ({"protocol": "tcp", "port_range_min": 70000, "port_range_max": 70000},
     "SecurityGroupInvalidPortValue", "Invalid value for port 70000"),
    ({"protocol": "icmp", "port_range_min": 256},
     "SecurityGroupInvalidIcmpValue",
     "Invalid value for ICMP type (port_range_min) 256. It must be 0 to 255."),
    ({"protocol": "icmp", "port_range_min": 8, "port_range_max": 300},
     "SecurityGroupInvalidIcmpValue", "Invalid value for ICMP code (port_range_max) 300"),
    ({"protocol": "icmp", "port_range_max": 0},
     "SecurityGroupMissingIcmpType",
     "ICMP code (port-range-max) 0 is provided but ICMP type (port-range-min) is missing."),
    ({"port_range_min": 22, "port_range_max": 22},
     "SecurityGroupProtocolRequiredWithPorts", "Must also specify protocol if port range"),
    ({"protocol": "gre", "port_range_min": 1, "port_range_max": 2},
     "SecurityGroupInvalidProtocolForPort",
     "Ports cannot be specified for protocol 47. Ports are only supported for TCP, UDP"),
    ({"protocol": "bogus"}, "SecurityGroupRuleInvalidProtocol",
     "Security group rule protocol bogus not supported."),
    ({"protocol": "256"}, "SecurityGroupRuleInvalidProtocol", "protocol 256 not supported"),
    ({"ethertype": "IPv5"}, "SecurityGroupRuleInvalidEtherType",
     "Security group rule for ethertype 'IPv5' not supported."),
    ({"ethertype": "IPv6", "remote_ip_prefix": "10.0.0.0/8"},
     "SecurityGroupRuleParameterConflict", "Conflicting value ethertype IPv6 for CIDR "
     "10.0.0.0/8"),
    ({"remote_ip_prefix": "10.0.0.0/33"}, "InvalidCIDR",
     "Invalid CIDR 10.0.0.0/33 given as IP prefix."),
    ({"protocol": "ipv6-icmp", "ethertype": "IPv4"},
     "SecurityGroupEthertypeConflictWithProtocol",
     "Invalid ethertype IPv4 for protocol ipv6-icmp."),
])
async def test_bad_rules(api: Api, rule: dict[str, Any], type_: str, text: str) -> None:
    g = await make_group(api)
    fault(await add_rule(api, g["id"], **rule), 400, type_, text)
    shown = (await api.ok("GET", f"{N}/security-groups/{g['id']}"))["security_group"]
    assert len(shown["security_group_rules"]) == 2     # nothing half created


async def test_rule_forms_duplicates_and_remote_groups(api: Api) -> None:
    g = await make_group(api)
    r = await add_rule(api, g["id"], protocol="6", port_range_min=1, port_range_max=65535)
    assert r.status_code == 201, r.text
    whole = r.json()["security_group_rule"]
    assert whole["protocol"] == "6" and whole["port_range_min"] is None   # whole range = none
    r = await add_rule(api, g["id"], protocol="tcp")
    fault(r, 409, "SecurityGroupRuleExists",
          f"Security group rule already exists. Rule id is {whole['id']}.")
    r = await add_rule(api, g["id"], protocol="ICMP", ethertype="ipv6")
    assert r.status_code == 201, r.text
    assert r.json()["security_group_rule"]["protocol"] == "ipv6-icmp"
    assert r.json()["security_group_rule"]["ethertype"] == "IPv6"
    r = await add_rule(api, g["id"], protocol="any", remote_ip_prefix="0.0.0.0/0")
    assert r.status_code == 201 and r.json()["security_group_rule"]["protocol"] is None
    fault(await add_rule(api, g["id"]), 409, "SecurityGroupRuleExists")   # 0.0.0.0/0 == none
    missing = "1b2d6a43-7d0e-4f38-9e25-0f9dbb4c2a11"
    fault(await add_rule(api, g["id"], remote_group_id=missing), 404,
          "SecurityGroupNotFound")
    fault(await add_rule(api, missing), 404, "SecurityGroupNotFound")
    fault(await add_rule(api, g["id"], remote_group_id="bad_group_id"), 404,
          "SecurityGroupNotFound")     # no UUID check in Neutron: simply not found
    fault(await add_rule(api, g["id"], remote_group_id=g["id"], remote_ip_prefix="10.0.0.0/8"),
          400, "SecurityGroupMultipleRemoteEntites")
    other = await make_group(api, "db")
    r = await add_rule(api, other["id"], protocol="tcp", port_range_min=5432,
                       port_range_max=5432, remote_group_id=g["id"])
    assert r.status_code == 201
    rid = r.json()["security_group_rule"]["id"]
    listed = await api.ok("GET", f"{N}/security-group-rules?security_group_id={other['id']}"
                          "&sort_key=direction&sort_dir=asc")
    assert [x["direction"] for x in listed["security_group_rules"]] == ["egress", "egress",
                                                                        "ingress"]
    await api.ok("DELETE", f"{N}/security-groups/{g['id']}", 204)
    # a rule whose remote group is deleted goes with it, as in Neutron
    fault(await api.req("GET", f"{N}/security-group-rules/{rid}"), 404,
          "SecurityGroupRuleNotFound")


async def test_group_in_use_by_a_port(api: Api) -> None:
    g = await make_group(api)
    net = (await api.ok("POST", f"{N}/networks", 201,
                        json={"network": {"name": "sgnet"}}))["network"]
    port = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": net["id"], "security_groups": [g["id"]]}}))["port"]
    assert port["security_groups"] == [g["id"]]
    fault(await api.req("DELETE", f"{N}/security-groups/{g['id']}"), 409,
          "SecurityGroupInUse", f"Security Group {g['id']} in use.")
    r = await api.req("POST", f"{N}/ports", json={"port": {
        "network_id": net["id"], "security_groups": ["1b2d6a43-7d0e-4f38-9e25-0f9dbb4c2a11"]}})
    fault(r, 404, "SecurityGroupNotFound")
    await api.ok("DELETE", f"{N}/ports/{port['id']}", 204)
    await api.ok("DELETE", f"{N}/security-groups/{g['id']}", 204)


async def test_quota(api: Api) -> None:
    pid = await api.project_id("admin")
    await api.ok("PUT", f"{N}/quotas/{pid}", json={"quota": {"security_group": 2}})
    await make_group(api, "one")      # with default: 2
    r = await api.req("POST", f"{N}/security-groups",
                      json={"security_group": {"name": "two"}})
    fault(r, 409, "OverQuota", "security_group")
