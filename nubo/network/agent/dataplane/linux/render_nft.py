"""Security groups and router NAT rendered as nftables JSON documents (`nft -j -f`).

This kernel has no conntrack for the `bridge` family (`ct state` there is refused), so the
filter is split over two tables named after the dataplane (`nubo` by default):

- `bridge nubo`: stateless, per bridge port. Anti-spoofing in prerouting (source MAC and IP must
  be the port's own or an allowed address pair; DHCP discovery from 0.0.0.0 allowed), and in
  forward a packet mark naming the output port, because bridge netfilter hands the inet hooks
  the bridge, not the port, as the output device.
- `inet nubo` (seen through bridge netfilter): a conntrack zone per network (two networks with
  the same CIDR never share connection entries), per port an egress chain dispatched on the
  input tap in prerouting and an ingress chain dispatched on the mark in forward. Both are
  stateful (established/related accepted, invalid dropped), jump to one chain per security
  group and direction (a group's rules are written once however many ports use it) and end
  in drop.

Each document replaces its tables whole: `add table` (so the next step cannot fail), `delete
table`, then everything, in one transaction: either the new ruleset is in force or the old one.
"""

from __future__ import annotations

import ipaddress
import zlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from nubo.network.agent.dataplane.base import (
    FloatingSpec,
    PortSpec,
    RouterSpec,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
)
from nubo.network.names import gateway_dev_name, router_dev_name, tap_name

Json = dict[str, Any]
MARK_BASE = 0x4E000000          # "N": packets marked by us carry this in the top byte
PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "ipv6-icmp": 58, "sctp": 132,
             "dccp": 33, "gre": 47, "esp": 50, "ah": 51, "igmp": 2, "ipip": 4, "ospf": 89,
             "pgm": 113, "rsvp": 46, "udplite": 136, "vrrp": 112}
PORTED = {6: "tcp", 17: "udp", 132: "sctp", 33: "dccp"}


def zone_of(network_id: str) -> int:
    """A stable conntrack zone for a network (1..65534)."""
    return zlib.crc32(network_id.encode()) % 65534 + 1


def is_filtered(port: PortSpec) -> bool:
    """Ports that get anti-spoofing and security groups: VM ports with port security.
    DHCP and router ports belong to the cloud itself, as in Neutron."""
    return port.port_security_enabled and not port.device_owner.startswith("network:")


def _m(left: Any, right: Any, op: str = "==") -> Json:
    return {"match": {"op": op, "left": left, "right": right}}


def _pl(proto: str, field: str) -> Json:
    return {"payload": {"protocol": proto, "field": field}}


def _meta(key: str) -> Json:
    return {"meta": {"key": key}}


def _addr(cidr: str) -> Any:
    net = ipaddress.ip_network(cidr, strict=False)
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return {"prefix": {"addr": str(net.network_address), "len": net.prefixlen}}


def _family(cidr: str) -> int:
    return ipaddress.ip_network(cidr, strict=False).version


ACCEPT: Json = {"accept": None}
DROP: Json = {"drop": None}
RETURN: Json = {"return": None}
STATEFUL: list[list[Json]] = [
    [_m({"ct": {"key": "state"}}, ["established", "related"], "in"), ACCEPT],
    [_m({"ct": {"key": "state"}}, ["invalid"], "in"), DROP],
]


