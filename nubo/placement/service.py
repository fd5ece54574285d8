"""The placement service: what handlers call, and the in-process interface the scheduler and
compute hosts use (`ensure_provider`, `candidates`, `claim`, ...), on the same code paths.

Services never see a request: they take values and raise typed errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import uuid as uuidlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database
from nubo.placement import allocations as allocs
from nubo.placement import catalog, errors, names, txn
from nubo.placement import providers as rps
from nubo.placement.candidates import (
    AggregateFilter,
    Group,
    Inventory,
    Match,
    Node,
    Query,
    TraitFilter,
    World,
    find,
)
from nubo.placement.errors import (
    CapacityExceeded,
    ConstraintsViolated,
)
from nubo.placement.providers import Provider
from nubo.placement.query import ProviderFilters
from nubo.placement.snapshot import ProviderCache

__all__ = ["Candidate", "ClaimAborted", "ConsumerWrite", "InTransaction", "Inventory",
           "PlacementService", "Provider"]
ConsumerWrite = allocs.ConsumerWrite
T = TypeVar("T")
INVENTORY_FIELDS = ("total", "reserved", "min_unit", "max_unit", "step_size",
                    "allocation_ratio")


#: what a caller of `claim` does in the claim's own transaction; False aborts the claim
InTransaction = Callable[[AsyncSession], Awaitable[bool]]


class ClaimAborted(Exception):
    """The caller's part of a claim (`then`) declined: nothing was written."""


@dataclass(frozen=True)
class Candidate:
    root_uuid: str                                   # the compute node's provider
    allocations: dict[str, dict[str, int]]           # rp_uuid -> {resource_class: amount}
    #: the world it was found in and its tree (summaries are made only when asked for)
    world: World = dataclasses.field(repr=False, compare=False)
    tree: Sequence[Node] = dataclasses.field(repr=False, compare=False)

    @functools.cached_property
    def summaries(self) -> dict[str, dict[str, Any]]:
        """Per provider of the tree: {"resources": {rc: {"capacity": int, "used": int}},
        "traits": [...], "name", "parent_provider_uuid", "root_provider_uuid",
        "aggregates"}."""
        return {n.uuid: summary(n, self.world) for n in self.tree}

    def free(self, rp_uuid: str) -> dict[str, tuple[int, int]]:
        """A provider's (capacity, used) per resource class, without a whole summary."""
        node = self.world.by_uuid.get(rp_uuid)
        if node is None:
            return {}
        used = self.world.used(node.id)
        return {rc: (inv.capacity, used.get(rc, 0)) for rc, inv in node.inventories.items()}


def _with_usage(world: World, allocations: Mapping[str, Mapping[str, int]]) -> World:
    """A copy of `world` with `allocations` (provider uuid -> {class: amount}) added to its
    usage; `world` itself is not changed (worlds handed out stay as they were read)."""
    usage = dict(world.usage)
    for rp_uuid, res in allocations.items():
        node = world.by_uuid.get(rp_uuid)
        if node is None:
            continue
        used = dict(usage.get(node.id, {}))
        for rc, amount in res.items():
            used[rc] = used.get(rc, 0) + amount
        usage[node.id] = used
    return World(world.nodes, usage, world.by_uuid, world.trees)


def inventory(data: Mapping[str, Any]) -> Inventory:
    """An Inventory from a dict with Placement's defaults for what is left out."""
    unknown = set(data) - set(INVENTORY_FIELDS)
    if unknown or "total" not in data:
        raise errors.BadInventory(inventory=dict(data), fields=", ".join(INVENTORY_FIELDS))
    return Inventory(**{k: data[k] for k in INVENTORY_FIELDS if k in data})


def summary(node: Node, world: World, all_classes: bool = True,
            wanted: Iterable[str] = ()) -> dict[str, Any]:
    wanted = set(wanted)
    used = world.used(node.id)
    res = {rc: {"capacity": inv.capacity, "used": used.get(rc, 0)}
           for rc, inv in sorted(node.inventories.items()) if all_classes or rc in wanted}
    parent = world.nodes.get(node.parent_id) if node.parent_id is not None else None
    return {"resources": res, "traits": sorted(node.traits), "name": node.name,
            "parent_provider_uuid": parent.uuid if parent else None,
            "root_provider_uuid": world.nodes[node.root_id].uuid,
            "aggregates": sorted(node.aggregates)}


