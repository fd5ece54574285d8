"""Cross-project holes (issue 20): what one project may not write into another's resources.

Each test here is a regression test: on e327a18 the refused request was accepted (or the
other project's port was taken for a NIC of the server)."""

from __future__ import annotations

from typing import Any

from nubo.compute.service.networking import ComputeNetworking
from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import Api

N = "/networking/v2.0"
S = "/compute/v2.1/servers"


async def demo(api: Api, name: str = "xp-member") -> str:
    """A token of a plain member of project demo."""
    await api.make_user(name, project="demo")
    return await api.token(name, "pw", "demo")


async def net_by_name(api: Api, name: str) -> dict[str, Any]:
    [net] = (await api.ok("GET", f"{N}/networks?name={name}"))["networks"]
    return dict(net)


async def admin_net(api: Api) -> str:
    net = (await api.ok("POST", f"{N}/networks", 201, json={"network": {
        "name": "admin-net"}}))["network"]
    await api.ok("POST", f"{N}/subnets", 201, json={"subnet": {
        "network_id": net["id"], "cidr": "10.77.0.0/24", "ip_version": 4}})
    return str(net["id"])


async def admin_server(api: Api) -> dict[str, Any]:
    img, flv = await image_id(api), await flavor_id(api)
    net = await admin_net(api)
    srv = (await create(api, img, flv, networks=[{"uuid": net}]))["server"]
    return await wait(api, srv["id"], "ACTIVE")


def neutron_type(r: Any) -> str:
    return str(r.json()["NeutronError"]["type"])


async def test_foreign_server_device_id_is_no_nic_of_that_server(api: Api) -> None:
    """A port of demo's with device_id = admin's server (by POST and by PUT) is not a NIC of
    admin's server: not in os-interface nor addresses, and deleting the server leaves it."""
    tok = await demo(api)
    srv = await admin_server(api)
    sid = srv["id"]
    private = await net_by_name(api, "private")
    made = (await api.ok("POST", f"{N}/ports", 201, token=tok, json={"port": {
        "network_id": private["id"], "device_id": sid,
        "device_owner": "compute:nova"}}))["port"]
    other = (await api.ok("POST", f"{N}/ports", 201, token=tok, json={"port": {
        "network_id": private["id"]}}))["port"]
    await api.ok("PUT", f"{N}/ports/{other['id']}", 200, token=tok, json={"port": {
        "device_id": sid, "device_owner": "compute:nova"}})
    mine = {made["id"], other["id"]}

    listed = (await api.ok("GET", f"{S}/{sid}/os-interface"))["interfaceAttachments"]
    assert mine.isdisjoint({a["port_id"] for a in listed}), listed
    for pid in mine:
        r = await api.req("GET", f"{S}/{sid}/os-interface/{pid}")
        assert r.status_code == 404, r.text
    shown = (await api.ok("GET", f"{S}/{sid}"))["server"]
    assert "private" not in shown["addresses"], shown["addresses"]
    detail = (await api.ok("GET", f"{S}/detail"))["servers"]
    assert all("private" not in s["addresses"] for s in detail)
    # nor does the metadata service take the port's address for admin's server (it would
    # hand demo's guest admin's user data and keys)
    glue = ComputeNetworking(api.node.controller.db)
    addr = made["fixed_ips"][0]["ip_address"]
    assert await glue.resolve(addr, private["id"], None) is None
    # detaching it through admin's server is refused: it is not attached
    r = await api.req("DELETE", f"{S}/{sid}/os-interface/{made['id']}")
    assert r.status_code == 404, r.text

    await api.ok("DELETE", f"{S}/{sid}", 204)
    await wait(api, sid, "DELETED")
    await api.node.controller.conductor.drain()
    for pid in mine:
        port = (await api.ok("GET", f"{N}/ports/{pid}", token=tok))["port"]
        assert port["device_id"] == sid


