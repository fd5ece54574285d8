"""Nova's nova-network era proxies onto Neutron (/os-floating-ips, /os-floating-ip-pools,
/os-networks, /os-tenant-networks; 404 from 2.36, the removed operations 410) and
/extensions: Tempest's response schemas, Nova's refusals, both APIs on the same rows."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.test_compute_server_network import check, mv, network, server
from tests.conftest import Api

V = "/compute/v2.1"
F = f"{V}/os-floating-ips"
N = "/networking/v2.0"


async def fault(api: Api, method: str, path: str, status: int, text: str = "",
                token: str | None = None, **kw: Any) -> None:
    r = await api.req(method, path, token, **kw)
    assert r.status_code == status, r.text
    (body,) = r.json().values()
    assert body["code"] == status and text in body["message"], r.text


async def member(api: Api, name: str) -> tuple[str, str]:
    """A token of a member of a new project, and that project's id."""
    project = await api.make_project(name)
    await api.make_user(f"{name}-user", "pw", project=name)
    return await api.token(f"{name}-user", "pw", project=name), project["id"]


async def test_floating_ips_allocate_show_list_release(api: Api) -> None:
    public = (await api.ok("GET", f"{N}/networks?name=public"))["networks"][0]
    pools = await api.ok("GET", f"{V}/os-floating-ip-pools")
    assert {"name": "public"} in pools["floating_ip_pools"]
    body = await api.ok("POST", F, json={"pool": "public"})
    check("floating_ips", "create_get_floating_ip", body, 200)
    fip = body["floating_ip"]
    assert fip["pool"] == "public" and fip["instance_id"] is None and fip["fixed_ip"] is None
    neutron = (await api.ok("GET", f"{N}/floatingips/{fip['id']}"))["floatingip"]
    assert neutron["floating_ip_address"] == fip["ip"]
    assert neutron["floating_network_id"] == public["id"]
    shown = await api.ok("GET", f"{F}/{fip['id']}")
    check("floating_ips", "create_get_floating_ip", shown, 200)
    assert shown["floating_ip"] == fip
    listed = await api.ok("GET", F)
    check("floating_ips", "list_floating_ips", listed, 200)
    assert fip in listed["floating_ips"]
    # by id as pool, and with no pool at all (the default pool)
    by_id = (await api.ok("POST", F, json={"pool": public["id"]}))["floating_ip"]
    default = (await api.ok("POST", F))["floating_ip"]
    assert by_id["pool"] == default["pool"] == "public"
    for one in (fip, by_id, default):
        await api.ok("DELETE", f"{F}/{one['id']}", 202)
    await fault(api, "GET", f"{F}/{fip['id']}", 404, f"Floating IP not found for ID {fip['id']}")
    assert (await api.req("GET", f"{N}/floatingips/{fip['id']}")).status_code == 404


async def test_floating_ip_list_is_own_project_and_shows_instance(api: Api) -> None:
    token, _ = await member(api, "fipown")
    mine = (await api.ok("POST", F, token=token, json={"pool": "public"}))["floating_ip"]
    admins = (await api.ok("POST", F, json={"pool": "public"}))["floating_ip"]
    listed = (await api.ok("GET", F, token=token))["floating_ips"]
    assert [f["id"] for f in listed] == [mine["id"]]
    admin_ids = [f["id"] for f in (await api.ok("GET", F))["floating_ips"]]
    assert admins["id"] in admin_ids and mine["id"] not in admin_ids    # own project only
    await fault(api, "GET", f"{F}/{admins['id']}", 404, "Floating IP not found", token=token)
    await fault(api, "DELETE", f"{F}/{admins['id']}", 404, "Floating IP not found",
                token=token)
    # associated through the server action: instance_id and fixed_ip follow
    net, sub = await network(api, "fipproxy", "192.168.97.0/24")
    public = (await api.ok("GET", f"{N}/networks?name=public"))["networks"][0]
    router = (await api.ok("POST", f"{N}/routers", 201, json={"router": {
        "name": "r", "external_gateway_info": {"network_id": public["id"]}}}))["router"]
    await api.ok("PUT", f"{N}/routers/{router['id']}/add_router_interface",
                 json={"subnet_id": sub})
    srv = await server(api, net)
    await api.ok("POST", f"{V}/servers/{srv['id']}/action", 202,
                 json={"addFloatingIp": {"address": admins["ip"]}})
    shown = (await api.ok("GET", f"{F}/{admins['id']}"))["floating_ip"]
    assert shown["instance_id"] == srv["id"]
    assert shown["fixed_ip"] == srv["addresses"]["fipproxy"][0]["addr"]
    # release while associated: Nova disassociates and deletes in one call
    await api.ok("DELETE", f"{F}/{admins['id']}", 202)
    await api.ok("DELETE", f"{F}/{mine['id']}", 202, token=token)


