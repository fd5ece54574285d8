"""Address scopes (issue 19), after Neutron: neutron-lib's address_scope API definition
(attributes, defaults, ip_version in [4, 6] and immutable), neutron/db/address_scope_db.py
(AddressScopeNotFound, shared can't be unshared, AddressScopeInUse while a pool uses it,
networks' ipv4/ipv6_address_scope from their subnets' pools), db_base_plugin_v2's
_validate_address_scope_id (IP version, prefixes unique within a scope: AddressScopePrefixConflict,
a pool in another project's shared scope no longer the member's to update) and Neutron's
default policy (create by a member, shared only by an admin, owner updates and deletes)."""

from __future__ import annotations

from typing import Any

from nubo.network.service.hostsync.desired import build_desired
from tests.api.test_network_subnetpools import NET, fault, network, pool
from tests.conftest import Api

AS = f"{NET}/address-scopes"


async def scope(api: Api, token: str | None = None, **kw: Any) -> dict[str, Any]:
    return (await api.ok("POST", AS, 201, token, json={"address_scope": {
        "ip_version": 4, **kw}}))["address_scope"]


async def test_extension_and_crud_shape(api: Api) -> None:
    ext = (await api.ok("GET", f"{NET}/extensions/address-scope"))["extension"]
    assert ext["name"] == "Address scope"
    a = await scope(api, name="as1")
    assert set(a) == {"id", "name", "project_id", "tenant_id", "shared", "ip_version"}
    assert a["shared"] is False and a["ip_version"] == 4 and a["tenant_id"] == a["project_id"]
    unnamed = await scope(api, ip_version="6")       # convert_to_int; name defaults to ''
    assert unnamed["name"] == "" and unnamed["ip_version"] == 6
    got = (await api.ok("GET", f"{AS}/{a['id']}?fields=name"))["address_scope"]
    assert got == {"name": "as1"}
    listed = (await api.ok("GET", f"{AS}?ip_version=6"))["address_scopes"]
    assert [x["id"] for x in listed] == [unnamed["id"]]
    up = (await api.ok("PUT", f"{AS}/{a['id']}", json={"address_scope": {
        "name": "renamed", "shared": True}}))["address_scope"]
    assert up["name"] == "renamed" and up["shared"] is True
    fault(await api.req("PUT", f"{AS}/{a['id']}", json={"address_scope": {"shared": False}}),
          400, "AddressScopeUpdateError",
          f"Unable to update address scope {a['id']} : Shared address scope can't be "
          "unshared.")
    fault(await api.req("PUT", f"{AS}/{a['id']}", json={"address_scope": {"ip_version": 6}}),
          400, "HTTPBadRequest", "Cannot update read-only attribute ip_version")
    await api.ok("DELETE", f"{AS}/{a['id']}", 204)
    fault(await api.req("GET", f"{AS}/{a['id']}"), 404, "AddressScopeNotFound",
          f"Address scope {a['id']} could not be found.")


async def test_create_refusals(api: Api) -> None:
    for body, msg in (({}, "Failed to parse request. Required attribute 'ip_version' not "
                           "specified"),
                      ({"ip_version": 5}, "Invalid input for ip_version. Reason: 5 is not in "
                                          "[4, 6]."),
                      ({"ip_version": "x"}, "Invalid input for ip_version. Reason: 'x' is not "
                                            "an integer."),
                      ({"ip_version": 4, "shared": "maybe"}, None),
                      ({"ip_version": 4, "description": "d"}, None)):
        fault(await api.req("POST", AS, json={"address_scope": body}), 400, "HTTPBadRequest",
              msg)


async def test_visibility_and_policy(api: Api) -> None:
    await api.make_user("dora", "pw", "demo")
    tok = await api.token("dora", "pw", "demo")
    private = await scope(api)
    shared = await scope(api, shared=True)
    seen = {x["id"] for x in (await api.ok("GET", AS, token=tok))["address_scopes"]}
    assert shared["id"] in seen and private["id"] not in seen
    fault(await api.req("GET", f"{AS}/{private['id']}", tok), 404, "AddressScopeNotFound")
    fault(await api.req("PUT", f"{AS}/{shared['id']}", tok,
                        json={"address_scope": {"name": "x"}}), 403, "PolicyNotAuthorized")
    fault(await api.req("DELETE", f"{AS}/{shared['id']}", tok), 403, "PolicyNotAuthorized")
    fault(await api.req("POST", AS, tok, json={"address_scope": {
        "ip_version": 4, "shared": True}}), 403, "PolicyNotAuthorized")
    mine = await scope(api, tok, name="mine")
    fault(await api.req("PUT", f"{AS}/{mine['id']}", tok,
                        json={"address_scope": {"shared": True}}), 403, "PolicyNotAuthorized")
    await api.ok("PUT", f"{AS}/{mine['id']}", token=tok,
                 json={"address_scope": {"name": "still mine"}})
    # a pool of the member's in the admin's private scope: the scope is not found
    r = await api.req("POST", f"{NET}/subnetpools", tok, json={"subnetpool": {
        "name": "p", "prefixes": ["10.80.0.0/16"], "address_scope_id": private["id"]}})
    fault(r, 404, "AddressScopeNotFound")
    # in the shared one it may; then the member can no longer update that pool
    p = await pool(api, tok, prefixes=["10.81.0.0/16"], address_scope_id=shared["id"])
    assert p["address_scope_id"] == shared["id"]
    fault(await api.req("PUT", f"{NET}/subnetpools/{p['id']}", tok,
                        json={"subnetpool": {"name": "n"}}), 400, "IllegalSubnetPoolUpdate",
          f"Illegal subnetpool update : subnetpool {p['id']} cannot be updated when "
          f"associated with shared address scope {shared['id']}.")
    await api.ok("DELETE", f"{AS}/{mine['id']}", 204, tok)