#: how old the scheduler's world (`candidates`) may be before it is read again: what this
#: process writes is applied to it at once; this bounds how late it sees another process's
#: changes (another controller on PostgreSQL/MariaDB). Claims re-check against the database.
SCHEDULER_WORLD_TTL = 1.0


class PlacementService:
    def __init__(self, db: Database) -> None:
        self.db = db
        #: providers, inventories, traits, aggregates between candidate requests
        self._providers = ProviderCache()
        #: the scheduler's world: (loop time read, world, `_claims` when its read ended)
        self._sched_world: tuple[float, World, int] | None = None
        #: this process's placement writes other than claims: under way, and started or
        #: finished (a world is kept only if its read overlapped none of them)
        self._inflight = 0
        self._epoch = 0
        #: claims started: a claim adds itself to a world whose read ended before it began
        #: (one that overlapped it may or may not hold it; leaving it out only costs a
        #: failed claim and a new read, counting it twice could refuse a host that fits)
        self._claims = 0

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        self._inflight += 1
        self._epoch += 1
        try:
            yield
        finally:
            self._inflight -= 1
            self._epoch += 1

    async def _write(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Every placement write of this process: the scheduler's world is read again."""
        with self._writing():
            try:
                return await txn.write(self.db, fn)
            finally:
                self._sched_world = None

    # ================================================================ providers

    async def create_provider(self, name: str, uuid: str | None = None,
                              parent_uuid: str | None = None) -> Provider:
        new = uuid or str(uuidlib.uuid4())
        return await self._write(lambda s: rps.create(s, new, name, parent_uuid))

    async def get_provider(self, uuid: str) -> Provider:
        async with self.db.read() as s:
            return await rps.get(s, uuid)

    async def list_providers(self, f: ProviderFilters) -> list[Provider]:
        async with self.db.read() as s:
            await self._check_names(s, (rc for rc, _ in f.resources), f.traits.names())
            return await rps.list_(s, f)

    async def _check_names(self, s: AsyncSession, classes: Iterable[str],
                           traits: Iterable[str]) -> None:
        bad = await rps.unknown_classes(s, classes)
        if bad:
            raise errors.ResourceClassNotFoundInQuery(names=", ".join(sorted(bad)))
        missing = await rps.unknown_traits(s, traits)
        if missing:
            raise errors.TraitsNotFound(names=", ".join(sorted(missing)))

    async def update_provider(self, uuid: str, name: str, parent_uuid: str | None = None,
                              change_parent: bool = False,
                              allow_reparent: bool = False) -> Provider:
        return await self._write(lambda s: rps.update_provider(
            s, uuid, name, parent_uuid, change_parent, allow_reparent))

    async def delete_provider(self, uuid: str, missing_ok: bool = True) -> None:
        """Delete a provider (refused while it has children or allocations)."""
        async def run(s: AsyncSession) -> None:
            if missing_ok and await rps.find(s, uuid) is None:
                return
            await rps.delete_provider(s, uuid)
        await self._write(run)

    # ================================================================ inventories

    async def inventories(self, uuid: str) -> tuple[Provider, dict[str, Inventory]]:
        async with self.db.read() as s:
            p = await rps.get(s, uuid)
            return p, {rc: inv for rc, (inv, _) in (await rps.inventories(s, p.id)).items()}

    async def set_inventories(self, uuid: str, generation: int | None,
                              wanted: Mapping[str, Inventory],
                              reserved_may_equal: bool = True) -> int:
        async def run(s: AsyncSession) -> int:
            p = await rps.get(s, uuid)
            return await rps.replace_inventories(s, p, wanted, generation, reserved_may_equal)
        return await self._write(run)

    async def change_inventory(self, uuid: str, rc: str, inv: Inventory | None,
                               generation: int | None, *, create: bool = False,
                               reserved_may_equal: bool = True) -> int:
        """Add (`create`), replace or (inv None) delete the inventory of one class."""
        async def run(s: AsyncSession) -> int:
            p = await rps.get(s, uuid)
            rps.expect(p, generation)
            current = {k: v for k, (v, _) in (await rps.inventories(s, p.id)).items()}
            if create and rc in current:
                raise errors.InventoryExists(uuid=uuid, resource_class=rc)
            if not create and rc not in current:
                if inv is None:
                    raise errors.InventoryNotFoundForDelete(resource_class=rc)
                raise errors.InventoryWithResourceClassNotFound(resource_class=rc, uuid=uuid)
            if inv is None:
                del current[rc]
            else:
                current[rc] = inv
            return await rps.replace_inventories(s, p, current, generation, reserved_may_equal)
        return await self._write(run)

    # ================================================================ traits, aggregates

    async def provider_traits(self, uuid: str) -> tuple[Provider, list[str]]:
        async with self.db.read() as s:
            p = await rps.get(s, uuid)
            return p, await rps.traits(s, p.id)

    async def set_provider_traits(self, uuid: str, generation: int | None,
                                  traits: Iterable[str]) -> int:
        wanted = list(traits)

        async def run(s: AsyncSession) -> int:
            return await rps.replace_traits(s, await rps.get(s, uuid), wanted, generation)
        return await self._write(run)

    async def provider_aggregates(self, uuid: str) -> tuple[Provider, list[str]]:
        async with self.db.read() as s:
            p = await rps.get(s, uuid)
            return p, await rps.aggregates(s, p.id)

    async def set_provider_aggregates(self, uuid: str, generation: int | None,
                                      aggregates: Iterable[str]) -> int:
        wanted = list(aggregates)

        async def run(s: AsyncSession) -> int:
            return await rps.replace_aggregates(s, await rps.get(s, uuid), wanted, generation)
        return await self._write(run)

    # ================================================================ classes and traits

    async def resource_classes(self) -> list[str]:
        async with self.db.read() as s:
            return await catalog.list_classes(s)

    async def get_resource_class(self, name: str) -> None:
        async with self.db.read() as s:
            await catalog.get_class(s, name)

    async def create_resource_class(self, name: str) -> None:
        await self._write(lambda s: catalog.create_class(s, name))

    async def ensure_resource_class(self, name: str) -> bool:
        return await self._write(lambda s: catalog.ensure_class(s, name))

    async def rename_resource_class(self, old: str, new: str) -> None:
        await self._write(lambda s: catalog.rename_class(s, old, new))

    async def delete_resource_class(self, name: str) -> None:
        await self._write(lambda s: catalog.delete_class(s, name))

    async def traits(self, name_filter: str | None = None,
                     associated: bool | None = None) -> list[str]:
        async with self.db.read() as s:
            return await catalog.list_traits(s, name_filter, associated)

    async def trait_exists(self, name: str) -> bool:
        async with self.db.read() as s:
            return await catalog.trait_exists(s, name)

    async def ensure_trait(self, name: str) -> bool:
        return await self._write(lambda s: catalog.ensure_trait(s, name))

    async def delete_trait(self, name: str) -> None:
        await self._write(lambda s: catalog.delete_trait(s, name))

    # ================================================================ allocations, usages

    async def provider_usages(self, uuid: str) -> tuple[Provider, dict[str, int]]:
        async with self.db.read() as s:
            p = await rps.get(s, uuid)
            used = await rps.usages(s, p.id)
            invs = await rps.inventories(s, p.id)
            return p, {rc: used.get(rc, 0) for rc in sorted(set(invs) | set(used))}

    async def provider_allocations(
            self, uuid: str) -> tuple[Provider, dict[str, tuple[dict[str, int], int | None]]]:
        async with self.db.read() as s:
            p = await rps.get(s, uuid)
            return p, await allocs.for_provider(s, p.id)

    async def consumer_allocations(self, consumer_uuid: str) -> allocs.ConsumerAllocations:
        async with self.db.read() as s:
            return await allocs.for_consumer(s, consumer_uuid)

    async def replace_allocations(self, writes: Sequence[ConsumerWrite]) -> None:
        """Set the allocations of every consumer in `writes` in one transaction."""
        await self._write(lambda s: allocs.replace(s, writes))

    async def remove_allocations(self, consumer_uuid: str) -> None:
        """DELETE /allocations/{consumer}: a 404 when it has none."""
        async def run(s: AsyncSession) -> None:
            have = await allocs.for_consumer(s, consumer_uuid)
            if not have.allocations:
                raise errors.ConsumerAllocationsNotFound(uuid=consumer_uuid)
            await allocs.replace(s, [ConsumerWrite(consumer_uuid, {}, "", "")])
        await self._write(run)

    async def project_usages(self, project_id: str, user_id: str | None = None,
                             consumer_type: str | None = None,
                             by_type: bool = False) -> dict[str, Any]:
        async with self.db.read() as s:
            if by_type:
                return await allocs.usages_by_type(s, project_id, user_id, consumer_type)
            return await allocs.usages(s, project_id, user_id)

    async def reshape(self, inventories: Mapping[str, tuple[int, Mapping[str, Inventory]]],
                      writes: Sequence[ConsumerWrite]) -> None:
        """POST /reshaper: move inventory and the allocations against it, atomically.
        Inventories first grow to old + new, allocations move, then old inventory goes."""
        async def run(s: AsyncSession) -> None:
            for rp_uuid, (gen, wanted) in sorted(inventories.items()):
                p = await rps.get(s, rp_uuid)
                rps.expect(p, gen)
                await self._check_names(s, wanted, ())
                current = {k: v for k, (v, _) in (await rps.inventories(s, p.id)).items()}
                await rps.replace_inventories(s, p, {**current, **wanted}, None)
            await allocs.replace(s, writes)
            for rp_uuid, (_gen, wanted) in sorted(inventories.items()):
                await rps.replace_inventories(s, await rps.get(s, rp_uuid), wanted, None)
        await self._write(run)

    # ================================================================ candidates

    async def world(self) -> World:
        """A snapshot of every provider with its inventories, usages, traits, aggregates,
        as of now: cached parts are re-validated against the database (`snapshot.py`)."""
        async with self.db.read() as s:
            return await self._providers.world(await s.connection())

    async def allocation_candidates(self, q: Query) -> tuple[list[Match], World]:
        """GET /allocation_candidates: unknown classes and traits are a 400, as in Placement."""
        async with self.db.read() as s:
            await self._check_names(
                s, {rc for g in q.groups for rc, _ in g.resources},
                set().union(q.root_traits.names(), *(g.traits.names() for g in q.groups)))
            world = await self._providers.world(await s.connection())
        return find(world, q), world

    # ================================================================ in-process interface

    async def ensure_provider(self, uuid: str, name: str,
                              inventories: dict[str, dict[str, Any]],
                              traits: Iterable[str] = (), aggregates: Iterable[str] = (),
                              parent_uuid: str | None = None) -> None:
        """Create or update a provider so that it has exactly these inventories/traits/
        aggregates (idempotent; how a compute host reports itself on start). Custom classes
        and traits are created as needed."""
        wanted_inv = {rc: inventory(d) for rc, d in inventories.items()}
        wanted_traits, wanted_aggs = frozenset(traits), frozenset(aggregates)
        # Every host reports itself on every start: when nothing changed, one read and no
        # write transaction (SQLite has one writer at a time).
        if await self._provider_is(uuid, name, parent_uuid, wanted_inv, wanted_traits,
                                   wanted_aggs):
            return

        async def run(s: AsyncSession) -> None:
            for rc in wanted_inv:
                await catalog.ensure_class(s, rc)
            for t in wanted_traits:
                if t not in names.STANDARD_TRAITS:
                    await catalog.ensure_trait(s, t)
            p = await rps.find(s, uuid)
            if p is None:
                await rps.create_with(s, uuid, name, parent_uuid, wanted_inv, wanted_traits,
                                      wanted_aggs)
                return
            if p.name != name or p.parent_uuid != parent_uuid:
                p = await rps.update_provider(s, uuid, name, parent_uuid, True, True)
            current = {k: v for k, (v, _) in (await rps.inventories(s, p.id)).items()}
            if current != wanted_inv:
                gen = await rps.replace_inventories(s, p, wanted_inv, None)
                p = dataclasses.replace(p, generation=gen)
            if set(await rps.traits(s, p.id)) != wanted_traits:
                gen = await rps.replace_traits(s, p, wanted_traits, None)
                p = dataclasses.replace(p, generation=gen)
            if set(await rps.aggregates(s, p.id)) != wanted_aggs:
                await rps.replace_aggregates(s, p, wanted_aggs, None)
        await self._write(run)

    async def _provider_is(self, uuid: str, name: str, parent_uuid: str | None,
                           invs: dict[str, Inventory], traits: frozenset[str],
                           aggregates: frozenset[str]) -> bool:
        """The provider exists with exactly this name, parent, inventories, traits and
        aggregates (then custom classes and traits it names exist too: they are in use).
        One query when the provider cache holds it at the generation read."""
        if not self._providers.loaded:
            await self.world()      # one load for all the hosts that report themselves
        async with self.db.read() as s:
            p = await rps.find(s, uuid)
            if p is None or p.name != name or p.parent_uuid != parent_uuid:
                return False
            e = self._providers.entry(p.id, (p.uuid, p.created_at, p.generation))
            if e is not None:
                return (e.inventories == invs and e.traits == traits
                        and e.aggregates == aggregates)
            return ({k: v for k, (v, _) in (await rps.inventories(s, p.id)).items()} == invs
                    and set(await rps.traits(s, p.id)) == traits
                    and set(await rps.aggregates(s, p.id)) == aggregates)

    async def candidates(self, resources: dict[str, int], required: Iterable[str] = (),
                         forbidden: Iterable[str] = (),
                         member_of: Sequence[Iterable[str]] = (),
                         in_tree: str | None = None,
                         limit: int | None = None) -> list[Candidate]:
        """Where `resources` fit now: one candidate per way of placing them in a provider tree
        (the unnumbered group of GET /allocation_candidates). `member_of`: each entry is a
        set of aggregates of which the provider (or its root) must be in at least one."""
        group = Group(resources=tuple(resources.items()),
                      traits=TraitFilter(tuple(frozenset([t]) for t in required),
                                         frozenset(forbidden)),
                      aggregates=AggregateFilter(tuple(frozenset(a) for a in member_of)),
                      in_tree=in_tree)
        world = await self._scheduler_world()
        out = []
        for match in find(world, Query(groups=(group,), limit=limit)):
            tree = world.trees[match.root_id]
            out.append(Candidate(
                root_uuid=world.nodes[match.root_id].uuid,
                allocations={world.nodes[nid].uuid: dict(res)
                             for nid, res in match.allocations.items()},
                world=world, tree=tree))
        return out

    async def _scheduler_world(self) -> World:
        """`world()`, kept between scheduling decisions (see SCHEDULER_WORLD_TTL)."""
        now = asyncio.get_running_loop().time()
        cached = self._sched_world
        if cached is not None and now - cached[0] < SCHEDULER_WORLD_TTL:
            return cached[1]
        epoch, idle = self._epoch, self._inflight == 0
        world = await self.world()
        if idle and epoch == self._epoch:
            self._sched_world = (now, world, self._claims)
        return world

    async def claim(self, consumer_uuid: str, allocations: dict[str, dict[str, int]],
                    project_id: str, user_id: str, then: InTransaction | None = None) -> bool:
        """Atomically replace the consumer's allocations if every provider still has room
        (capacity = (total - reserved) * allocation_ratio, and min/max_unit/step_size hold);
        False when it does not fit any more (the caller picks another candidate).
        `then(session)` runs in the same transaction once the allocations are written (the
        caller's own bookkeeping: one commit for both); when it returns False everything is
        rolled back and `ClaimAborted` is raised."""
        write = ConsumerWrite(consumer_uuid, allocations, project_id, user_id)
        had: set[str] = set()

        async def run(s: AsyncSession) -> None:
            had.clear()
            had.update(await allocs.replace(s, [write]))
            if then is not None and not await then(s):
                raise ClaimAborted(consumer_uuid)
        self._claims += 1
        started = self._claims
        try:
            await txn.write(self.db, run)
        except (CapacityExceeded, ConstraintsViolated):
            self._sched_world = None        # the world it was chosen from was stale
            return False
        cur = self._sched_world
        if cur is not None and had:         # replaced allocations we did not count
            self._sched_world = None
        elif cur is not None and cur[2] < started:
            self._sched_world = (cur[0], _with_usage(cur[1], allocations), cur[2])
        return True

    async def allocations(self, consumer_uuid: str) -> dict[str, dict[str, int]]:
        have = await self.consumer_allocations(consumer_uuid)
        return {rp: dict(res) for rp, (_gen, res) in have.allocations.items()}

    async def delete_allocations(self, consumer_uuid: str) -> None:
        """Remove every allocation of the consumer (nothing to do if it has none)."""
        await self.replace_allocations([ConsumerWrite(consumer_uuid, {}, "", "")])

    async def usages(self, project_id: str, user_id: str | None = None) -> dict[str, int]:
        return await self.project_usages(project_id, user_id)
