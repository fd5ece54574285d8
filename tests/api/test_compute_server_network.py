"""A server's network side through the compute API, on the fake driver: os-interface,
addSecurityGroup/removeSecurityGroup with os-security-groups, addFloatingIp/removeFloatingIp."""

from __future__ import annotations

import asyncio
from typing import Any

import jsonschema

from tests.api.compute_schemas import tempest
from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import Api

N = "/networking/v2.0"
S = "/compute/v2.1/servers"


def check(module: str, name: str, body: Any, status: int) -> None:
    """Tempest's response schema, with formats checked as Tempest does (its ip_address is a
    oneOf of the ipv4 and ipv6 formats: without a format checker nothing could match)."""
    schema = tempest(module, name)
    assert status in schema["status_code"]
    jsonschema.Draft4Validator(schema["response_body"],
                               format_checker=jsonschema.FormatChecker()).validate(body)


def mv(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


async def network(api: Api, name: str, cidr: str) -> tuple[str, str]:
    net = (await api.ok("POST", f"{N}/networks", 201, json={"network": {
        "name": name}}))["network"]
    sub = (await api.ok("POST", f"{N}/subnets", 201, json={"subnet": {
        "network_id": net["id"], "cidr": cidr, "ip_version": 4}}))["subnet"]
    return str(net["id"]), str(sub["id"])


async def server(api: Api, net: str) -> dict[str, Any]:
    img, flv = await image_id(api), await flavor_id(api)
    srv = (await create(api, img, flv, networks=[{"uuid": net}]))["server"]
    return await wait(api, srv["id"], "ACTIVE")


def driver_nics(api: Api, sid: str) -> list[str]:
    for agent in api.node.host.agents:
        if sid in agent.driver.instances:
            return [n["port_id"] for n in agent.driver.nics.get(sid, [])]
    raise AssertionError(f"no fake host has {sid}")


async def drain(api: Api) -> None:
    await api.node.controller.conductor.drain()


async def actions_of(api: Api, sid: str) -> dict[str, dict[str, Any]]:
    found = (await api.ok("GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]
    out = {}
    for a in found:
        one = (await api.ok("GET", f"{S}/{sid}/os-instance-actions/{a['request_id']}",
                            headers=mv("2.51")))["instanceAction"]
        out.setdefault(a["action"], one)
    return out


async def test_attach_list_show_detach(api: Api) -> None:
    net, sub = await network(api, "ifnet", "192.168.90.0/24")
    srv = await server(api, net)
    sid = srv["id"]
    listed = await api.ok("GET", f"{S}/{sid}/os-interface")
    check("interfaces", "list_interfaces", listed, 200)
    [first] = listed["interfaceAttachments"]
    assert first["net_id"] == net and first["port_state"] == "ACTIVE"
    assert first["fixed_ips"][0]["subnet_id"] == sub
    # the boot NIC reaches the driver in the spawn's spec (when the host plugs ports)
    boot = driver_nics(api, sid)
    assert boot in ([], [first["port_id"]])

    # by network, with a fixed address and a tag (2.49)
    r = await api.req("POST", f"{S}/{sid}/os-interface", headers=mv("2.49"), json={
        "interfaceAttachment": {"net_id": net, "tag": "nic2",
                                "fixed_ips": [{"ip_address": "192.168.90.77"}]}})
    assert r.status_code == 200, r.text
    by_net = r.json()["interfaceAttachment"]
    check("interfaces", "get_create_interfaces", r.json(), 200)
    assert by_net["fixed_ips"] == [{"subnet_id": sub, "ip_address": "192.168.90.77"}]
    port = (await api.ok("GET", f"{N}/ports/{by_net['port_id']}"))["port"]
    assert port["device_id"] == sid and port["device_owner"].startswith("compute:")
    assert port["binding:host_id"] == srv["OS-EXT-SRV-ATTR:host"]
    assert port["security_groups"], "a port made for the server gets its groups"

    # by a port the user made
    given = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": net}}))["port"]
    by_port = (await api.ok("POST", f"{S}/{sid}/os-interface", json={
        "interfaceAttachment": {"port_id": given["id"]}}))["interfaceAttachment"]
    assert by_port["port_id"] == given["id"] and by_port["mac_addr"] == given["mac_address"]
    assert driver_nics(api, sid) == [*boot, by_net["port_id"], given["id"]]
    shown = await api.ok("GET", f"{S}/{sid}/os-interface/{by_net['port_id']}",
                         headers=mv("2.70"))
    assert shown["interfaceAttachment"]["tag"] == "nic2"
    plain = await api.ok("GET", f"{S}/{sid}/os-interface/{by_net['port_id']}")
    assert "tag" not in plain["interfaceAttachment"]
    all3 = (await api.ok("GET", f"{S}/{sid}/os-interface"))["interfaceAttachments"]
    assert {i["port_id"] for i in all3} == {first["port_id"], by_net["port_id"], given["id"]}
    addrs = (await api.ok("GET", f"{S}/{sid}"))["server"]["addresses"]["ifnet"]
    assert len(addrs) == 3

    # detach: the port Nova made goes away, the user's is only unbound
    await api.ok("DELETE", f"{S}/{sid}/os-interface/{by_net['port_id']}", 202)
    await api.ok("DELETE", f"{S}/{sid}/os-interface/{given['id']}", 202)
    await drain(api)
    assert (await api.req("GET", f"{N}/ports/{by_net['port_id']}")).status_code == 404
    kept = (await api.ok("GET", f"{N}/ports/{given['id']}"))["port"]
    assert kept["device_id"] == "" and kept["binding:host_id"] == ""
    assert driver_nics(api, sid) == boot
    acts = await actions_of(api, sid)
    for name, event in (("attach_interface", "compute_attach_interface"),
                        ("detach_interface", "compute_detach_interface")):
        assert [(e["event"], e["result"]) for e in acts[name]["events"]] == \
            [(event, "Success")], acts[name]

    # the port given later is not deleted with the server either
    again = (await api.ok("POST", f"{S}/{sid}/os-interface", json={
        "interfaceAttachment": {"port_id": given["id"]}}))["interfaceAttachment"]
    assert again["port_id"] == given["id"]
    await api.ok("DELETE", f"{S}/{sid}", 204)
    await wait(api, sid, "DELETED")
    kept = (await api.ok("GET", f"{N}/ports/{given['id']}"))["port"]
    assert kept["device_id"] == ""
    assert (await api.req("GET", f"{N}/ports/{first['port_id']}")).status_code == 404


async def test_attach_refusals(api: Api) -> None:
    net, _ = await network(api, "badnet", "192.168.91.0/24")
    srv = await server(api, net)
    sid, url = srv["id"], f"{S}/{srv['id']}/os-interface"
    busy = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": net, "device_id": "someone-else"}}))["port"]
    missing = "5a4b7a52-0000-4000-8000-000000000000"
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"port_id": busy["id"], "net_id": net}, 400, "Must not input both"),
        ({"fixed_ips": [{"ip_address": "192.168.91.9"}]}, 400, "Must input network_id"),
        ({"net_id": missing}, 404, f"Network {missing} could not be found"),
        ({"port_id": missing}, 404, f"Port id {missing} could not be found"),
        ({"port_id": busy["id"]}, 409, "is still in use"),
        ({"net_id": "not-a-uuid"}, 400, ""),
        ({"net_id": net, "tag": "x"}, 400, ""),          # tag only from 2.49
        ({"net_id": net, "fixed_ips": [{"ip_address": "10.0.0.1"}]}, 400, "not a valid IP"),
        ({"net_id": net, "fixed_ips": [{"ip_address": srv["addresses"]["badnet"][0]["addr"]}]},
         409, "already in use"),
    ]
    for body, status, text in cases:
        r = await api.req("POST", url, json={"interfaceAttachment": body})
        assert r.status_code == status, (body, r.text)
        assert text in r.text, (body, r.text)
    r = await api.req("DELETE", f"{url}/{busy['id']}")
    assert r.status_code == 404 and "is not attached" in r.text, r.text
    r = await api.req("GET", f"{url}/{busy['id']}")
    assert r.status_code == 404, r.text
    r = await api.req("GET", f"{S}/{missing}/os-interface")
    assert r.status_code == 404 and "itemNotFound" in r.text, r.text

    # the host fails the hot-plug: 500, and the port made for it is gone again
    agent = next(a for a in api.node.host.agents if sid in a.driver.instances)
    agent.driver.faults["attach_interface"] = "fail"
    try:
        r = await api.req("POST", url, json={"interfaceAttachment": {"net_id": net}})
    finally:
        agent.driver.faults.pop("attach_interface")
    assert r.status_code == 500 and "Failed to attach network adapter" in r.text, r.text
    ports = (await api.ok("GET", f"{N}/ports?device_id={sid}"))["ports"]
    assert len(ports) == 1
    acts = await actions_of(api, sid)
    assert acts["attach_interface"]["events"][0]["result"] == "Error"

    # wrong state: an ERROR server (only ACTIVE, PAUSED, SHUTOFF may change NICs)
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"os-resetState": {"state": "error"}})
    r = await api.req("POST", url, json={"interfaceAttachment": {"net_id": net}})
    assert r.status_code == 409 and "while it is in vm_state error" in r.text, r.text
    r = await api.req("DELETE", f"{url}/{ports[0]['id']}")
    assert r.status_code == 409, r.text
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"os-resetState": {"state": "active"}})
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"os-stop": None})
    await wait(api, sid, "SHUTOFF")
    await api.ok("POST", url, json={"interfaceAttachment": {"net_id": net}})   # SHUTOFF: ok


