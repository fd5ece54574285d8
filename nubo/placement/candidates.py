"""Allocation candidates, computed in memory over a snapshot of the providers.

Pure code: `World` is what the database says (providers, inventories, usages, traits,
aggregates); `Query` is what was asked (request groups as Placement defines them); `find`
returns the allocation requests that fit, tree by tree, in provider order.

Placement's semantics, in short:
- the unnumbered group may spread its resource classes over several providers of one tree
  (one provider per class); its traits must be found among the providers it uses;
- each suffixed group is satisfied by one provider; `group_policy=isolate` makes those
  providers distinct; a suffixed group without resources (1.36) only names a provider;
- every group of a candidate comes from the same tree; an aggregate on the root spans the tree;
- where groups land on the same provider their amounts add up and must fit together.
Sharing providers (MISC_SHARES_VIA_AGGREGATE) are not modelled: every tree stands alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import product

MAX_INT = 2147483647


@dataclass(frozen=True)
class Inventory:
    total: int
    reserved: int = 0
    min_unit: int = 1
    max_unit: int = MAX_INT
    step_size: int = 1
    allocation_ratio: float = 1.0

    @cached_property
    def capacity(self) -> int:
        """(total - reserved) x allocation_ratio; the fields are frozen, so worked out once
        (every candidate request asks it of every provider's every class)."""
        return int((self.total - self.reserved) * self.allocation_ratio)

    def allows(self, amount: int) -> bool:
        """min_unit, max_unit and step_size hold for one allocation of `amount`."""
        return (self.min_unit <= amount <= self.max_unit
                and amount % max(self.step_size, 1) == 0)

    def as_dict(self) -> dict[str, int | float]:
        return {"total": self.total, "reserved": self.reserved, "min_unit": self.min_unit,
                "max_unit": self.max_unit, "step_size": self.step_size,
                "allocation_ratio": self.allocation_ratio}


@dataclass
class Node:
    """One provider in the snapshot. Read-only once built: `snapshot.ProviderCache` shares
    the inventories, traits and aggregates of unchanged providers between snapshots."""

    id: int
    uuid: str
    name: str
    generation: int
    parent_id: int | None
    root_id: int
    inventories: dict[str, Inventory] = field(default_factory=dict)
    traits: frozenset[str] = frozenset()
    aggregates: frozenset[str] = frozenset()


NOTHING: dict[str, int] = {}


@dataclass
class World:
    """The providers (which change slowly: `snapshot.py` shares them between worlds) and what
    is used of them (read for every world)."""

    nodes: dict[int, Node]
    #: provider id -> {class: amount allocated}
    usage: dict[int, dict[str, int]] = field(default_factory=dict)
    by_uuid: dict[str, Node] = field(default_factory=dict)
    trees: dict[int, list[Node]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Both indexes may be handed in already built (snapshot.py builds them as it goes).
        if len(self.by_uuid) != len(self.nodes):
            self.by_uuid = {n.uuid: n for n in self.nodes.values()}
            self.trees = {}
            for n in sorted(self.nodes.values(), key=lambda n: n.id):
                self.trees.setdefault(n.root_id, []).append(n)

    def used(self, node_id: int) -> dict[str, int]:
        return self.usage.get(node_id, NOTHING)

    def fits(self, n: Node, rc: str, amount: int) -> bool:
        inv = n.inventories.get(rc)
        return (inv is not None and inv.allows(amount)
                and self.usage.get(n.id, NOTHING).get(rc, 0) + amount <= inv.capacity)

    def ancestors(self, node_id: int) -> list[int]:
        """node_id and its ancestors, nearest first."""
        out = []
        cur: int | None = node_id
        while cur is not None and cur in self.nodes:
            out.append(cur)
            cur = self.nodes[cur].parent_id
        return out


@dataclass(frozen=True)
class TraitFilter:
    """All of `required` (each an any-of set, 1.39), none of `forbidden`."""

    required: tuple[frozenset[str], ...] = ()
    forbidden: frozenset[str] = frozenset()

    def ok(self, traits: set[str] | frozenset[str]) -> bool:
        return all(any_of & traits for any_of in self.required) and not (
            self.forbidden & traits)

    def names(self) -> set[str]:
        return set().union(*self.required, self.forbidden)

    def __bool__(self) -> bool:
        return bool(self.required or self.forbidden)


@dataclass(frozen=True)
class AggregateFilter:
    """Member of one of each `member_of` set, of none of `forbidden`."""

    member_of: tuple[frozenset[str], ...] = ()
    forbidden: frozenset[str] = frozenset()

    def ok(self, aggregates: set[str] | frozenset[str]) -> bool:
        return all(any_of & aggregates for any_of in self.member_of) and not (
            self.forbidden & aggregates)


@dataclass(frozen=True)
class Group:
    suffix: str = ""
    resources: tuple[tuple[str, int], ...] = ()
    traits: TraitFilter = TraitFilter()
    aggregates: AggregateFilter = AggregateFilter()
    in_tree: str | None = None

    @property
    def same_provider(self) -> bool:
        return self.suffix != ""


@dataclass(frozen=True)
class Query:
    groups: tuple[Group, ...]
    group_policy: str | None = None
    limit: int | None = None
    root_traits: TraitFilter = TraitFilter()
    same_subtree: tuple[tuple[str, ...], ...] = ()
    #: 1.29+: a candidate may use several providers of a tree
    nested: bool = True


@dataclass(frozen=True)
class Match:
    root_id: int
    allocations: dict[int, dict[str, int]]       # node id -> class -> amount
    mappings: dict[str, list[int]]                # group suffix -> node ids


@dataclass(frozen=True)
class _Option:
    group: Group
    allocations: dict[int, dict[str, int]]
    providers: tuple[int, ...]


def _agg_ok(g: Group, node: Node, root: Node) -> bool:
    # An aggregate on the root spans the whole tree.
    return g.aggregates.ok(node.aggregates | root.aggregates)


def _single_options(world: World, tree: list[Node], root: Node, g: Group) -> list[_Option]:
    out = []
    for n in tree:
        if not (_agg_ok(g, n, root) and g.traits.ok(n.traits)):
            continue
        if all(world.fits(n, rc, amt) for rc, amt in g.resources):
            alloc = {n.id: dict(g.resources)} if g.resources else {}
            out.append(_Option(g, alloc, (n.id,)))
    return out


def _spread_options(world: World, tree: list[Node], root: Node, g: Group,
                    nested: bool) -> list[_Option]:
    per_class: list[list[Node]] = []
    for rc, amt in g.resources:
        fit = [n for n in tree if world.fits(n, rc, amt) and _agg_ok(g, n, root)]
        if not fit:
            return []
        per_class.append(fit)
    out = []
    for pick in product(*per_class):
        used = {n.id: n for n in pick}
        if not nested and len(used) > 1:
            continue
        if g.traits and not g.traits.ok(set().union(*(n.traits for n in used.values()))):
            continue
        alloc: dict[int, dict[str, int]] = {}
        for (rc, amt), n in zip(g.resources, pick, strict=True):
            alloc.setdefault(n.id, {})[rc] = amt
        out.append(_Option(g, alloc, tuple(sorted(used))))
    return out


def _in_subtree(world: World, ids: set[int]) -> bool:
    """Some provider among `ids` is an ancestor of (or is) all the others."""
    return any(all(top in world.ancestors(i) for i in ids) for top in ids)


def _combine(world: World, root_id: int, q: Query,
             combo: Sequence[_Option], tree_wide: Sequence[Group]) -> Match | None:
    if q.group_policy == "isolate":
        isolated = [o.providers[0] for o in combo if o.group.same_provider and o.group.resources]
        if len(set(isolated)) != len(isolated):
            return None
    merged: dict[int, dict[str, int]] = {}
    for o in combo:
        for nid, res in o.allocations.items():
            slot = merged.setdefault(nid, {})
            for rc, amt in res.items():
                slot[rc] = slot.get(rc, 0) + amt
    for nid, res in merged.items():
        node = world.nodes[nid]
        for rc, amt in res.items():
            inv = node.inventories[rc]
            if amt > inv.max_unit or world.used(nid).get(rc, 0) + amt > inv.capacity:
                return None
    if tree_wide:
        traits = set().union(*(world.nodes[nid].traits for nid in merged))
        if not all(g.traits.ok(traits) for g in tree_wide):
            return None
    mappings: dict[str, list[int]] = {}
    for o in combo:
        mappings.setdefault(o.group.suffix, [])
        for nid in o.providers:
            if nid not in mappings[o.group.suffix]:
                mappings[o.group.suffix].append(nid)
    for suffixes in q.same_subtree:
        ids = {nid for s in suffixes for nid in mappings.get(s, [])}
        if ids and not _in_subtree(world, ids):
            return None
    return Match(root_id, merged, mappings)


def _tree_matches(world: World, root_id: int, q: Query,
                  groups: Sequence[Group], tree_wide: Sequence[Group]) -> Iterator[Match]:
    root = world.nodes[root_id]
    if not q.root_traits.ok(root.traits):
        return
    tree = world.trees[root_id]
    options: list[list[_Option]] = []
    for g in groups:
        if g.in_tree is not None:
            anchor = world.by_uuid.get(g.in_tree)
            if anchor is None or anchor.root_id != root_id:
                return
        opts = (_single_options(world, tree, root, g) if g.same_provider
                else _spread_options(world, tree, root, g, q.nested))
        if not opts:
            return
        options.append(opts)
    for g in tree_wide:
        if g.in_tree is not None:
            anchor = world.by_uuid.get(g.in_tree)
            if anchor is None or anchor.root_id != root_id:
                return
        if not g.aggregates.ok(root.aggregates):
            return
    for combo in product(*options):
        m = _combine(world, root_id, q, combo, tree_wide)
        if m is not None:
            yield m


def _lone_group(q: Query, groups: Sequence[Group], tree_wide: Sequence[Group]) -> Group | None:
    """The query's one unnumbered group when nothing else constrains a candidate."""
    if (len(groups) != 1 or tree_wide or groups[0].same_provider or groups[0].in_tree
            or q.root_traits or q.same_subtree or not groups[0].resources):
        return None
    return groups[0]


def find(world: World, q: Query, roots: Iterable[int] | None = None) -> list[Match]:
    """The allocation requests satisfying `q`, at most `q.limit`, duplicates removed."""
    # An unnumbered group without resources only constrains the whole candidate.
    groups = [g for g in q.groups if g.resources or g.same_provider]
    tree_wide = [g for g in q.groups if not g.resources and not g.same_provider]
    out: list[Match] = []
    seen: set[tuple[frozenset[tuple[int, str, int]], frozenset[tuple[str, int]]]] = set()
    lone = _lone_group(q, groups, tree_wide)
    for root_id in sorted(world.trees if roots is None else roots):
        tree = world.trees[root_id]
        if lone is not None and len(tree) == 1:
            # The scheduler's common case, a compute node without children: the one group
            # fits on the one provider or not at all (and no other tree yields this match).
            n = tree[0]
            if (lone.traits.ok(n.traits) and lone.aggregates.ok(n.aggregates)
                    and all(world.fits(n, rc, amt) for rc, amt in lone.resources)):
                out.append(Match(root_id, {n.id: dict(lone.resources)}, {"": [n.id]}))
                if q.limit is not None and len(out) >= q.limit:
                    return out
            continue
        for m in _tree_matches(world, root_id, q, groups, tree_wide):
            key = (frozenset((nid, rc, amt) for nid, res in m.allocations.items()
                             for rc, amt in res.items()),
                   frozenset((s, nid) for s, ids in m.mappings.items() for nid in ids))
            if key in seen:
                continue
            seen.add(key)
            out.append(m)
            if q.limit is not None and len(out) >= q.limit:
                return out
    return out
