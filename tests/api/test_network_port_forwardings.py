"""Floating IP port forwardings through the in-process API: create/list/show/update/delete,
the floating IP's view (expose-port-forwarding-in-fip), Neutron's refusals with nothing
changed, and what the dataplane is given."""

from __future__ import annotations

from typing import Any

from nubo.network.service.hostsync.desired import build_desired
from tests.api.test_network_core import NET, fault
from tests.conftest import Api


async def setup(api: Api) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A floating IP of `public` and two ports on `private` (router1 joins them)."""
    nets = {n["name"]: n["id"] for n in (await api.ok("GET", f"{NET}/networks"))["networks"]}
    fip = (await api.ok("POST", f"{NET}/floatingips", 201, json={"floatingip": {
        "floating_network_id": nets["public"]}}))["floatingip"]
    made = []
    for name in ("a", "b"):
        made.append((await api.ok("POST", f"{NET}/ports", 201, json={"port": {
            "network_id": nets["private"], "name": name}}))["port"])
    return fip["id"], made[0], made[1]


def v4(port: dict[str, Any]) -> str:
    return next(f["ip_address"] for f in port["fixed_ips"] if ":" not in f["ip_address"])


async def test_lifecycle_and_the_floating_ip_view(api: Api) -> None:
    fid, a, b = await setup(api)
    base = f"{NET}/floatingips/{fid}/port_forwardings"
    pf = (await api.ok("POST", base, 201, json={"port_forwarding": {
        "internal_port_id": a["id"], "internal_port": 22, "external_port": 2222,
        "protocol": "tcp", "description": "ssh"}}))["port_forwarding"]
    assert pf["internal_ip_address"] == v4(a)       # the first IPv4 address by default
    assert {k: pf[k] for k in ("internal_port", "external_port", "protocol",
                               "description")} == {
        "internal_port": 22, "external_port": 2222, "protocol": "tcp", "description": "ssh"}
    router1 = (await api.ok("GET", f"{NET}/routers?name=router1"))["routers"][0]["id"]
    fip = (await api.ok("GET", f"{NET}/floatingips/{fid}"))["floatingip"]
    assert fip["router_id"] == router1 and fip["port_id"] is None
    assert fip["port_forwardings"] == [{"protocol": "tcp", "internal_ip_address": v4(a),
                                        "internal_port": 22, "external_port": 2222}]
    assert [x["id"] for x in (await api.ok("GET", base))["port_forwardings"]] == [pf["id"]]
    assert (await api.ok("GET", f"{base}/{pf['id']}"))["port_forwarding"] == pf

    # the same external port over UDP is another forwarding
    udp = (await api.ok("POST", base, 201, json={"port_forwarding": {
        "internal_port_id": b["id"], "internal_ip_address": v4(b), "internal_port": 53,
        "external_port": 2222, "protocol": "udp"}}))["port_forwarding"]
    got = (await api.ok("PUT", f"{base}/{udp['id']}", json={"port_forwarding": {
        "external_port": 5353}}))["port_forwarding"]
    assert got["external_port"] == 5353 and got["internal_port"] == 53

    # the dataplane gets both as DNAT rules of router1
    desired = await build_desired(api.node.controller.db, ["nohost"])
    rules = {(f.floating_ip, f.protocol, f.external_port, f.fixed_ip, f.internal_port)
             for f in desired.floating_ips if f.protocol}
    assert rules == {(fip["floating_ip_address"], "tcp", 2222, v4(a), 22),
                     (fip["floating_ip_address"], "udp", 5353, v4(b), 53)}

    await api.ok("DELETE", f"{base}/{pf['id']}", 204)
    await api.ok("DELETE", f"{base}/{udp['id']}", 204)
    fip = (await api.ok("GET", f"{NET}/floatingips/{fid}"))["floatingip"]
    assert fip["router_id"] is None and fip["port_forwardings"] == []
    fault(await api.req("GET", f"{base}/{pf['id']}"), 404, "PortForwardingNotFound")


async def test_refusals(api: Api) -> None:
    fid, a, b = await setup(api)
    base = f"{NET}/floatingips/{fid}/port_forwardings"
    ok = {"internal_port_id": a["id"], "internal_port": 80, "external_port": 8080,
          "protocol": "tcp"}
    for bad in ({"protocol": "icmp"}, {"external_port": 0}, {"internal_port": 65536},
                {"internal_port": "x"}, {"internal_ip_address": "10.0.0.999"},
                {"internal_ip_address": "192.0.2.77"}, {"internal_port_id": "nope"}):
        r = await api.req("POST", base, json={"port_forwarding": {**ok, **bad}})
        assert r.status_code == 400, (bad, r.text)
    r = await api.req("POST", base, json={"port_forwarding": {
        k: v for k, v in ok.items() if k != "protocol"}})
    fault(r, 400, "HTTPBadRequest")
    assert (await api.ok("GET", base))["port_forwardings"] == []

    pf = (await api.ok("POST", base, 201, json={"port_forwarding": ok}))["port_forwarding"]
    # duplicates: the same external port+protocol, or the same internal socket
    r = await api.req("POST", base, json={"port_forwarding": {**ok, "internal_port": 81}})
    assert "duplicate" in fault(r, 400, "BadRequest")["message"]
    r = await api.req("POST", base, json={"port_forwarding": {**ok, "external_port": 8081}})
    fault(r, 400, "BadRequest")
    assert len((await api.ok("GET", base))["port_forwardings"]) == 1
    # a floating IP with forwardings cannot be associated with a port
    r = await api.req("PUT", f"{NET}/floatingips/{fid}",
                      json={"floatingip": {"port_id": b["id"]}})
    fault(r, 409, "FipInUseByPortForwarding")
    await api.ok("DELETE", f"{base}/{pf['id']}", 204)

    # a floating IP associated with a port cannot have forwardings (409) ...
    await api.ok("PUT", f"{NET}/floatingips/{fid}", json={"floatingip": {"port_id": b["id"]}})
    r = await api.req("POST", base, json={"port_forwarding": ok})
    fault(r, 409, "FloatingIPPortAlreadyAssociated")
    # ... nor can a port holding a floating IP be forwarded to (from another floating IP)
    other, _, _ = await setup(api)
    r = await api.req("POST", f"{NET}/floatingips/{other}/port_forwardings",
                      json={"port_forwarding": {**ok, "internal_port_id": b["id"]}})
    fault(r, 409, "PortHasBindingFloatingIP")
    fault(await api.req("GET", f"{NET}/floatingips/{fid}/port_forwardings/x"), 404,
          "PortForwardingNotFound")