class _Doc:
    """Collects the commands of one nft transaction for a table."""

    def __init__(self, family: str, table: str, head: bool = True) -> None:
        self.family, self.table = family, table
        t = {"family": family, "name": table}
        self.cmds: list[Json] = [{"add": {"table": dict(t)}}, {"delete": {"table": dict(t)}},
                                 {"add": {"table": dict(t)}}] if head else []

    def chain(self, name: str, hook: str | None = None, prio: int = 0,
              ctype: str = "filter") -> None:
        c: Json = {"family": self.family, "table": self.table, "name": name}
        if hook:
            c.update(type=ctype, hook=hook, prio=prio, policy="accept")
        self.cmds.append({"add": {"chain": c}})

    def set(self, name: str, stype: str | list[str], elems: Iterable[Any],
            interval: bool = False) -> None:
        s: Json = {"family": self.family, "table": self.table, "name": name, "type": stype}
        if interval:
            s["flags"] = ["interval"]
        items = list(elems)
        if items:
            s["elem"] = items
        self.cmds.append({"add": {"set": s}})

    def rule(self, chain: str, expr: list[Json]) -> None:
        self.cmds.append({"add": {"rule": {"family": self.family, "table": self.table,
                                           "chain": chain, "expr": expr}}})


def _own_macs(port: PortSpec) -> list[str]:
    macs = {port.mac_address.lower()}
    macs.update(p.mac_address.lower() for p in port.allowed_address_pairs if p.mac_address)
    return sorted(macs)


def _pairs(port: PortSpec, version: int) -> list[Json]:
    """(MAC . address) elements a port may send from: its fixed IPs and allowed pairs."""
    out: list[tuple[str, str]] = [(port.mac_address.lower(), ip.ip_address)
                                  for ip in port.fixed_ips]
    out += [((p.mac_address or port.mac_address).lower(), p.ip_address)
            for p in port.allowed_address_pairs]
    return [{"concat": [mac, _addr(ip)]} for mac, ip in sorted(set(out))
            if _family(ip) == version]


def _spoof_chain(doc: _Doc, port: PortSpec) -> str:
    pid = port.id
    chain = f"s-{pid}"
    doc.set(f"m-{pid}", "ether_addr", _own_macs(port))
    doc.set(f"a4-{pid}", ["ether_addr", "ipv4_addr"], _pairs(port, 4), interval=True)
    doc.set(f"a6-{pid}", ["ether_addr", "ipv6_addr"], _pairs(port, 6), interval=True)
    doc.chain(chain)
    esrc = _pl("ether", "saddr")
    ip4, ip6, arp = (_m(_meta("protocol"), p) for p in ("ip", "ip6", "arp"))
    doc.rule(chain, [_m(esrc, f"@m-{pid}", "!="), DROP])
    doc.rule(chain, [ip4, _m({"concat": [esrc, _pl("ip", "saddr")]}, f"@a4-{pid}"), RETURN])
    doc.rule(chain, [arp, _m({"concat": [esrc, _pl("arp", "saddr ip")]}, f"@a4-{pid}"), RETURN])
    # DHCP discovery and ARP probes come from 0.0.0.0 before the guest has its address.
    doc.rule(chain, [ip4, _m(_pl("ip", "saddr"), "0.0.0.0"),
                     _m(_pl("udp", "sport"), 68), _m(_pl("udp", "dport"), 67), RETURN])
    doc.rule(chain, [arp, _m(_pl("arp", "saddr ip"), "0.0.0.0"), RETURN])
    doc.rule(chain, [ip6, _m({"concat": [esrc, _pl("ip6", "saddr")]}, f"@a6-{pid}"), RETURN])
    # Link-local and unspecified sources carry neighbour discovery and DAD.
    doc.rule(chain, [ip6, _m(_pl("ip6", "saddr"), {"prefix": {"addr": "fe80::", "len": 10}}),
                     RETURN])
    doc.rule(chain, [ip6, _m(_pl("ip6", "saddr"), "::"),
                     _m(_meta("l4proto"), 58), RETURN])
    doc.rule(chain, [DROP])
    return chain


def _proto_number(rule: SecurityGroupRuleSpec) -> int | None:
    p = (rule.protocol or "").lower()
    if p in ("", "any", "0"):
        return None
    num = int(p) if p.isdigit() else PROTOCOLS.get(p)
    if num is None:
        raise ValueError(f"unknown protocol {rule.protocol!r}")
    if num == 1 and rule.ethertype == "IPv6":
        return 58       # Neutron accepts "icmp" with IPv6 and means ICMPv6
    return num