async def test_subnet_pool_association(api: Api) -> None:
    v4, v6 = await scope(api), await scope(api, ip_version=6)
    p1 = await pool(api, prefixes=["10.90.0.0/16"], address_scope_id=v4["id"])
    assert p1["address_scope_id"] == v4["id"]
    plain = await pool(api, prefixes=["10.90.128.0/24"])
    assert plain["address_scope_id"] is None
    fault(await api.req("POST", f"{NET}/subnetpools", json={"subnetpool": {
        "name": "p", "prefixes": ["10.91.0.0/16"], "address_scope_id": v6["id"]}}), 400,
        "IllegalSubnetPoolIpVersionAssociationToAddressScope")
    conflict = "Failed to associate address scope: subnetpools within an address scope " \
               "must have unique prefixes."
    fault(await api.req("POST", f"{NET}/subnetpools", json={"subnetpool": {
        "name": "p", "prefixes": ["10.90.4.0/24"], "address_scope_id": v4["id"]}}), 409,
        "AddressScopePrefixConflict", conflict)
    fault(await api.req("PUT", f"{NET}/subnetpools/{plain['id']}", json={"subnetpool": {
        "address_scope_id": v4["id"]}}), 409, "AddressScopePrefixConflict", conflict)
    fault(await api.req("POST", f"{NET}/subnetpools", json={"subnetpool": {
        "name": "p", "prefixes": ["10.92.0.0/16"], "address_scope_id": "nope"}}), 400,
        "HTTPBadRequest")
    p2 = await pool(api, prefixes=["10.93.0.0/16"], address_scope_id=v4["id"])
    # growing a pool into another's prefixes of the scope is the same conflict
    fault(await api.req("PUT", f"{NET}/subnetpools/{p2['id']}/add_prefixes",
                        json={"prefixes": ["10.90.0.0/20"]}), 409,
          "AddressScopePrefixConflict")
    fault(await api.req("DELETE", f"{AS}/{v4['id']}"), 409, "AddressScopeInUse",
          f"Unable to complete operation on address scope {v4['id']}. There are one or more "
          "subnet pools in use on the address scope.")
    out = (await api.ok("PUT", f"{NET}/subnetpools/{p2['id']}", json={"subnetpool": {
        "address_scope_id": None}}))["subnetpool"]
    assert out["address_scope_id"] is None
    listed = (await api.ok("GET", f"{NET}/subnetpools?address_scope_id={v4['id']}"))[
        "subnetpools"]
    assert [x["id"] for x in listed] == [p1["id"]]


async def test_network_address_scopes(api: Api) -> None:
    v4 = await scope(api)
    p = await pool(api, prefixes=["10.95.0.0/16"], default_prefixlen=24,
                   address_scope_id=v4["id"])
    n = await network(api)
    before = (await api.ok("GET", f"{NET}/networks/{n}"))["network"]
    assert before["ipv4_address_scope"] is None and before["ipv6_address_scope"] is None
    await api.ok("POST", f"{NET}/subnets", 201, json={"subnet": {
        "network_id": n, "subnetpool_id": p["id"], "ip_version": 4}})
    after = (await api.ok("GET", f"{NET}/networks/{n}"))["network"]
    assert after["ipv4_address_scope"] == v4["id"] and after["ipv6_address_scope"] is None


async def test_router_specs_carry_the_scopes(api: Api) -> None:
    """The dataplane learns each router subnet's scope (render_nat then leaves the subnets
    of the external subnet's scope un-NATed: tests/unit/test_dataplane_render.py)."""
    v4 = await scope(api, shared=True)
    ext_pool = await pool(api, prefixes=["198.51.100.0/24"], default_prefixlen=24,
                          address_scope_id=v4["id"])
    in_pool = await pool(api, prefixes=["10.97.0.0/16"], default_prefixlen=24,
                         address_scope_id=v4["id"])
    ext = (await api.ok("POST", f"{NET}/networks", 201, json={"network": {
        "name": "ext", "router:external": True}}))["network"]["id"]
    await api.ok("POST", f"{NET}/subnets", 201, json={"subnet": {
        "network_id": ext, "subnetpool_id": ext_pool["id"], "ip_version": 4}})
    subs = []
    for kw in ({"subnetpool_id": in_pool["id"]}, {"cidr": "10.98.0.0/24"}):
        n = await network(api)
        subs.append((await api.ok("POST", f"{NET}/subnets", 201, json={"subnet": {
            "network_id": n, "ip_version": 4, **kw}}))["subnet"])
    r = (await api.ok("POST", f"{NET}/routers", 201, json={"router": {
        "name": "r", "external_gateway_info": {"network_id": ext}}}))["router"]
    for s in subs:
        await api.ok("PUT", f"{NET}/routers/{r['id']}/add_router_interface",
                     json={"subnet_id": s["id"]})
    desired = await build_desired(api.node.controller.db, ["nohost"])
    spec = next(x for x in desired.routers if x.id == r["id"])
    assert spec.gateway is not None and spec.gateway.address_scope == v4["id"]
    assert {i.subnet_cidr: i.address_scope for i in spec.interfaces} == {
        subs[0]["cidr"]: v4["id"], "10.98.0.0/24": None}