async def test_security_groups_follow_ports(api: Api) -> None:
    net, _ = await network(api, "sgnet", "192.168.92.0/24")
    srv = await server(api, net)
    sid = srv["id"]
    assert srv["security_groups"] == [{"name": "default"}]
    web = (await api.ok("POST", f"{N}/security-groups", 201, json={"security_group": {
        "name": "web"}}))["security_group"]
    await api.ok("POST", f"{N}/security-group-rules", 201, json={"security_group_rule": {
        "security_group_id": web["id"], "direction": "ingress", "protocol": "tcp",
        "port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "10.0.0.0/8"}})
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"addSecurityGroup": {"name": "web"}})
    [port] = (await api.ok("GET", f"{N}/ports?device_id={sid}"))["ports"]
    assert web["id"] in port["security_groups"] and len(port["security_groups"]) == 2
    shown = (await api.ok("GET", f"{S}/{sid}"))["server"]
    assert sorted(g["name"] for g in shown["security_groups"]) == ["default", "web"]
    listed = await api.ok("GET", f"{S}/{sid}/os-security-groups")
    check("security_groups", "list_security_groups", listed, 200)
    groups = {g["name"]: g for g in listed["security_groups"]}
    assert set(groups) == {"default", "web"}
    [rule] = groups["web"]["rules"]     # ingress only: the egress defaults are not shown
    assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 80, 80)
    assert rule["ip_range"] == {"cidr": "10.0.0.0/8"} and rule["group"] == {}
    # the default group's ingress rules name their remote group
    assert all(r["group"].get("name") == "default" for r in groups["default"]["rules"])

    r = await api.req("POST", f"{S}/{sid}/action", json={"addSecurityGroup": {"name": "web"}})
    assert r.status_code == 400 and "Duplicate" in r.text, r.text
    r = await api.req("POST", f"{S}/{sid}/action", json={"addSecurityGroup": {"name": "nope"}})
    assert r.status_code == 404 and "Security group nope is not found" in r.text, r.text
    r = await api.req("POST", f"{S}/{sid}/action", json={"addSecurityGroup": {"name": " "}})
    assert r.status_code == 400, r.text
    r = await api.req("POST", f"{S}/{sid}/action", json={"addSecurityGroup": {}})
    assert r.status_code == 400, r.text

    # a change made through Neutron shows in the server view too
    await api.ok("PUT", f"{N}/ports/{port['id']}", json={"port": {
        "security_groups": [web["id"]]}})
    shown = (await api.ok("GET", f"{S}/{sid}"))["server"]
    assert shown["security_groups"] == [{"name": "web"}]
    await api.ok("POST", f"{S}/{sid}/action", 202, json={"removeSecurityGroup": {
        "name": web["id"]}})
    r = await api.req("POST", f"{S}/{sid}/action", json={"removeSecurityGroup": {
        "name": "web"}})
    assert r.status_code == 404 and "not associated with the instance" in r.text, r.text
    shown = (await api.ok("GET", f"{S}/{sid}"))["server"]
    assert "security_groups" not in shown          # no group left: Nova leaves it out
    detail = (await api.ok("GET", f"{S}/detail"))["servers"]
    assert "security_groups" not in next(s for s in detail if s["id"] == sid)

    # a server without ports has nothing to add a group to
    img, flv = await image_id(api), await flavor_id(api)
    bare = (await api.ok("POST", S, 202, headers=mv("2.37"), json={"server": {
        "name": "bare", "imageRef": img, "flavorRef": flv, "networks": "none"}}))["server"]
    await wait(api, bare["id"], "ACTIVE")
    r = await api.req("POST", f"{S}/{bare['id']}/action", json={
        "addSecurityGroup": {"name": "web"}})
    assert r.status_code == 404 and "could not be found as device id" in r.text, r.text