async def test_floating_ip_refusals(api: Api) -> None:
    await fault(api, "POST", F, 404, "Floating IP pool not found.",
                json={"pool": "non_exist_pool"})
    await fault(api, "POST", F, 404, "Floating IP pool not found.",
                json={"pool": str(uuid.uuid4())})
    await fault(api, "POST", F, 400, json={"pool": 7})
    await fault(api, "POST", F, 400, json=[1])
    # a network that is not external is no pool
    net, _ = await network(api, "notapool", "192.168.98.0/24")
    await fault(api, "POST", F, 404, "Floating IP pool not found.", json={"pool": "notapool"})
    missing = str(uuid.uuid4())
    await fault(api, "GET", f"{F}/{missing}", 404, f"Floating IP not found for ID {missing}")
    await fault(api, "GET", f"{F}/nonsense", 404, "Floating IP not found for ID nonsense")
    await fault(api, "DELETE", f"{F}/{missing}", 404, "Floating IP not found")
    # over quota: a 403 naming the pool
    token, pid = await member(api, "fipquota")
    await api.ok("PUT", f"{N}/quotas/{pid}", json={"quota": {"floatingip": 0}})
    await fault(api, "POST", F, 403, "IP allocation over quota in pool public.",
                token=token, json={"pool": "public"})
    # from 2.36 the proxy is gone
    for path in (F, f"{F}/{missing}", f"{V}/os-floating-ip-pools"):
        await fault(api, "GET", path, 404, headers=mv("2.36"))
    await fault(api, "POST", F, 404, headers=mv("2.36"), json={"pool": "public"})
    assert (await api.req("GET", F, headers=mv("2.35"))).status_code == 200


async def test_floating_ips_exhausted_pool(api: Api) -> None:
    ext = (await api.ok("POST", f"{N}/networks", 201, json={"network": {
        "name": "tiny", "router:external": True}}))["network"]
    await api.ok("POST", f"{N}/subnets", 201, json={"subnet": {
        "network_id": ext["id"], "cidr": "198.51.100.0/30", "ip_version": 4,
        "enable_dhcp": False}})
    fip = (await api.ok("POST", F, json={"pool": "tiny"}))["floating_ip"]
    await fault(api, "POST", F, 404, "No more floating IPs in pool tiny.",
                json={"pool": "tiny"})
    await api.ok("DELETE", f"{F}/{fip['id']}", 202)


async def test_networks_and_tenant_networks(api: Api) -> None:
    token, _ = await member(api, "netview")
    own = (await api.ok("POST", f"{N}/networks", 201, token=token, json={"network": {
        "name": "mine"}}))["network"]
    other = (await api.ok("POST", f"{N}/networks", 201, json={"network": {
        "name": "admins"}}))["network"]
    nets = (await api.ok("GET", f"{V}/os-networks", token=token))["networks"]
    by_id = {n["id"]: n for n in nets}
    assert own["id"] in by_id and other["id"] not in by_id
    assert by_id[own["id"]]["label"] == "mine" and by_id[own["id"]]["cidr"] is None
    assert "bridge" not in by_id[own["id"]]            # admin-only fields
    shown = (await api.ok("GET", f"{V}/os-networks/{own['id']}", token=token))["network"]
    assert shown == by_id[own["id"]]
    admin_view = (await api.ok("GET", f"{V}/os-networks/{own['id']}"))["network"]
    assert "bridge" in admin_view and admin_view["label"] == "mine"
    await fault(api, "GET", f"{V}/os-networks/{other['id']}", 404, "Network not found",
                token=token)

    body = await api.ok("GET", f"{V}/os-tenant-networks", token=token)
    check("tenant_networks", "list_tenant_networks", body, 200)
    assert {"id": own["id"], "cidr": "None", "label": "mine"} in body["networks"]
    body = await api.ok("GET", f"{V}/os-tenant-networks/{own['id']}", token=token)
    check("tenant_networks", "get_tenant_network", body, 200)
    assert body["network"]["label"] == "mine"
    await fault(api, "GET", f"{V}/os-tenant-networks/{uuid.uuid4()}", 404,
                "Network not found", token=token)
    for path in (f"{V}/os-networks", f"{V}/os-tenant-networks",
                 f"{V}/os-networks/{own['id']}"):
        await fault(api, "GET", path, 404, headers=mv("2.36"))


async def test_removed_network_operations_are_gone(api: Api) -> None:
    nid = str(uuid.uuid4())
    for method, path, body in (
            ("POST", f"{V}/os-networks", {"network": {"label": "x"}}),
            ("POST", f"{V}/os-networks/add", {"id": nid}),
            ("DELETE", f"{V}/os-networks/{nid}", None),
            ("POST", f"{V}/os-networks/{nid}/action", {"disassociate": None}),
            ("POST", f"{V}/os-networks/{nid}/action", {"associate_host": "h"}),
            ("POST", f"{V}/os-tenant-networks", {"network": {"label": "x"}}),
            ("DELETE", f"{V}/os-tenant-networks/{nid}", None)):
        r = await api.req(method, path, json=body, headers=mv("2.40"))
        assert r.status_code == 410, (method, path, r.text)
        assert r.json()["computeFault"]["code"] == 410
    await fault(api, "POST", f"{V}/os-networks/{nid}/action", 400,
                "There is no such action: fly", json={"fly": None})


async def test_extensions(api: Api) -> None:
    token, _ = await member(api, "extview")
    body = await api.ok("GET", f"{V}/extensions", token=token)
    check("extensions", "list_extensions", body, 200)
    aliases = [e["alias"] for e in body["extensions"]]
    assert aliases == sorted(aliases) and len(aliases) == 99
    assert "Hosts" in [e["name"] for e in body["extensions"]]
    assert "OS-EXT-VIF-NET" not in aliases
    one = await api.ok("GET", f"{V}/extensions/os-consoles", token=token)
    assert one["extension"]["alias"] == "os-consoles" and one["extension"]["links"] == []
    await fault(api, "GET", f"{V}/extensions/os-nothing", 404)
    # not capped: still there at the newest microversion
    assert (await api.req("GET", f"{V}/extensions", headers=mv("latest"))).status_code == 200
    legacy = (await api.ok("GET", "/compute/v2/extensions"))["extensions"]
    assert "OS-EXT-VIF-NET" in [e["alias"] for e in legacy] and len(legacy) == 100
