"""The providers as the candidate search sees them (`candidates.World`), kept in memory between
requests so that a scheduling decision does not reload every provider of the cloud.

What changes slowly (providers, their inventories, traits and aggregates, the tree links) is
cached here; what changes with every claim (usages) is read for every request. Each `world()`
runs, in one read transaction:

1. one row per provider: id, uuid, name, generation, parent, root, created_at. A provider
   whose (uuid, created_at, generation) differs from the cached one, or that is new, has its
   inventories, traits and aggregates reloaded (`IN (...)`); vanished ones are dropped; names
   and tree links are taken from this row as they are;
2. the names of the custom resource classes (renaming a class rewrites inventories without
   swapping any generation);
3. the usage sums, one GROUP BY. Never cached: freeing allocations swaps no generation (as in
   OpenStack Placement), and usage is what every decision is about.

Consistency. The result is as fresh as reading everything in that transaction, whatever
process made a change (another controller on PostgreSQL/MariaDB included), because:
- every change of a provider's inventories, traits or aggregates swaps its generation in the
  same transaction (`txn.bump`); so does every allocation written against it;
- the cached data of a provider is read after (or in the same snapshot as) the generation
  recorded with it, so it is never older than that generation; a later change commits a new
  generation, which the next scan sees (on READ COMMITTED a change committed between our scan
  and our reload is caught by the next request: the data is then newer than its recorded
  generation, never older);
- renames, re-parenting, creation and deletion change the provider rows themselves, which are
  read in full every time; a provider deleted and created again with the same id and uuid has
  a different created_at (microseconds);
- class renames change the custom class names (2.).
There is therefore no staleness window beyond the one any snapshot has: it describes the
database at the moment it was read, and a claim made from it re-checks capacity and the
inventory constraints against the rows it locks (`allocations.replace`), so a candidate that
no longer fits is rejected, never over-committed.

Concurrent refreshes each build their own new snapshot from their own reads; cached entries
and the containers in them are never mutated after they are built, so a `World` handed out
stays as it was read even while another request refreshes the cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from nubo.placement import models as m
from nubo.placement.candidates import Inventory, Node, World

P, I_, A = m.ResourceProvider, m.Inventory, m.Allocation
T, G, RC = m.ProviderTrait, m.ProviderAggregate, m.CustomResourceClass
#: above this many changed providers, reload whole tables rather than long IN lists
MAX_IN = 500


@dataclass(frozen=True)
class _Entry:
    """The cached, slowly-changing part of one provider."""

    key: tuple[str, Any, int]                  # (uuid, created_at, generation)
    inventories: dict[str, Inventory]
    traits: frozenset[str]
    aggregates: frozenset[str]


@dataclass(frozen=True)
class _Snapshot:
    classes: frozenset[str]
    #: provider id -> (id, uuid, name, generation, parent id, root id, created_at)
    rows: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    entries: dict[int, _Entry] = field(default_factory=dict)
    nodes: dict[int, Node] = field(default_factory=dict)
    by_uuid: dict[str, Node] = field(default_factory=dict)
    trees: dict[int, list[Node]] = field(default_factory=dict)


class ProviderCache:
    """See the module docstring. One per `PlacementService`."""

    def __init__(self) -> None:
        self._snap: _Snapshot | None = None

    @property
    def loaded(self) -> bool:
        return self._snap is not None

    def entry(self, provider_id: int, key: tuple[str, Any, int]) -> _Entry | None:
        """The cached inventories, traits and aggregates of a provider if they are those of
        `key` (uuid, created_at, generation), just read from the database."""
        e = self._snap.entries.get(provider_id) if self._snap is not None else None
        return e if e is not None and e.key == key else None

    async def world(self, conn: AsyncConnection) -> World:
        result = await conn.execute(select(
            P.id, P.uuid, P.name, P.generation, P.parent_provider_id, P.root_provider_id,
            P.created_at).order_by(P.id))
        rows = {r[0]: tuple(r) for r in result}
        classes = frozenset((await conn.execute(select(RC.name))).scalars())
        snap = self._snap
        if snap is None or snap.classes != classes:
            snap = _Snapshot(classes)
        if rows != snap.rows:
            snap = await _refresh(conn, snap, rows)
            self._snap = snap
        usage: dict[int, dict[str, int]] = {}
        for rp, rc, n in await conn.execute(
                select(A.resource_provider_id, A.resource_class, func.sum(A.used))
                .group_by(A.resource_provider_id, A.resource_class)):
            if (u := usage.get(rp)) is None:
                usage[rp] = {rc: int(n)}
            else:
                u[rc] = int(n)
        return World(snap.nodes, usage, snap.by_uuid, snap.trees)


def _key(row: tuple[Any, ...]) -> tuple[str, Any, int]:
    return (row[1], row[6], row[3])


async def _refresh(conn: AsyncConnection, old: _Snapshot,
                   rows: dict[int, tuple[Any, ...]]) -> _Snapshot:
    """A new snapshot for `rows` (in id order); `old` and what it holds stay as they are."""
    changed = [i for i, r in rows.items() if old.rows.get(i) != r]
    stale = [i for i in changed
             if (e := old.entries.get(i)) is None or e.key != _key(rows[i])]
    entries = {i: e for i, e in old.entries.items() if i in rows}
    if stale:
        entries.update(await _load(conn, stale if len(stale) <= MAX_IN else None, rows))

    def node(r: tuple[Any, ...]) -> Node:
        e = entries[r[0]]
        return Node(r[0], r[1], r[2], r[3], r[4], r[5] or r[0], e.inventories, e.traits,
                    e.aggregates)

    # Only generations or names changed (every claim swaps one): swap those nodes in.
    same_shape = len(rows) == len(old.rows) and all(
        (o := old.rows.get(i)) is not None and o[1] == rows[i][1] and o[4:6] == rows[i][4:6]
        for i in changed)
    if same_shape:
        nodes, by_uuid, trees = dict(old.nodes), dict(old.by_uuid), dict(old.trees)
        roots = set()
        for i in changed:
            n = nodes[i] = by_uuid[rows[i][1]] = node(rows[i])
            roots.add(n.root_id)
        for root in roots:
            trees[root] = [nodes[n.id] for n in old.trees[root]]
        return _Snapshot(old.classes, rows, entries, nodes, by_uuid, trees)
    nodes, by_uuid, trees = {}, {}, {}
    for r in rows.values():                             # in id order
        n = nodes[r[0]] = by_uuid[r[1]] = node(r)
        if (tree := trees.get(n.root_id)) is None:
            trees[n.root_id] = [n]
        else:
            tree.append(n)
    return _Snapshot(old.classes, rows, entries, nodes, by_uuid, trees)


async def _load(conn: AsyncConnection, ids: list[int] | None,
                rows: dict[int, tuple[Any, ...]]) -> dict[int, _Entry]:
    """The entries of `ids` (None: of every provider in `rows`)."""
    def where(q: Any, col: Any) -> Any:
        return q if ids is None else q.where(col.in_(ids))

    wanted: Iterable[int] = rows if ids is None else ids
    invs: dict[int, dict[str, Inventory]] = {i: {} for i in wanted}
    traits: dict[int, set[str]] = {i: set() for i in invs}
    aggs: dict[int, set[str]] = {i: set() for i in invs}
    for rp, rc, *fields in await conn.execute(where(select(
            I_.resource_provider_id, I_.resource_class, I_.total, I_.reserved, I_.min_unit,
            I_.max_unit, I_.step_size, I_.allocation_ratio), I_.resource_provider_id)):
        if rp in invs:
            invs[rp][rc] = Inventory(*fields)
    for rp, t in await conn.execute(where(select(T.resource_provider_id, T.trait),
                                          T.resource_provider_id)):
        if rp in traits:
            traits[rp].add(t)
    for rp, agg in await conn.execute(where(select(G.resource_provider_id, G.aggregate_uuid),
                                            G.resource_provider_id)):
        if rp in aggs:
            aggs[rp].add(agg)
    return {i: _Entry(_key(rows[i]), invs[i], frozenset(traits[i]), frozenset(aggs[i]))
            for i in invs}
