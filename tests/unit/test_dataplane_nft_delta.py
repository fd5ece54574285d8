"""filter_delta: applied to the old ruleset, its commands give exactly the new one, and never
break a reference on the way (the kernel refuses a transaction that does)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from nubo.network.agent.dataplane.base import (
    AddressPair,
    FixedIp,
    PortSpec,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
)
from nubo.network.agent.dataplane.linux.nft_delta import filter_delta
from nubo.network.agent.dataplane.linux.render_nft import render_filter

NET = "11111111-2222-3333-4444-555555555555"
SUB = "aaaaaaaa-0000-0000-0000-000000000001"
WEB = SecurityGroupSpec("sg-web", (
    SecurityGroupRuleSpec("r1", "ingress", "IPv4", "tcp", 22, 22),
    SecurityGroupRuleSpec("r2", "ingress", "IPv4", remote_group_id="sg-web"),
    SecurityGroupRuleSpec("r3", "egress", "IPv4")))
DB = SecurityGroupSpec("sg-db", (SecurityGroupRuleSpec("r4", "ingress", "IPv4", "tcp", 5432,
                                                       5432, remote_group_id="sg-web"),))


def port(n: int, groups: tuple[str, ...] = ("sg-web",), **kw: Any) -> PortSpec:
    return PortSpec(f"port{n:02d}", NET, f"fa:16:3e:00:00:{n:02x}",
                    (FixedIp(SUB, f"10.0.0.{n + 10}"),), "compute:nova", groups, **kw)


@dataclass
class Ruleset:
    """What the kernel holds, with the checks that make it refuse a transaction."""

    chains: dict[str, list[str]] = field(default_factory=dict)      # key -> rules (json)
    sets: dict[str, list[str]] = field(default_factory=dict)        # key -> elements (json)
    specs: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def key(spec: dict[str, Any], name: str = "name") -> str:
        return f"{spec['family']}/{spec['table']}/{spec[name]}"

    def refs(self, family: str, table: str, expr: Any) -> None:
        text = json.dumps(expr)
        for target in _find(expr, "target"):
            assert f"{family}/{table}/{target}" in self.chains, f"jump to missing {target}"
        for word in text.split('"'):
            if word.startswith("@"):
                assert f"{family}/{table}/{word[1:]}" in self.sets, f"missing set {word}"

    def run(self, doc: dict[str, Any]) -> None:
        for cmd in doc["nftables"]:
            (verb, body), = cmd.items()
            (kind, spec), = body.items()
            if kind == "table":
                if verb == "delete":
                    t = f"{spec['family']}/{spec['name']}/"
                    for d in (self.chains, self.sets, self.specs):
                        for k in [k for k in d if k.startswith(t)]:
                            del d[k]
                continue
            if kind == "rule":
                self.refs(spec["family"], spec["table"], spec["expr"])
                self.chains[self.key(spec, "chain")].append(json.dumps(spec["expr"]))
                continue
            k = self.key(spec)
            if (verb, kind) == ("add", "chain"):
                assert k not in self.chains, f"chain {k} exists"
                self.chains[k], self.specs[k] = [], json.dumps(spec, sort_keys=True)
            elif (verb, kind) == ("add", "set"):
                assert k not in self.sets, f"set {k} exists"
                self.sets[k] = sorted(json.dumps(e) for e in spec.get("elem", []))
                self.specs[k] = json.dumps({a: b for a, b in spec.items() if a != "elem"},
                                           sort_keys=True)
            elif (verb, kind) == ("add", "element"):
                self.sets[k] = sorted(self.sets[k] + [json.dumps(e) for e in spec["elem"]])
            elif (verb, kind) == ("flush", "chain"):
                self.chains[k] = []
            elif (verb, kind) == ("flush", "set"):
                self.sets[k] = []
            elif (verb, kind) == ("delete", "chain"):
                assert not self.chains[k], f"deleting non-empty chain {k}"
                assert not any(f'"target": "{spec["name"]}"' in r for c in self.chains.values()
                               for r in c), f"deleting chain {k} still jumped to"
                del self.chains[k], self.specs[k]
            elif (verb, kind) == ("delete", "set"):
                assert not any(f'"@{spec["name"]}"' in r for c in self.chains.values()
                               for r in c), f"deleting set {k} still in use"
                del self.sets[k], self.specs[k]
            else:
                raise AssertionError(f"unexpected command {cmd}")


def _find(obj: Any, key: str) -> list[str]:
    if isinstance(obj, dict):
        return [v for k, v in obj.items() if k == key] + \
            [x for v in obj.values() for x in _find(v, key)]
    if isinstance(obj, list):
        return [x for v in obj for x in _find(v, key)]
    return []


def whole(doc: dict[str, Any]) -> Ruleset:
    r = Ruleset()
    r.run(doc)
    return r


def check(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    delta = filter_delta(old, new)
    assert delta is not None
    live = whole(old)
    live.run(delta)
    assert live == whole(new)
    return delta


PORTS = [port(n) for n in range(1, 6)]


def test_adding_one_port_sends_its_chains_and_the_dispatch_rules_only() -> None:
    old = render_filter(PORTS, [WEB])
    new = render_filter([*PORTS, port(6)], [WEB])
    delta = check(old, new)
    touched = {spec.get("chain", spec.get("name")) for c in delta["nftables"]
               for body in c.values() for spec in body.values()}
    assert {"s-port06", "e-port06", "i-port06", "m-port06", "a4-port06"} <= touched
    assert not {n for n in touched if "port03" in n}        # the others' are left alone
    assert {"prerouting", "forward", "egress", "ingress", "zone"} <= touched
    assert len(delta["nftables"]) < len(new["nftables"]) / 3
    assert not [c for c in delta["nftables"] if "table" in next(iter(c.values()))]


@pytest.mark.parametrize("change", [
    "remove a port", "remove all", "change a group's rules", "port changes group",
    "new group", "address pair", "port security off", "nothing"])
def test_delta_gives_the_new_ruleset(change: str) -> None:
    old = render_filter(PORTS, [WEB, DB])
    ports, groups = list(PORTS), [WEB, DB]
    if change == "remove a port":
        ports.pop(2)
    elif change == "remove all":
        ports, groups = [], []
    elif change == "change a group's rules":
        groups[0] = replace(WEB, rules=WEB.rules[1:])
    elif change == "port changes group":
        ports[1] = replace(ports[1], security_group_ids=("sg-db",))
    elif change == "new group":
        extra = SecurityGroupSpec("sg-new", (SecurityGroupRuleSpec("x", "ingress", "IPv6"),))
        groups.append(extra)
        ports[0] = replace(ports[0], security_group_ids=("sg-web", "sg-new"))
    elif change == "address pair":
        ports[3] = replace(ports[3], allowed_address_pairs=(AddressPair("10.9.0.0/24"),))
    elif change == "port security off":
        ports[4] = replace(ports[4], port_security_enabled=False)
    delta = check(old, render_filter(ports, groups))
    if change == "nothing":
        assert delta == {"nftables": []}


def test_a_group_chain_removed_with_its_last_port() -> None:
    old = render_filter([port(1), port(2, ("sg-db",))], [WEB, DB])
    check(old, render_filter([port(1)], [WEB]))
    check(render_filter([port(1)], [WEB]), old)


def test_no_delta_between_other_tables_or_changed_base_chains() -> None:
    old = render_filter(PORTS, [WEB])
    assert filter_delta(old, render_filter(PORTS, [WEB], table="other")) is None
    moved = json.loads(json.dumps(old))
    for cmd in moved["nftables"]:
        chain = cmd.get("add", {}).get("chain")
        if chain and chain.get("hook") == "forward":
            chain["prio"] = 5
    assert filter_delta(old, moved) is None
    assert filter_delta({"nftables": [{"list": {"ruleset": None}}]}, old) is None


def test_render_memo_reuses_unchanged_ports_and_keeps_only_the_last_render() -> None:
    memo: dict[Any, Any] = {}
    first = render_filter(PORTS, [WEB], memo=memo)
    assert first == render_filter(PORTS, [WEB])
    assert len(memo) == 2 * len(PORTS)              # spoofing + filter chains per port
    kept = {k: v for k, v in memo.items() if k[1] == PORTS[1]}
    changed = replace(PORTS[0], allowed_address_pairs=(AddressPair("10.9.0.1"),))
    second = render_filter([changed, PORTS[1]], [WEB], memo=memo)
    assert second == render_filter([changed, PORTS[1]], [WEB])
    assert {k[1] for k in memo} == {changed, PORTS[1]}      # no stale port left
    assert all(memo[k] is v for k, v in kept.items())        # not rendered again
