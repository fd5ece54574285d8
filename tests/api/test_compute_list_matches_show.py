"""GET /servers/detail shows each server as GET /servers/{id} does (2.71's server_groups
aside, which only the single server shows): with and without ports, security groups from
the ports or from the request, metadata, tags, addresses."""

from __future__ import annotations

from tests.api.test_compute_networking import network
from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import Api

C = "/compute/v2.1"
S = f"{C}/servers"
V = {"OpenStack-API-Version": "compute 2.96"}


async def test_list_entries_equal_the_single_server(api: Api) -> None:
    img, flv = await image_id(api), await flavor_id(api)
    net, _ = await network(api, "listnet", "192.168.81.0/24")
    sg = (await api.ok("POST", "/networking/v2.0/security-groups", 201, json={
        "security_group": {"name": "web"}}))["security_group"]
    with_port = (await create(api, img, flv, name="with-port", networks=[{"uuid": net}],
                              security_groups=[{"name": "web"}],
                              metadata={"k": "v"}))["server"]["id"]
    without = (await api.ok("POST", S, 202, headers=V, json={"server": {
        "name": "no-port", "imageRef": img, "flavorRef": flv, "networks": "none",
        "tags": ["t1"]}}))["server"]["id"]
    for sid in (with_port, without):
        await wait(api, sid, "ACTIVE")
    listed = {s["id"]: s for s in (await api.ok("GET", f"{S}/detail", headers=V))["servers"]}
    for sid in (with_port, without):
        shown = (await api.ok("GET", f"{S}/{sid}", headers=V))["server"]
        shown.pop("server_groups")
        assert listed[sid] == shown
    assert listed[with_port]["security_groups"] == [{"name": sg["name"]}]
    assert listed[with_port]["addresses"]["listnet"][0]["addr"].startswith("192.168.81.")
    assert listed[with_port]["metadata"] == {"k": "v"}
    assert listed[without]["addresses"] == {} and listed[without]["tags"] == ["t1"]
    assert listed[without]["security_groups"] == [{"name": "default"}]