async def test_floating_ip_actions(api: Api) -> None:
    net, sub = await network(api, "fipnet", "192.168.93.0/24")
    public = (await api.ok("GET", f"{N}/networks?name=public"))["networks"][0]
    router = (await api.ok("POST", f"{N}/routers", 201, json={"router": {
        "name": "r", "external_gateway_info": {"network_id": public["id"]}}}))["router"]
    await api.ok("PUT", f"{N}/routers/{router['id']}/add_router_interface",
                 json={"subnet_id": sub})
    fip = (await api.ok("POST", f"{N}/floatingips", 201, json={"floatingip": {
        "floating_network_id": public["id"]}}))["floatingip"]
    address = fip["floating_ip_address"]
    srv = await server(api, net)
    sid, url = srv["id"], f"{S}/{srv['id']}/action"
    fixed = srv["addresses"]["fipnet"][0]["addr"]

    r = await api.req("POST", url, headers=mv("2.44"), json={"addFloatingIp": {
        "address": address}})
    assert r.status_code == 404, r.text                 # gone from 2.44
    r = await api.req("POST", url, headers=mv("2.43"), json={"addFloatingIp": {
        "address": address, "fixed_address": "192.168.93.250"}})
    assert r.status_code == 400 and "not assigned to instance" in r.text, r.text
    r = await api.req("POST", url, json={"addFloatingIp": {"address": "203.0.113.99"}})
    assert r.status_code == 404, r.text
    r = await api.req("POST", url, json={"addFloatingIp": {"address": "nonsense"}})
    assert r.status_code == 400, r.text
    await api.ok("POST", url, 202, headers=mv("2.43"), json={"addFloatingIp": {
        "address": address}})
    shown = (await api.ok("GET", f"{N}/floatingips/{fip['id']}"))["floatingip"]
    assert shown["fixed_ip_address"] == fixed and shown["status"] == "ACTIVE"
    addrs = (await api.ok("GET", f"{S}/{sid}"))["server"]["addresses"]["fipnet"]
    assert {"floating"} == {a["OS-EXT-IPS:type"] for a in addrs if a["addr"] == address}

    r = await api.req("POST", url, headers=mv("2.44"), json={"removeFloatingIp": {
        "address": address}})
    assert r.status_code == 404, r.text
    await api.ok("POST", url, 202, json={"removeFloatingIp": {"address": address}})
    shown = (await api.ok("GET", f"{N}/floatingips/{fip['id']}"))["floatingip"]
    assert shown["port_id"] is None and shown["fixed_ip_address"] is None
    r = await api.req("POST", url, json={"removeFloatingIp": {"address": address}})
    assert r.status_code == 409 and "is not associated with instance" in r.text, r.text
    r = await api.req("POST", url, json={"removeFloatingIp": {"address": "203.0.113.99"}})
    assert r.status_code == 404, r.text