async def test_device_id_of_another_projects_router_is_refused(api: Api) -> None:
    """Neutron's DeviceIDNotOwnedByTenant (409), on create and on update."""
    tok = await demo(api)
    router = (await api.ok("POST", f"{N}/routers", 201, json={"router": {
        "name": "admin-router"}}))["router"]
    private = await net_by_name(api, "private")
    before = (await api.ok("GET", f"{N}/ports?device_id={router['id']}"))["ports"]
    for owner in ("network:router_interface", "network:router_interface_distributed",
                  "network:ha_router_replicated_interface"):
        r = await api.req("POST", f"{N}/ports", tok, json={"port": {
            "network_id": private["id"], "device_id": router["id"], "device_owner": owner}})
        assert r.status_code == 409, r.text
        assert neutron_type(r) == "DeviceIDNotOwnedByTenant"
        assert r.json()["NeutronError"]["message"] == (
            f"The following device_id {router['id']} is not owned by your tenant or "
            "matches another tenants router.")
    port = (await api.ok("POST", f"{N}/ports", 201, token=tok, json={"port": {
        "network_id": private["id"]}}))["port"]
    r = await api.req("PUT", f"{N}/ports/{port['id']}", tok, json={"port": {
        "device_id": router["id"], "device_owner": "network:router_interface"}})
    assert r.status_code == 409 and neutron_type(r) == "DeviceIDNotOwnedByTenant", r.text
    # one key at a time: the other comes from the port as it is
    await api.ok("PUT", f"{N}/ports/{port['id']}", 200, token=tok, json={"port": {
        "device_id": router["id"]}})
    r = await api.req("PUT", f"{N}/ports/{port['id']}", tok, json={"port": {
        "device_owner": "network:router_interface"}})
    assert r.status_code == 409 and neutron_type(r) == "DeviceIDNotOwnedByTenant", r.text
    after = (await api.ok("GET", f"{N}/ports?device_id={router['id']}"))["ports"]
    assert [p for p in after if p["device_owner"].startswith("network:")] == \
        [p for p in before if p["device_owner"].startswith("network:")]
    # demo's own router is fine, and so is an admin
    own = (await api.ok("POST", f"{N}/routers", 201, token=tok, json={"router": {
        "name": "own"}}))["router"]
    await api.ok("POST", f"{N}/ports", 201, token=tok, json={"port": {
        "network_id": private["id"], "device_id": own["id"],
        "device_owner": "network:router_interface"}})
    await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": private["id"], "device_id": router["id"],
        "device_owner": "network:router_interface"}})


async def test_port_on_another_projects_unshared_network_is_403(api: Api) -> None:
    """Neutron's OwnershipValidationHook: not on admin's external `public`, nor on a network
    of admin's that demo cannot see (404); a shared one is fine."""
    tok = await demo(api)
    public = await net_by_name(api, "public")
    demo_pid = await api.project_id("demo")
    count = len((await api.ok("GET", f"{N}/ports?network_id={public['id']}"))["ports"])
    r = await api.req("POST", f"{N}/ports", tok, json={"port": {"network_id": public["id"]}})
    assert r.status_code == 403, r.text
    assert r.json()["NeutronError"] == {
        "type": "HTTPForbidden", "detail": "",
        "message": f"Tenant {demo_pid} not allowed to create port on this network"}
    r = await api.req("POST", f"{N}/ports", tok, json={"ports": [
        {"network_id": public["id"]}]})
    assert r.status_code == 403, r.text
    assert len((await api.ok("GET", f"{N}/ports?network_id={public['id']}"))["ports"]) \
        == count
    # a subnet on it is refused the same way, before policy
    r = await api.req("POST", f"{N}/subnets", tok, json={"subnet": {
        "network_id": public["id"], "cidr": "10.66.0.0/24", "ip_version": 4}})
    assert r.status_code == 403, r.text
    assert r.json()["NeutronError"]["message"] == \
        f"Tenant {demo_pid} not allowed to create subnet on this network"
    hidden = await admin_net(api)
    r = await api.req("POST", f"{N}/ports", tok, json={"port": {"network_id": hidden}})
    assert r.status_code == 404, r.text
    await api.ok("PUT", f"{N}/networks/{hidden}", 200, json={"network": {"shared": True}})
    await api.ok("POST", f"{N}/ports", 201, token=tok, json={"port": {"network_id": hidden}})


async def test_no_nic_on_a_non_shared_external_network(api: Api) -> None:
    """Nova's ExternalNetworkAttachForbidden (403) for a non-admin: booting on a port of
    `public` (made by the admin for demo), on `public` by id, or attaching either."""
    tok = await demo(api)
    public = await net_by_name(api, "public")
    demo_pid = await api.project_id("demo")
    port = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": public["id"], "project_id": demo_pid}}))["port"]
    img, flv = await image_id(api), await flavor_id(api)
    want = f"It is not allowed to create an interface on external network {public['id']}"
    for nets in ([{"port": port["id"]}], [{"uuid": public["id"]}]):
        r = await api.req("POST", S, tok, json={"server": {
            "name": "ext", "imageRef": img, "flavorRef": flv, "networks": nets}})
        assert r.status_code == 403, r.text
        assert r.json() == {"forbidden": {"code": 403, "message": want}}
    assert (await api.ok("GET", S, token=tok))["servers"] == []
    private = await net_by_name(api, "private")
    srv = (await create(api, img, flv, token=tok, networks=[{"uuid": private["id"]}]))
    sid = (await wait(api, srv["server"]["id"], "ACTIVE", token=tok))["id"]
    for body in ({"port_id": port["id"]}, {"net_id": public["id"]}):
        r = await api.req("POST", f"{S}/{sid}/os-interface", tok,
                          json={"interfaceAttachment": body})
        assert r.status_code == 403, r.text
        assert r.json()["forbidden"]["message"] == want
    listed = (await api.ok("GET", f"{S}/{sid}/os-interface", token=tok))
    assert [a["net_id"] for a in listed["interfaceAttachments"]] == [private["id"]]
    assert (await api.ok("GET", f"{N}/ports/{port['id']}"))["port"]["device_id"] == ""
