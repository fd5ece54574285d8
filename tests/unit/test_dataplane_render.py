"""The dataplane's pure renderers, tested as data: nft JSON, dnsmasq files, netlink operations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nubo.network import names
from nubo.network.agent.dataplane.base import (
    DHCP_OWNER,
    AddressPair,
    DataplaneError,
    FixedIp,
    FloatingSpec,
    HostRoute,
    NetworkSpec,
    PortSpec,
    RouterGatewaySpec,
    RouterInterfaceSpec,
    RouterSpec,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
    SubnetSpec,
)
from nubo.network.agent.dataplane.linux.metadata_proxy import rewrite_head
from nubo.network.agent.dataplane.linux.render_dhcp import render_dhcp
from nubo.network.agent.dataplane.linux.render_links import (
    Addresses,
    Bridge,
    Fdb,
    Master,
    Routes,
    Topology,
    Veth,
    Vlan,
    Vxlan,
    render_network,
    render_router_links,
)
from nubo.network.agent.dataplane.linux.render_nft import (
    MARK_BASE,
    render_filter,
    render_nat,
    zone_of,
)

NET = "11111111-2222-3333-4444-555555555555"
SUB = "aaaaaaaa-0000-0000-0000-000000000001"
SG = "sg-web"


def port(pid: str, ip: str, owner: str = "compute:nova", **kw: Any) -> PortSpec:
    return PortSpec(pid, NET, f"fa:16:3e:00:00:{ip.rsplit('.', 1)[1]:0>2}",
                    (FixedIp(SUB, ip),), owner, **kw)


def rules(doc: dict[str, Any], family: str, chain: str) -> list[list[dict[str, Any]]]:
    return [c["add"]["rule"]["expr"] for c in doc["nftables"]
            if "rule" in c.get("add", {}) and c["add"]["rule"]["family"] == family
            and c["add"]["rule"]["chain"] == chain]


def sets(doc: dict[str, Any], family: str) -> dict[str, dict[str, Any]]:
    return {c["add"]["set"]["name"]: c["add"]["set"] for c in doc["nftables"]
            if "set" in c.get("add", {}) and c["add"]["set"]["family"] == family}


# -- nftables --------------------------------------------------------------------------------

def test_filter_document_replaces_both_tables_in_one_transaction() -> None:
    doc = render_filter([port("p1", "10.0.0.5", security_group_ids=(SG,))], [], table="t")
    heads = [(next(iter(c)), c[next(iter(c))].get("table")) for c in doc["nftables"][:6]]
    table = {"family": "bridge", "name": "t"}
    assert heads[:3] == [("add", table), ("delete", table), ("add", table)]
    inet = {"family": "inet", "name": "t"}
    assert [c for c in doc["nftables"] if c.get("delete")] == [
        {"delete": {"table": table}}, {"delete": {"table": inet}}]


def test_port_chains_are_stateful_and_default_deny() -> None:
    sg = SecurityGroupSpec(SG, (SecurityGroupRuleSpec("r", "ingress", "IPv4", "tcp", 22, 22),))
    doc = render_filter([port("p1", "10.0.0.5", security_group_ids=(SG,))], [sg])
    ingress = rules(doc, "inet", "i-p1")
    assert ingress[0][0]["match"]["right"] == ["established", "related"]
    assert ingress[0][1] == {"accept": None}
    assert ingress[-1] == [{"drop": None}]
    assert ingress[-2:] == [[{"jump": {"target": f"i-sg-{SG}"}}], [{"drop": None}]]
    ssh = [r for r in rules(doc, "inet", f"i-sg-{SG}") if {"match": {"op": "==", "left": {
        "payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}} in r]
    assert len(ssh) == 1 and ssh[0][-1] == {"accept": None}
    assert rules(doc, "inet", f"e-sg-{SG}") == []               # no egress rule
    assert rules(doc, "inet", "e-p1")[-1] == [{"drop": None}]   # so egress is denied


def test_rule_matches() -> None:
    sg = SecurityGroupSpec(SG, (
        SecurityGroupRuleSpec("a", "ingress", "IPv4", "udp", 1000, 2000, "192.0.2.0/24"),
        SecurityGroupRuleSpec("b", "ingress", "IPv4", "icmp", 8, 0),
        SecurityGroupRuleSpec("c", "egress", "IPv6", "icmp"),       # means ICMPv6
        SecurityGroupRuleSpec("d", "ingress", "IPv4", None, None, None, "2001:db8::/64"),
    ))
    doc = render_filter([port("p1", "10.0.0.5", security_group_ids=(SG,))], [sg])
    flat = [str(r) for r in rules(doc, "inet", f"i-sg-{SG}")]
    assert any("'range': [1000, 2000]" in r and "192.0.2.0" in r and "'len': 24" in r
               for r in flat)
    assert any("'field': 'type'}}, 'right': 8" in r and "'field': 'code'}}, 'right': 0" in r
               for r in flat)
    assert not any("2001:db8::" in r for r in flat)     # an IPv6 prefix on an IPv4 rule
    assert any("'l4proto'}}, 'right': 58" in str(r) for r in rules(doc, "inet", f"e-sg-{SG}"))


def test_unknown_protocol_is_an_error() -> None:
    sg = SecurityGroupSpec(SG, (SecurityGroupRuleSpec("a", "ingress", "IPv4", "bogus"),))
    with pytest.raises(ValueError, match="bogus"):
        render_filter([port("p1", "10.0.0.5", security_group_ids=(SG,))], [sg])


def test_remote_group_expands_to_member_addresses() -> None:
    sg = SecurityGroupSpec(SG, (SecurityGroupRuleSpec("r", "ingress", "IPv4",
                                                      remote_group_id=SG),))
    members = [port("p1", "10.0.0.5", security_group_ids=(SG,)),
               port("p2", "10.0.0.6", security_group_ids=(SG,),
                    allowed_address_pairs=(AddressPair("10.9.0.0/24"),)),
               port("p3", "10.0.0.7")]     # not a member
    doc = render_filter(members, [sg])
    elems = sets(doc, "inet")[f"g4-{SG}"]["elem"]
    assert elems == ["10.0.0.5", "10.0.0.6", {"prefix": {"addr": "10.9.0.0", "len": 24}}]
    assert any(f"'@g4-{SG}'" in str(r) for r in rules(doc, "inet", f"i-sg-{SG}"))


def test_anti_spoofing_sets_and_untrusted_ports_only() -> None:
    vm = port("p1", "10.0.0.5", allowed_address_pairs=(
        AddressPair("10.0.0.50", "fa:16:3e:99:99:99"),))
    dhcp = port("d1", "10.0.0.2", DHCP_OWNER)
    off = port("p2", "10.0.0.6", port_security_enabled=False)
    doc = render_filter([vm, dhcp, off], [])
    s = sets(doc, "bridge")
    assert set(s) == {"m-p1", "a4-p1", "a6-p1"}          # only the VM port with port security
    assert s["m-p1"]["elem"] == ["fa:16:3e:00:00:05", "fa:16:3e:99:99:99"]
    assert s["a4-p1"]["elem"] == [{"concat": ["fa:16:3e:00:00:05", "10.0.0.5"]},
                                  {"concat": ["fa:16:3e:99:99:99", "10.0.0.50"]}]
    assert rules(doc, "bridge", "s-p1")[-1] == [{"drop": None}]
    pre = rules(doc, "bridge", "prerouting")[0][0]["vmap"]["data"]["set"]
    assert pre == [[names.tap_name("p1"), {"jump": {"target": "s-p1"}}]]
    marks = rules(doc, "bridge", "forward")[0][0]["mangle"]["value"]["map"]["data"]["set"]
    assert marks == [[names.tap_name("p1"), MARK_BASE | 1]]
    zones = rules(doc, "inet", "zone")[0][0]["mangle"]["value"]["map"]["data"]["set"]
    assert {d for d, _ in zones} == {names.tap_name(p) for p in ("p1", "d1", "p2")}
    assert {z for _, z in zones} == {zone_of(NET)}


def test_no_ports_renders_empty_tables() -> None:
    doc = render_filter([], [])
    assert not [c for c in doc["nftables"] if "rule" in c.get("add", {})]


def test_nat_for_gateway_and_floating_ips() -> None:
    router = RouterSpec("r1", RouterGatewaySpec("gw1", "ext", "172.24.4.0/24", "172.24.4.10",
                                                "172.24.4.1"),
                        (RouterInterfaceSpec("qr1", NET, "10.0.0.0/24", "10.0.0.1"),))
    doc = render_nat(router, [FloatingSpec("172.24.4.20", "10.0.0.5", "r1")])
    pre = rules(doc, "ip", "prerouting")
    assert pre == [[{"match": {"op": "==", "left": {"payload": {"protocol": "ip",
                                                                 "field": "daddr"}},
                               "right": "172.24.4.20"}}, {"dnat": {"addr": "10.0.0.5"}}]]
    post = rules(doc, "ip", "postrouting")
    assert post[0][-1] == {"snat": {"addr": "172.24.4.20"}}      # the float first
    assert post[1][-1] == {"snat": {"addr": "172.24.4.10"}}      # then the router's SNAT
    nosnat = RouterSpec("r1", RouterGatewaySpec("gw1", "ext", "172.24.4.0/24", "172.24.4.10",
                                                "172.24.4.1", enable_snat=False),
                        router.interfaces)
    assert rules(render_nat(nosnat, []), "ip", "postrouting") == []


def test_nat_leaves_the_external_address_scope_alone() -> None:
    """Neutron's L3 agent with address scopes: a subnet in the external subnet's scope is
    routed out without SNAT; one in another scope or none is NATed as before."""
    gw = RouterGatewaySpec("gw1", "ext", "203.0.113.0/24", "203.0.113.10", "203.0.113.1",
                           address_scope="as-public")
    router = RouterSpec("r1", gw, (
        RouterInterfaceSpec("qr1", NET, "10.0.0.0/24", "10.0.0.1", address_scope="as-public"),
        RouterInterfaceSpec("qr2", "n2", "10.1.0.0/24", "10.1.0.1", address_scope="as-other"),
        RouterInterfaceSpec("qr3", "n3", "10.2.0.0/24", "10.2.0.1")))
    post = rules(render_nat(router, []), "ip", "postrouting")
    assert len(post) == 1 and post[0][-1] == {"snat": {"addr": "203.0.113.10"}}
    natted = post[0][1]["match"]["right"]["set"]
    assert [p["prefix"]["addr"] for p in natted] == ["10.1.0.0", "10.2.0.0"]
    every = RouterSpec("r1", gw, router.interfaces[:1])
    assert rules(render_nat(every, []), "ip", "postrouting") == []
    unscoped = RouterSpec("r1", RouterGatewaySpec("gw1", "ext", "203.0.113.0/24",
                                                  "203.0.113.10", "203.0.113.1"),
                          (RouterInterfaceSpec("qr1", NET, "10.0.0.0/24", "10.0.0.1"),))
    assert len(rules(render_nat(unscoped, []), "ip", "postrouting")) == 1


# -- dnsmasq ---------------------------------------------------------------------------------

def network(**kw: Any) -> NetworkSpec:
    sub = SubnetSpec(SUB, "10.0.0.0/24", "10.0.0.1", True, ("8.8.8.8",),
                     (HostRoute("10.8.0.0/16", "10.0.0.9"),))
    return NetworkSpec(NET, "vxlan", 100, mtu=1450, subnets=(sub,), **kw)


def test_dnsmasq_as_neutron_runs_it(tmp_path: Path) -> None:
    ports = [port("d1", "10.0.0.2", DHCP_OWNER), port("p1", "10.0.0.5"),
             port("p2", "10.0.0.6"), PortSpec("x", "other-net", "fa:16:3e:ff:ff:ff")]
    cfg = render_dhcp(network(), ports, tmp_path)
    for flag in ("--no-hosts", "--no-resolv", "--bind-interfaces",
                 f"--interface={names.dhcp_dev_name('d1')}",
                 f"--dhcp-hostsfile={tmp_path / 'host'}", f"--dhcp-optsfile={tmp_path / 'opts'}",
                 f"--dhcp-range=set:subnet-{SUB},10.0.0.0,static,255.255.255.0,86400s"):
        assert flag in cfg.args
    assert cfg.hosts == ("fa:16:3e:00:00:05,host-10-0-0-5.openstacklocal,10.0.0.5\n"
                         "fa:16:3e:00:00:06,host-10-0-0-6.openstacklocal,10.0.0.6\n")
    opts = cfg.opts.splitlines()
    assert f"tag:subnet-{SUB},option:router,10.0.0.1" in opts
    assert f"tag:subnet-{SUB},option:dns-server,8.8.8.8" in opts
    # isolated network: the metadata route goes via the DHCP port; default route included
    assert (f"tag:subnet-{SUB},option:classless-static-route,169.254.169.254/32,10.0.0.2,"
            "10.8.0.0/16,10.0.0.9,0.0.0.0/0,10.0.0.1") in opts
    assert cfg.isolated and cfg.addresses == ("10.0.0.2/24",)


def test_dnsmasq_with_router_has_no_metadata_route(tmp_path: Path) -> None:
    ports = [port("d1", "10.0.0.2", DHCP_OWNER), port("r1", "10.0.0.1",
                                                       "network:router_interface")]
    cfg = render_dhcp(network(), ports, tmp_path)
    assert not cfg.isolated
    assert "169.254.169.254" not in cfg.opts
    assert "dns-server,8.8.8.8" in cfg.opts


def test_dnsmasq_needs_a_dhcp_port(tmp_path: Path) -> None:
    with pytest.raises(DataplaneError, match="network:dhcp"):
        render_dhcp(network(), [port("p1", "10.0.0.5")], tmp_path)


# -- netlink operations ----------------------------------------------------------------------

def test_vxlan_network_ops() -> None:
    topo = Topology(vtep_ip="192.0.2.1", vtep_dev="eth1", remotes=("192.0.2.3", "192.0.2.2"))
    ops = render_network(network(), topo)
    br = names.bridge_name(NET)
    assert br == "brq11111111-22"
    assert ops[0] == Bridge(br, 1450)
    assert Vxlan("vxlan-100", 100, "192.0.2.1", "eth1", 1450) in ops
    assert Fdb("vxlan-100", ("192.0.2.2", "192.0.2.3")) in ops
    assert Master("vxlan-100", br) in ops


def test_vlan_and_flat_and_external() -> None:
    topo = Topology(physical_interfaces={"physnet1": "eth2"})
    vlan = NetworkSpec(NET, "vlan", 42, "physnet1")
    assert Vlan("eth2.42", "eth2", 42, 1450) in render_network(vlan, topo)
    flat = NetworkSpec(NET, "flat", None, "physnet1")
    assert Master("eth2", names.bridge_name(NET)) in render_network(flat, topo)
    ext = NetworkSpec(NET, "flat", None, "public", 1500,
                      (SubnetSpec(SUB, "172.24.4.0/24", "172.24.4.1"),), external=True)
    ops = render_network(ext, topo)
    assert ops[0] == Bridge("br-ex", 1500)
    assert Addresses("br-ex", ("172.24.4.1/24",)) in ops
    with pytest.raises(DataplaneError, match="physnet9"):
        render_network(NetworkSpec(NET, "vlan", 5, "physnet9"), topo)


def test_router_ops() -> None:
    router = RouterSpec("r1", RouterGatewaySpec("gw1", "ext", "172.24.4.0/24", "172.24.4.10",
                                                "172.24.4.1"),
                        (RouterInterfaceSpec("qr1", NET, "10.0.0.0/24", "10.0.0.1",
                                             "fa:16:3e:1:1:1"),),
                        (HostRoute("10.8.0.0/16", "10.0.0.9"),))
    ops = render_router_links(router, {NET: "brqx", "ext": "br-ex"},
                              [FloatingSpec("172.24.4.20", "10.0.0.5", "r1")])
    ns = names.router_ns("r1")
    assert Veth("tapqr1", "qr-qr1", ns, "fa:16:3e:1:1:1") in ops
    assert Master("tapgw1", "br-ex") in ops
    assert Addresses("qg-gw1", ("172.24.4.10/24", "172.24.4.20/32"), ns) in ops
    assert Routes(ns, (("0.0.0.0/0", "172.24.4.1"), ("10.8.0.0/16", "10.0.0.9"))) in ops
    with pytest.raises(DataplaneError, match="not on this host"):
        render_router_links(router, {NET: "brqx"})


def test_names_fit_linux_interface_names() -> None:
    pid = "0123456789abcdef-0000"
    for name in (names.tap_name(pid), names.bridge_name(pid), names.router_dev_name(pid),
                 names.gateway_dev_name(pid), names.dhcp_dev_name(pid), names.vxlan_name(16777215),
                 names.vlan_name("enp0s31f6long", 4094)):
        assert len(name) <= 15, name


# -- metadata proxy --------------------------------------------------------------------------

def test_metadata_proxy_sets_identity_headers_and_drops_the_guests() -> None:
    head = (b"GET /latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n"
            b"X-Forwarded-For: 10.0.0.99\r\nX-Neutron-Router-ID: evil\r\nConnection: keep-alive")
    out = rewrite_head(head, "10.0.0.5", "r1", None)
    assert out.endswith(b"\r\n\r\n")
    lines = out.split(b"\r\n")
    assert lines[0] == b"GET /latest/meta-data/ HTTP/1.1"
    assert b"X-Forwarded-For: 10.0.0.5" in lines and b"X-Neutron-Router-ID: r1" in lines
    assert b"10.0.0.99" not in out and b"evil" not in out and b"keep-alive" not in out
    assert b"X-Neutron-Network-ID" not in out


def test_admin_down_port_is_off_its_bridge_and_down() -> None:
    from nubo.network.agent.dataplane.linux.render_links import (
        Down,
        NoMaster,
        Tap,
        Up,
        render_port,
    )
    up = port("p-1", "10.0.0.5")
    tap = names.tap_name("p-1")
    assert render_port(up, "brq-x", 1450) == [Tap(tap, 1450), Master(tap, "brq-x"), Up(tap)]
    down = render_port(PortSpec(**{**up.__dict__, "admin_state_up": False}), "brq-x", 1450)
    assert down == [Tap(tap, 1450), NoMaster(tap), Down(tap)]


def test_dnsmasq_extra_dhcp_options_are_tagged_by_port(tmp_path: Path) -> None:
    from nubo.network.agent.dataplane.base import DhcpOption
    opts = (DhcpOption("tftp-server", "192.0.2.9"), DhcpOption("67", "pxelinux.0"),
            DhcpOption("router", ""), DhcpOption("tag:ipxe,bootfile-name", "boot.ipxe"),
            DhcpOption("bootfile-name", "v6.efi", 6))
    ports = [port("d1", "10.0.0.2", DHCP_OWNER), port("p1", "10.0.0.5", extra_dhcp_opts=opts),
             port("p2", "10.0.0.6"),
             port("p3", "10.0.0.7", extra_dhcp_opts=(DhcpOption("client-id", "abc"),))]
    cfg = render_dhcp(network(), ports, tmp_path)
    assert cfg.hosts.splitlines() == [
        "fa:16:3e:00:00:05,host-10-0-0-5.openstacklocal,10.0.0.5,set:port-p1",
        "fa:16:3e:00:00:06,host-10-0-0-6.openstacklocal,10.0.0.6",
        "fa:16:3e:00:00:07,id:abc,host-10-0-0-7.openstacklocal,10.0.0.7"]
    lines = cfg.opts.splitlines()
    mine = [ln for ln in lines if "port-" in ln]
    assert mine == ["tag:port-p1,option:tftp-server,192.0.2.9", "tag:port-p1,67,pxelinux.0",
                    "tag:port-p1,option:router",
                    "tag:port-p1,tag:ipxe,option:bootfile-name,boot.ipxe"]
    # after the subnet's options (dnsmasq takes the later, more specific one)
    assert lines.index(mine[0]) > lines.index(f"tag:subnet-{SUB},option:router,10.0.0.1")


def test_nat_port_forwarding_is_dnat_of_one_port_only() -> None:
    router = RouterSpec("r1", RouterGatewaySpec("gw", "ext", "172.24.4.0/24", "172.24.4.10",
                                                "172.24.4.1"),
                        (RouterInterfaceSpec("qr", NET, "10.0.0.0/24", "10.0.0.1"),))
    fwd = FloatingSpec("172.24.4.20", "10.0.0.5", "r1", "tcp", 2222, 22)
    doc = render_nat(router, [fwd])
    [pre] = rules(doc, "ip", "prerouting")
    assert pre[-1] == {"dnat": {"addr": "10.0.0.5", "port": 22}}
    assert {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                      "right": 2222}} in pre
    assert rules(doc, "ip", "output") == [pre]
    # no 1:1 SNAT of the fixed IP to the floating IP for a forwarding
    assert not any({"snat": {"addr": "172.24.4.20"}} in r
                   for r in rules(doc, "ip", "postrouting"))
    links = render_router_links(router, {"ext": "br-ex", NET: "brq"}, [fwd])
    qg = [op for op in links if isinstance(op, Addresses) and op.ifname.startswith("qg-")]
    assert "172.24.4.20/32" in qg[0].cidrs       # the router answers ARP for it
