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
    entries: dict[int, _Entry] = field(default_factory=dict)


class ProviderCache:
    """See the module docstring. One per `PlacementService`."""

    def __init__(self) -> None:
        self._snap: _Snapshot | None = None
        #: for the benchmark and tests: how many providers the last refresh reloaded
        self.reloaded = 0

    @property
    def loaded(self) -> bool:
        return self._snap is not None

    def entry(self, provider_id: int, key: tuple[str, Any, int]) -> _Entry | None:
        """The cached inventories, traits and aggregates of a provider if they are those of
        `key` (uuid, created_at, generation), just read from the database."""
        e = self._snap.entries.get(provider_id) if self._snap is not None else None
        return e if e is not None and e.key == key else None

    async def world(self, conn: AsyncConnection) -> World:
        rows = (await conn.execute(select(
            P.id, P.uuid, P.name, P.generation, P.parent_provider_id, P.root_provider_id,
            P.created_at).order_by(P.id))).all()
        classes = frozenset((await conn.execute(select(RC.name))).scalars())
        old = self._snap
        if old is None or old.classes != classes:
            old = _Snapshot(classes)
        keys = {r[0]: (r[1], r[6], r[3]) for r in rows}
        stale = [i for i, k in keys.items()
                 if (e := old.entries.get(i)) is None or e.key != k]
        entries = {i: e for i, e in old.entries.items() if i in keys}
        if stale:
            entries.update(await _load(conn, stale if len(stale) <= MAX_IN else None, keys))
        self._snap = _Snapshot(classes, entries)
        self.reloaded = len(stale)
        used: dict[int, dict[str, int]] = {}
        for rp, rc, n in await conn.execute(
                select(A.resource_provider_id, A.resource_class, func.sum(A.used))
                .group_by(A.resource_provider_id, A.resource_class)):
            used.setdefault(rp, {})[rc] = int(n)
        nodes: dict[int, Node] = {}
        by_uuid: dict[str, Node] = {}
        trees: dict[int, list[Node]] = {}
        for i, uuid, name, gen, parent, root, _created in rows:     # in id order
            e = entries[i]
            node = nodes[i] = by_uuid[uuid] = Node(i, uuid, name, gen, parent, root or i,
                                                   e.inventories, used.get(i, {}), e.traits,
                                                   e.aggregates)
            if (tree := trees.get(node.root_id)) is None:
                trees[node.root_id] = [node]
            else:
                tree.append(node)
        return World(nodes, by_uuid, trees)


async def _load(conn: AsyncConnection, ids: list[int] | None,
                keys: dict[int, tuple[str, Any, int]]) -> dict[int, _Entry]:
    """The entries of `ids` (None: of every provider in `keys`)."""
    def where(q: Any, col: Any) -> Any:
        return q if ids is None else q.where(col.in_(ids))

    wanted: Iterable[int] = keys if ids is None else ids
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
    return {i: _Entry(keys[i], invs[i], frozenset(traits[i]), frozenset(aggs[i]))
            for i in invs}
