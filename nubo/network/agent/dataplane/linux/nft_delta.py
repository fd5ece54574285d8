"""The difference between two filter documents (render_nft.render_filter) as one nft
transaction that turns the first ruleset into the second.

A whole document replaces both tables: `nft` parses and the kernel rebuilds every port's
chains, sets and rules, which costs ~2 ms per port (100 ms with 50 ports on a host, 500 ms
with 200) whatever changed. Between two documents usually only a few ports' chains and sets
and the dispatch rules (one vmap over all ports) differ; the delta sends just those:

1. new sets (with their elements) and new chains (empty, so that jumps to them resolve);
2. changed sets: flushed and filled again;
3. changed and new chains: flushed and filled with their rules;
4. chains no longer wanted: flushed, then deleted (their referrers were flushed in 3);
5. sets no longer wanted: deleted (every rule naming them was flushed above).

`None` means no delta is possible (other tables, a base chain's hook changed, a set's type
changed): the caller applies the whole document. A delta applied to a ruleset that is not the
old document (someone removed a chain by hand) fails in the kernel as a whole; the caller then
applies the whole document, which repairs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
TableKey = tuple[str, str]          # (family, table)


@dataclass
class _Table:
    chains: dict[str, Json] = field(default_factory=dict)         # name -> chain spec
    rules: dict[str, list[Any]] = field(default_factory=dict)     # chain -> rule exprs
    sets: dict[str, Json] = field(default_factory=dict)           # name -> spec, no elem
    elems: dict[str, list[Any]] = field(default_factory=dict)     # set -> elements


Ruleset = dict[TableKey, _Table]


def ruleset_of(doc: Json) -> Ruleset | None:
    """The tables of a whole document, or None if it is not shaped as render_filter's."""
    tables: dict[TableKey, _Table] = {}
    for cmd in doc.get("nftables", ()):
        verb, body = next(iter(cmd.items()))
        kind, spec = next(iter(body.items()))
        if kind == "table":
            tables.setdefault((spec["family"], spec["name"]), _Table())
            continue
        if verb != "add" or kind not in ("chain", "set", "rule"):
            return None
        t = tables.get((spec["family"], spec["table"]))
        if t is None:
            return None
        if kind == "chain":
            t.chains[spec["name"]] = spec
            t.rules.setdefault(spec["name"], [])
        elif kind == "set":
            t.sets[spec["name"]] = {k: v for k, v in spec.items() if k != "elem"}
            t.elems[spec["name"]] = list(spec.get("elem", ()))
        else:
            t.rules.setdefault(spec["chain"], []).append(spec["expr"])
    return tables


def filter_delta(old: Json, new: Json) -> Json | None:
    """The commands turning ruleset `old` into `new` (both whole documents), or None."""
    before, after = ruleset_of(old), ruleset_of(new)
    if before is None or after is None:
        return None
    return ruleset_delta(before, after)


def ruleset_delta(before: Ruleset, after: Ruleset) -> Json | None:
    """As filter_delta, from the rulesets of the documents (kept by the caller: the old
    one need not be read again)."""
    if set(before) != set(after):
        return None
    first: list[Json] = []      # steps 1-3
    last: list[Json] = []       # steps 4-5
    for key in sorted(after):
        steps = _table_delta(key, before[key], after[key])
        if steps is None:
            return None
        first += steps[0]
        last += steps[1]
    return {"nftables": first + last}


def _table_delta(key: TableKey, old: _Table, new: _Table
                 ) -> tuple[list[Json], list[Json]] | None:
    family, table = key
    ref = {"family": family, "table": table}
    for name in set(old.chains) & set(new.chains):
        if old.chains[name] != new.chains[name]:
            return None         # a base chain's hook or priority: replace the tables
    for name in set(old.sets) & set(new.sets):
        if old.sets[name] != new.sets[name]:
            return None
    add: list[Json] = []
    fill: list[Json] = []
    for name in sorted(set(new.sets) - set(old.sets)):
        spec = dict(new.sets[name])
        if new.elems[name]:
            spec["elem"] = new.elems[name]
        add.append({"add": {"set": spec}})
    for name in sorted(set(new.sets) & set(old.sets)):
        if new.elems[name] != old.elems[name]:
            fill.append({"flush": {"set": {**ref, "name": name}}})
            if new.elems[name]:
                fill.append({"add": {"element": {**ref, "name": name,
                                                 "elem": new.elems[name]}}})
    for name in sorted(set(new.chains) - set(old.chains)):
        add.append({"add": {"chain": new.chains[name]}})
    for name in sorted(new.chains):
        rules = new.rules.get(name, [])
        if name in old.chains:
            if old.rules.get(name, []) == rules:
                continue
            fill.append({"flush": {"chain": {**ref, "name": name}}})
        fill += [{"add": {"rule": {**ref, "chain": name, "expr": r}}} for r in rules]
    gone = sorted(set(old.chains) - set(new.chains))
    drop = [{"flush": {"chain": {**ref, "name": n}}} for n in gone]
    drop += [{"delete": {"chain": {**ref, "name": n}}} for n in gone]
    drop += [{"delete": {"set": {**ref, "name": n}}} for n in sorted(set(old.sets) - set(new.sets))]
    return add + fill, drop