async def test_attach_waits_for_vif_plugged(api: Api) -> None:
    """With a dataplane that reports plugs, the attach answers once network-vif-plugged has
    come for the new port; without it in time, the attach fails and leaves no port."""
    net, _ = await network(api, "plugnet", "192.168.94.0/24")
    srv = await server(api, net)
    sid = srv["id"]
    rt = api.node.controller.compute.parts
    rt.servers.networking.vif_events = True
    rt.interfaces.vif_plugging_timeout = 5.0
    try:
        call = asyncio.create_task(api.req("POST", f"{S}/{sid}/os-interface", json={
            "interfaceAttachment": {"net_id": net}}))
        new: dict[str, Any] = {}
        for _ in range(200):
            ports = (await api.ok("GET", f"{N}/ports?device_id={sid}"))["ports"]
            new = next((p for p in ports if p["status"] == "DOWN"), {})
            if new:
                break
            await asyncio.sleep(0.02)
        assert new, "the new port is DOWN until its plug is reported"
        assert not call.done()
        await api.ok("POST", "/compute/v2.1/os-server-external-events", 200, json={
            "events": [{"name": "network-vif-plugged", "server_uuid": sid,
                        "tag": new["id"], "status": "completed"}]})
        r = await asyncio.wait_for(call, 10)
        assert r.status_code == 200, r.text
        assert r.json()["interfaceAttachment"]["port_id"] == new["id"]
        assert new["id"] in driver_nics(api, sid)

        rt.interfaces.vif_plugging_timeout = 0.2      # no event comes this time
        r = await api.req("POST", f"{S}/{sid}/os-interface", json={
            "interfaceAttachment": {"net_id": net}})
        assert r.status_code == 500, r.text
        assert len((await api.ok("GET", f"{N}/ports?device_id={sid}"))["ports"]) == 2
    finally:
        rt.servers.networking.vif_events = False
        rt.interfaces.vif_plugging_timeout = 300.0
