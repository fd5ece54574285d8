"""Consumers and their allocations: reads, usages, and the one write path that replaces the
allocations of one or more consumers atomically.

The write never over-commits a provider: in one transaction it reads the generations of the
providers involved (first, before anything else), their inventories and the usage of every
other consumer, checks capacity, swaps each provider's generation (in id order, so concurrent
writers lock rows in the same order and cannot deadlock) and only then writes the rows. A lost
swap raises `LostRace`, and `txn.write` runs the whole thing again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import utcnow
from nubo.placement import errors
from nubo.placement import models as m
from nubo.placement.candidates import Inventory
from nubo.placement.txn import LostRace, bump

P = m.ResourceProvider
A = m.Allocation
C = m.Consumer
I = m.Inventory  # noqa: E741

Generation = int | None | Literal["any"]


@dataclass(frozen=True)
class ConsumerWrite:
    """The allocations one consumer should have afterwards (empty: none).
    `generation`: "any" skips the check (pre-1.28, in-process claims); None means "the
    consumer must not exist yet"; a number must equal the consumer's generation."""

    consumer_uuid: str
    allocations: Mapping[str, Mapping[str, int]]
    project_id: str
    user_id: str
    generation: Generation = "any"
    consumer_type: str | None = None


@dataclass
class ConsumerAllocations:
    project_id: str | None = None
    user_id: str | None = None
    generation: int | None = None
    consumer_type: str | None = None
    #: provider uuid -> (provider generation, {class: amount})
    allocations: dict[str, tuple[int, dict[str, int]]] = field(default_factory=dict)


async def for_consumer(s: AsyncSession, consumer_uuid: str) -> ConsumerAllocations:
    out = ConsumerAllocations()
    c = (await s.execute(select(C).where(C.uuid == consumer_uuid))).scalar_one_or_none()
    if c is not None:
        out.project_id, out.user_id = c.project_id, c.user_id
        out.generation, out.consumer_type = c.generation, c.consumer_type
    rows = await s.execute(select(P.uuid, P.generation, A.resource_class, A.used)
                           .join(P, P.id == A.resource_provider_id)
                           .where(A.consumer_id == consumer_uuid).order_by(A.id))
    for uuid, gen, rc, used in rows:
        out.allocations.setdefault(uuid, (gen, {}))[1][rc] = used
    return out


async def for_provider(s: AsyncSession,
                       provider_id: int) -> dict[str, tuple[dict[str, int], int | None]]:
    """consumer uuid -> ({class: amount}, consumer generation)."""
    rows = await s.execute(select(A.consumer_id, A.resource_class, A.used, C.generation)
                           .outerjoin(C, C.uuid == A.consumer_id)
                           .where(A.resource_provider_id == provider_id).order_by(A.id))
    out: dict[str, tuple[dict[str, int], int | None]] = {}
    for consumer, rc, used, gen in rows:
        out.setdefault(consumer, ({}, gen))[0][rc] = used
    return out


def _scope(q, project_id: str, user_id: str | None):  # type: ignore[no-untyped-def]
    q = q.where(C.project_id == project_id)
    return q.where(C.user_id == user_id) if user_id is not None else q


async def usages(s: AsyncSession, project_id: str, user_id: str | None) -> dict[str, int]:
    q = (select(A.resource_class, func.sum(A.used)).join(C, C.uuid == A.consumer_id)
         .group_by(A.resource_class))
    rows = await s.execute(_scope(q, project_id, user_id))
    return {rc: int(n) for rc, n in rows}


async def usages_by_type(s: AsyncSession, project_id: str, user_id: str | None,
                         consumer_type: str | None) -> dict[str, dict[str, int]]:
    """1.38: {type: {class: amount, "consumer_count": n}}; "all" groups everything under
    one key, "unknown" is the type of consumers made before 1.38."""
    kind = func.coalesce(C.consumer_type, "unknown")
    q = (select(kind, A.resource_class, func.sum(A.used), func.count(A.consumer_id.distinct()))
         .join(C, C.uuid == A.consumer_id).group_by(kind, A.resource_class))
    counts_q = (select(kind, func.count(A.consumer_id.distinct()))
                .join(C, C.uuid == A.consumer_id).group_by(kind))
    if consumer_type not in (None, "all"):
        q = q.where(kind == consumer_type)
        counts_q = counts_q.where(kind == consumer_type)
    rows = (await s.execute(_scope(q, project_id, user_id))).all()
    counts = dict((await s.execute(_scope(counts_q, project_id, user_id))).all())
    out: dict[str, dict[str, int]] = {}
    if consumer_type == "all":
        if rows:
            total: dict[str, int] = {}
            for _kind, rc, used, _n in rows:
                total[rc] = total.get(rc, 0) + int(used)
            total["consumer_count"] = int(sum(counts.values()))
            out["all"] = total
        return out
    for k, rc, used, _n in rows:
        out.setdefault(k, {"consumer_count": int(counts.get(k, 0))})[rc] = int(used)
    return out