def _rule_expr(rule: SecurityGroupRuleSpec) -> list[Json] | None:
    """The match part of one security group rule, or None when it cannot match this family."""
    v = 4 if rule.ethertype == "IPv4" else 6
    ipf = "ip" if v == 4 else "ip6"
    expr = [_m(_meta("nfproto"), "ipv4" if v == 4 else "ipv6")]
    side = "saddr" if rule.direction == "ingress" else "daddr"
    if rule.remote_ip_prefix:
        if _family(rule.remote_ip_prefix) != v:
            return None
        expr.append(_m(_pl(ipf, side), _addr(rule.remote_ip_prefix)))
    if rule.remote_group_id:
        expr.append(_m(_pl(ipf, side), f"@g{v}-{rule.remote_group_id}"))
    proto = _proto_number(rule)
    if proto is not None:
        expr.append(_m(_meta("l4proto"), proto))
        lo, hi = rule.port_range_min, rule.port_range_max
        if proto in PORTED and (lo is not None or hi is not None):
            lo = lo if lo is not None else 1
            hi = hi if hi is not None else 65535
            right: Any = lo if lo == hi else {"range": [lo, hi]}
            expr.append(_m(_pl(PORTED[proto], "dport"), right))
        elif proto in (1, 58) and lo is not None:
            icmp = "icmp" if proto == 1 else "icmpv6"
            expr.append(_m(_pl(icmp, "type"), lo))
            if hi is not None:
                expr.append(_m(_pl(icmp, "code"), hi))
    return expr


# A port's own commands depend on nothing else (its chains jump to groups by name): a caller
# that renders again and again passes a `memo` (render_filter), and a port that stayed the
# same is not rendered again. Memoized commands are shared: never mutate them.
Memo = dict[tuple[Any, ...], tuple[Json, ...]]


def _spoof_cmds(port: PortSpec, table: str) -> tuple[Json, ...]:
    doc = _Doc("bridge", table, head=False)
    _spoof_chain(doc, port)
    return tuple(doc.cmds)


def _port_cmds(port: PortSpec, present: tuple[str, ...], table: str) -> tuple[Json, ...]:
    doc = _Doc("inet", table, head=False)
    _port_chains(doc, port, present)
    return tuple(doc.cmds)


def _port_chains(doc: _Doc, port: PortSpec, groups: Collection[str]) -> None:
    pid = port.id
    for direction, chain in (("egress", f"e-{pid}"), ("ingress", f"i-{pid}")):
        doc.chain(chain)
        for expr in STATEFUL:
            doc.rule(chain, expr)
        if direction == "egress":
            doc.rule(chain, [_m(_pl("udp", "sport"), 68), _m(_pl("udp", "dport"), 67), ACCEPT])
            doc.rule(chain, [_m(_pl("icmpv6", "type"), {"set": [133, 135, 136]}), ACCEPT])
        else:
            doc.rule(chain, [_m(_pl("udp", "sport"), 67), _m(_pl("udp", "dport"), 68), ACCEPT])
            doc.rule(chain, [_m(_pl("icmpv6", "type"), {"set": [130, 134, 135, 136]}), ACCEPT])
        for sg_id in port.security_group_ids:
            if sg_id in groups:     # a group's rules live once, in its own chain
                doc.rule(chain, [{"jump": {"target": f"{direction[0]}-sg-{sg_id}"}}])
        doc.rule(chain, [DROP])


def _group_chains(doc: _Doc, group: SecurityGroupSpec) -> None:
    """The group's rules: a match accepts; falling off the end returns to the port's drop."""
    for direction in ("ingress", "egress"):
        chain = f"{direction[0]}-sg-{group.id}"
        doc.chain(chain)
        for rule in group.rules:
            if rule.direction == direction:
                match = _rule_expr(rule)
                if match is not None:
                    doc.rule(chain, [*match, ACCEPT])