async def replace(s: AsyncSession, writes: Sequence[ConsumerWrite]) -> set[str]:
    """Replace the allocations of every consumer in `writes`, all or nothing. Returns the
    consumers among them that existed before (had allocations)."""
    wanted_rps = sorted({rp for w in writes for rp in w.allocations})
    provs: dict[str, tuple[int, int]] = {}
    if wanted_rps:
        rows = await s.execute(select(P.uuid, P.id, P.generation).where(P.uuid.in_(wanted_rps)))
        provs = {u: (i, g) for u, i, g in rows}
    for rp in wanted_rps:
        if rp not in provs:
            raise errors.AllocationProviderNotFound(uuid=rp)
    uuids = sorted({w.consumer_uuid for w in writes})
    current = {c.uuid: c for c in (await s.execute(select(C).where(C.uuid.in_(uuids))))
               .scalars()}
    for w in writes:
        have = current.get(w.consumer_uuid)
        seen = have.generation if have is not None else None
        if w.generation != "any" and w.generation != seen:
            raise errors.ConsumerGenerationConflict(expected=_g(w.generation), got=_g(seen))
    await _check_capacity(s, writes, provs, uuids)
    # Take the provider rows, in id order, before writing anything that refers to them.
    for rp_id, gen in sorted(provs.values()):
        await bump(s, rp_id, gen)
    now = utcnow()
    for w in sorted(writes, key=lambda w: w.consumer_uuid):
        have = current.get(w.consumer_uuid)
        await _write_consumer(s, w, have, now)
        if have is not None:    # a consumer row exists exactly while it has allocations
            await s.execute(delete(A).where(A.consumer_id == w.consumer_uuid))
        rows_in = [{"resource_provider_id": provs[rp][0], "consumer_id": w.consumer_uuid,
                    "resource_class": rc, "used": amount, "created_at": now,
                    "updated_at": now}
                   for rp, res in w.allocations.items() for rc, amount in res.items()]
        if rows_in:
            await s.execute(insert(A), rows_in)
    return set(current)


def _g(gen: Generation) -> str:
    return "null" if gen is None else str(gen)


async def _check_capacity(s: AsyncSession, writes: Sequence[ConsumerWrite],
                          provs: dict[str, tuple[int, int]], consumers: list[str]) -> None:
    if not provs:
        return
    ids = [i for i, _ in provs.values()]
    uuid_of = {i: u for u, (i, _) in provs.items()}
    invs = {(r.resource_provider_id, r.resource_class): Inventory(
                r.total, r.reserved, r.min_unit, r.max_unit, r.step_size, r.allocation_ratio)
            for r in (await s.execute(select(I).where(I.resource_provider_id.in_(ids))))
            .scalars()}
    others = await s.execute(select(A.resource_provider_id, A.resource_class, func.sum(A.used))
                             .where(A.resource_provider_id.in_(ids),
                                    A.consumer_id.not_in(consumers))
                             .group_by(A.resource_provider_id, A.resource_class))
    used = {(rp, rc): int(n) for rp, rc, n in others}
    wanted: dict[tuple[int, str], int] = {}
    for w in writes:
        for rp, res in w.allocations.items():
            rp_id = provs[rp][0]
            for rc, amount in res.items():
                inv = invs.get((rp_id, rc))
                if inv is None:
                    raise errors.InvalidAllocationInventory(resource_class=rc, uuid=rp)
                if not inv.allows(amount):
                    raise errors.InvalidAllocationConstraintsViolated(
                        resource_class=rc, uuid=rp, amount=amount, min_unit=inv.min_unit,
                        max_unit=inv.max_unit, step_size=inv.step_size)
                wanted[(rp_id, rc)] = wanted.get((rp_id, rc), 0) + amount
    for (rp_id, rc), amount in sorted(wanted.items()):
        if used.get((rp_id, rc), 0) + amount > invs[(rp_id, rc)].capacity:
            raise errors.CapacityExceeded(resource_class=rc, uuid=uuid_of[rp_id])


async def _write_consumer(s: AsyncSession, w: ConsumerWrite, have: m.Consumer | None,
                          now: object) -> None:
    """Create, update (generation + 1) or, with no allocations left, delete the consumer,
    swapping its generation so that two writers of one consumer cannot both win."""
    if have is None:
        if w.allocations:
            await s.execute(insert(C).values(
                uuid=w.consumer_uuid, project_id=w.project_id, user_id=w.user_id,
                generation=1, consumer_type=w.consumer_type, created_at=now, updated_at=now))
        return
    same = (C.id == have.id) & (C.generation == have.generation)
    if w.allocations:
        values: dict[str, object] = {"generation": have.generation + 1, "updated_at": now,
                                     "project_id": w.project_id, "user_id": w.user_id}
        if w.consumer_type is not None:
            values["consumer_type"] = w.consumer_type
        r = await s.execute(update(C).where(same).values(**values)
                            .execution_options(synchronize_session=False))
    else:
        r = await s.execute(delete(C).where(same).execution_options(synchronize_session=False))
    if r.rowcount != 1:  # type: ignore[attr-defined]
        if w.generation != "any":
            raise errors.ConsumerConcurrentUpdate()
        raise LostRace()