def _group_sets(doc: _Doc, ports: Sequence[PortSpec], groups: Iterable[SecurityGroupSpec]) -> None:
    """remote_group_id: one set per group and family holding its member ports' addresses."""
    groups = list(groups)
    by_id = {g.id: g for g in groups}
    used = {r.remote_group_id for g in groups for r in g.rules if r.remote_group_id}
    for gid in sorted(used):
        members = [p for p in ports if gid in p.security_group_ids]
        addrs = [ip.ip_address for p in members for ip in p.fixed_ips]
        addrs += [a.ip_address for p in members for a in p.allowed_address_pairs]
        addrs += list(by_id[gid].remote_members) if gid in by_id else []
        for v, stype in ((4, "ipv4_addr"), (6, "ipv6_addr")):
            nets = ipaddress.collapse_addresses(  # type: ignore[type-var]
                ipaddress.ip_network(a, strict=False) for a in addrs if _family(a) == v)
            doc.set(f"g{v}-{gid}", stype, [_addr(str(n)) for n in nets], interval=True)


def _vmap(key: Json, pairs: list[tuple[Any, str]]) -> Json:
    return {"vmap": {"key": key, "data": {"set": [[k, {"jump": {"target": c}}]
                                                   for k, c in pairs]}}}


def render_filter(ports: Sequence[PortSpec], groups: Sequence[SecurityGroupSpec],
                  uplinks: Mapping[str, str] | None = None, table: str = "nubo",
                  memo: Memo | None = None) -> Json:
    """The whole filtering ruleset for the ports on this host, in one document.

    `uplinks` maps the bridge ports that are not Neutron ports (VXLAN, VLAN, physical devices)
    to their network id, so that they share the network's conntrack zone. `memo` (the
    caller's, kept between calls) holds the ports' commands of the last render; it is left
    holding this render's only (~17 KiB per port)."""
    last = memo if memo is not None else {}
    now: Memo = {}

    def cached(key: tuple[Any, ...], make: Callable[[], tuple[Json, ...]]) -> tuple[Json, ...]:
        cmds = last.get(key)
        now[key] = cmds = cmds if cmds is not None else make()
        return cmds
    by_id = {g.id: g for g in groups}
    ports = sorted(ports, key=lambda p: p.id)
    filtered = [p for p in ports if is_filtered(p)]
    br, inet = _Doc("bridge", table), _Doc("inet", table)
    br.chain("prerouting", "prerouting", -300)
    br.chain("forward", "forward", -200)
    inet.chain("zone", "prerouting", -300, )
    inet.chain("egress", "prerouting", 0)
    inet.chain("ingress", "forward", 0)
    _group_sets(inet, ports, groups)
    spoof = []
    for p in filtered:
        br.cmds += cached(("s", p, table), partial(_spoof_cmds, p, table))
        spoof.append((tap_name(p.id), f"s-{p.id}"))
    marks = [(tap_name(p.id), MARK_BASE | n) for n, p in enumerate(filtered, 1)]
    used = {g for p in filtered for g in p.security_group_ids}
    for group in groups:
        if group.id in used:
            _group_chains(inet, group)
    for p in filtered:
        present = tuple(g for g in p.security_group_ids if g in by_id)
        inet.cmds += cached(("p", p, present, table), partial(_port_cmds, p, present, table))
    zones = [(tap_name(p.id), zone_of(p.network_id)) for p in ports]
    zones += [(dev, zone_of(net)) for dev, net in sorted((uplinks or {}).items())]
    if spoof:
        br.rule("prerouting", [_vmap(_meta("iifname"), spoof)])
        br.rule("forward", [{"mangle": {"key": _meta("mark"), "value": {"map": {
            "key": _meta("oifname"), "data": {"set": [[d, m] for d, m in marks]}}}}}])
        inet.rule("egress", [_vmap(_meta("iifname"), [(tap_name(p.id), f"e-{p.id}")
                                                       for p in filtered])])
        inet.rule("ingress", [_vmap(_meta("mark"), [(m, f"i-{p.id}")
                                                    for (_, m), p in zip(marks, filtered,
                                                                         strict=True)])])
    if zones:
        inet.rule("zone", [{"mangle": {"key": {"ct": {"key": "zone"}}, "value": {"map": {
            "key": _meta("iifname"), "data": {"set": [[d, z] for d, z in zones]}}}}}])
    if memo is not None:
        memo.clear()
        memo.update(now)
    return {"nftables": br.cmds + inet.cmds}


def render_nat(router: RouterSpec, floats: Sequence[FloatingSpec], table: str = "nubo") -> Json:
    """The router namespace's NAT: DNAT+SNAT per floating IP, DNAT per port forwarding, SNAT
    of the internal subnets to the gateway address (not of those in the external subnet's
    address scope), and the path to the metadata proxy."""
    doc = _Doc("ip", table)
    doc.chain("prerouting", "prerouting", -100, "nat")
    doc.chain("output", "output", -100, "nat")
    doc.chain("postrouting", "postrouting", 100, "nat")
    gw = router.gateway
    daddr, saddr = _pl("ip", "daddr"), _pl("ip", "saddr")
    one_to_one = {f.floating_ip for f in floats if not f.protocol}
    for f in sorted(floats, key=lambda f: (f.floating_ip, f.protocol or "",
                                           f.external_port or 0)):
        if f.protocol:
            if f.floating_ip in one_to_one:
                continue        # the API never lets both be; the 1:1 NAT would win anyway
            # A port forwarding: only this protocol and port, DNAT only (replies are
            # un-NATed by conntrack; the guest's own connections leave by the router's SNAT).
            match = [_m(daddr, f.floating_ip), _m(_meta("l4proto"), PROTOCOLS[f.protocol]),
                     _m(_pl(f.protocol, "dport"), f.external_port)]
            for chain in ("prerouting", "output"):
                doc.rule(chain, [*match, {"dnat": {"addr": f.fixed_ip,
                                                   "port": f.internal_port}}])
            continue
        for chain in ("prerouting", "output"):
            doc.rule(chain, [_m(daddr, f.floating_ip), {"dnat": {"addr": f.fixed_ip}}])
        if gw:
            doc.rule("postrouting", [_m(_meta("oifname"), gateway_dev_name(gw.port_id)),
                                     _m(saddr, f.fixed_ip), {"snat": {"addr": f.floating_ip}}])
    internal = sorted({i.subnet_cidr for i in router.interfaces if _family(i.subnet_cidr) == 4})
    # Address scopes: a subnet in the external subnet's scope is routed out as it is (its
    # addresses are unique in the scope), as Neutron's L3 agent does; the others are NATed.
    natted = sorted({i.subnet_cidr for i in router.interfaces
                     if _family(i.subnet_cidr) == 4 and not (
                         gw and gw.address_scope and i.address_scope == gw.address_scope)})
    if gw and gw.enable_snat and natted and _family(gw.ip_address) == 4:
        qg = gateway_dev_name(gw.port_id)
        doc.rule("postrouting", [_m(_meta("oifname"), qg),
                                 _m(saddr, {"set": [_addr(c) for c in natted]}),
                                 {"snat": {"addr": gw.ip_address}}])
    # Replies to guests of a floating IP reached from another internal subnet stay symmetric.
    if floats and router.interfaces:
        qrs = [router_dev_name(i.port_id) for i in router.interfaces]
        doc.rule("postrouting", [_m(_meta("oifname"), {"set": qrs}),
                                 _m({"ct": {"key": "status"}}, "dnat", "in"),
                                 _m(saddr, {"set": [_addr(c) for c in internal]}),
                                 {"masquerade": None}])
    return {"nftables": doc.cmds}
