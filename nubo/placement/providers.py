"""Resource providers and what hangs on them: inventories, traits, aggregates.

Functions over an open session, so that the service composes them in one transaction (the
in-process `ensure_provider`, the reshaper). Each change of a provider's inventories, traits or
aggregates ends with `txn.bump` on the generation read at the start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from nubo.core.db import utcnow
from nubo.placement import errors, names
from nubo.placement import models as m
from nubo.placement.candidates import Inventory
from nubo.placement.query import ProviderFilters
from nubo.placement.txn import LostRace, bump

P = m.ResourceProvider
I = m.Inventory  # noqa: E741
A = m.Allocation


@dataclass(frozen=True)
class Provider:
    id: int
    uuid: str
    name: str
    generation: int
    parent_uuid: str | None
    root_uuid: str
    parent_id: int | None
    root_id: int
    created_at: datetime
    updated_at: datetime


_PARENT, _ROOT = aliased(P), aliased(P)
# Built once: making the aliases anew for every query cost more than running it.
_SELECT: Select[Any] = (select(P, _PARENT.uuid, _ROOT.uuid)  # type: ignore[assignment]
                        .outerjoin(_PARENT, P.parent_provider_id == _PARENT.id)
                        .outerjoin(_ROOT, P.root_provider_id == _ROOT.id))


def _select() -> Select[Any]:
    return _SELECT


def _provider(row: Any) -> Provider:
    p, parent_uuid, root_uuid = row
    return Provider(p.id, p.uuid, p.name, p.generation, parent_uuid, root_uuid or p.uuid,
                    p.parent_provider_id, p.root_provider_id or p.id, p.created_at,
                    p.updated_at)


async def find(s: AsyncSession, uuid: str) -> Provider | None:
    row = (await s.execute(_select().where(P.uuid == uuid))).first()
    return _provider(row) if row else None


async def get(s: AsyncSession, uuid: str) -> Provider:
    p = await find(s, uuid)
    if p is None:
        raise errors.ProviderNotFound(uuid=uuid)
    return p


async def list_(s: AsyncSession, f: ProviderFilters) -> list[Provider]:
    q = _select()
    if f.name is not None:
        q = q.where(P.name == f.name)
    if f.uuid is not None:
        q = q.where(P.uuid == f.uuid)
    if f.in_tree is not None:
        anchor = await find(s, f.in_tree)
        if anchor is None:
            return []
        q = q.where(P.root_provider_id == anchor.root_id)
    for any_of in f.traits.required:
        q = q.where(exists().where(m.ProviderTrait.resource_provider_id == P.id,
                                   m.ProviderTrait.trait.in_(any_of)))
    if f.traits.forbidden:
        q = q.where(~exists().where(m.ProviderTrait.resource_provider_id == P.id,
                                    m.ProviderTrait.trait.in_(f.traits.forbidden)))
    # An aggregate on the root spans its tree (as allocation candidates see it).
    in_agg = m.ProviderAggregate
    for any_of in f.aggregates.member_of:
        q = q.where(exists().where(in_agg.resource_provider_id.in_(
            [P.id, P.root_provider_id]), in_agg.aggregate_uuid.in_(any_of)))
    if f.aggregates.forbidden:
        q = q.where(~exists().where(in_agg.resource_provider_id.in_(
            [P.id, P.root_provider_id]), in_agg.aggregate_uuid.in_(f.aggregates.forbidden)))
    found = [_provider(r) for r in (await s.execute(q.order_by(P.id))).all()]
    if f.resources:
        found = [p for p in found if await _has_room(s, p.id, dict(f.resources))]
    return found


async def _has_room(s: AsyncSession, provider_id: int, wanted: dict[str, int]) -> bool:
    invs = await inventories(s, provider_id)
    used = await usages(s, provider_id)
    for rc, amount in wanted.items():
        inv = invs.get(rc)
        if inv is None or not inv[0].allows(amount):
            return False
        if used.get(rc, 0) + amount > inv[0].capacity:
            return False
    return True


async def _check_name(s: AsyncSession, name: str, uuid: str | None = None) -> None:
    q = select(P.uuid).where(P.name == name)
    other = (await s.execute(q)).scalar_one_or_none()
    if other is not None and other != uuid:
        raise errors.DuplicateName(name=name)


async def create(s: AsyncSession, uuid: str, name: str, parent_uuid: str | None) -> Provider:
    if await find(s, uuid) is not None:
        raise errors.ProviderExists(uuid=uuid)
    await _check_name(s, name)
    parent = None
    if parent_uuid is not None:
        parent = await find(s, parent_uuid)
        if parent is None:
            raise errors.ParentProviderNotFound(parent_uuid=parent_uuid)
    now = utcnow()
    await s.execute(insert(P).values(
        uuid=uuid, name=name, generation=0, created_at=now, updated_at=now,
        parent_provider_id=parent.id if parent else None,
        root_provider_id=parent.root_id if parent else None))
    new_id = (await s.execute(select(P.id).where(P.uuid == uuid))).scalar_one()
    if parent is None:
        await s.execute(update(P).where(P.id == new_id).values(root_provider_id=new_id))
    return await get(s, uuid)


async def create_with(s: AsyncSession, uuid: str, name: str, parent_uuid: str | None,
                      invs: Mapping[str, Inventory], traits: Iterable[str],
                      aggregates: Iterable[str]) -> None:
    """A new provider with its inventories, traits and aggregates, in a few statements: the
    rows and the generation (one swap per non-empty part) that `create` followed by the
    `replace_*` functions would leave. The caller has checked that `uuid` is free (a racing
    creator makes the insert fail, and the transaction runs again) and that custom classes
    and traits exist."""
    traits, aggregates = set(traits), set(aggregates)
    await _check_name(s, name)
    parent = None
    if parent_uuid is not None:
        parent = await find(s, parent_uuid)
        if parent is None:
            raise errors.ParentProviderNotFound(parent_uuid=parent_uuid)
    for rc, inv in invs.items():
        check_inventory(uuid, rc, inv, True)
    now = utcnow()
    r = await s.execute(insert(P).values(
        uuid=uuid, name=name, generation=sum(1 for part in (invs, traits, aggregates) if part),
        created_at=now, updated_at=now, parent_provider_id=parent.id if parent else None,
        root_provider_id=parent.root_id if parent else None))
    new_id = r.inserted_primary_key[0]  # type: ignore[attr-defined]
    if parent is None:
        await s.execute(update(P).where(P.id == new_id).values(root_provider_id=new_id))
    if invs:
        await s.execute(insert(I), [{"resource_provider_id": new_id, "resource_class": rc,
                                     "created_at": now, "updated_at": now, **inv.as_dict()}
                                    for rc, inv in invs.items()])
    if traits:
        await s.execute(insert(m.ProviderTrait), [
            {"resource_provider_id": new_id, "trait": t} for t in sorted(traits)])
    if aggregates:
        await s.execute(insert(m.ProviderAggregate), [
            {"resource_provider_id": new_id, "aggregate_uuid": a} for a in sorted(aggregates)])


async def _subtree(s: AsyncSession, provider_id: int) -> list[int]:
    out, frontier = [provider_id], [provider_id]
    while frontier:
        rows = await s.execute(select(P.id).where(P.parent_provider_id.in_(frontier)))
        frontier = list(rows.scalars())
        out.extend(frontier)
    return out


async def update_provider(s: AsyncSession, uuid: str, name: str, parent_uuid: str | None,
                          change_parent: bool, allow_reparent: bool) -> Provider:
    """Rename, and (when `change_parent`) set the parent. Before 1.37 a parent, once set,
    cannot change; from 1.37 a provider may move anywhere outside its own subtree."""
    p = await get(s, uuid)
    await _check_name(s, name, uuid)
    values: dict[str, object] = {"name": name, "updated_at": utcnow()}
    if change_parent and parent_uuid != p.parent_uuid:
        if p.parent_uuid is not None and not allow_reparent:
            raise errors.ObjectActionError(
                uuid=uuid, action="update",
                reason="re-parenting a provider is not currently allowed")
        subtree = await _subtree(s, p.id)
        if parent_uuid is None:
            new_root, new_parent = p.id, None
        else:
            parent = await find(s, parent_uuid)
            if parent is None:
                raise errors.ParentProviderNotFound(parent_uuid=parent_uuid)
            if parent.id in subtree:
                raise errors.ProviderTreeLoop()
            new_root, new_parent = parent.root_id, parent.id
        values["parent_provider_id"] = new_parent
        await s.execute(update(P).where(P.id.in_(subtree)).values(root_provider_id=new_root))
    await s.execute(update(P).where(P.id == p.id).values(**values))
    return await get(s, uuid)


async def delete_provider(s: AsyncSession, uuid: str) -> None:
    p = await get(s, uuid)
    if (await s.execute(select(P.id).where(P.parent_provider_id == p.id).limit(1))).first():
        raise errors.CannotDeleteParent(uuid=uuid)
    if (await s.execute(select(A.id).where(A.resource_provider_id == p.id).limit(1))).first():
        raise errors.ProviderInUse(uuid=uuid)
    # A root refers to itself; MariaDB (InnoDB) refuses to delete a row its own foreign key
    # points to, so let go of that reference first.
    await s.execute(update(P).where(P.id == p.id, P.root_provider_id == p.id)
                    .values(root_provider_id=None))
    r = await s.execute(delete(P).where(P.id == p.id, P.generation == p.generation))
    if r.rowcount != 1:  # type: ignore[attr-defined]
        # Someone allocated or changed it meanwhile: look again from the start.
        raise LostRace()


def expect(p: Provider, client_generation: int | None) -> None:
    """The caller's generation (if it named one) must be the provider's current one."""
    if client_generation is not None and client_generation != p.generation:
        raise errors.ConcurrentUpdate()


# ------------------------------------------------------------------------- inventories

async def inventories(s: AsyncSession, provider_id: int) -> dict[str, tuple[Inventory, datetime]]:
    rows = await s.execute(select(I).where(I.resource_provider_id == provider_id))
    return {i.resource_class: (Inventory(i.total, i.reserved, i.min_unit, i.max_unit,
                                         i.step_size, i.allocation_ratio), i.updated_at)
            for i in rows.scalars()}


async def usages(s: AsyncSession, provider_id: int) -> dict[str, int]:
    rows = await s.execute(select(A.resource_class, func.sum(A.used))
                           .where(A.resource_provider_id == provider_id)
                           .group_by(A.resource_class))
    return {rc: int(n) for rc, n in rows}


def check_inventory(uuid: str, rc: str, inv: Inventory, reserved_may_equal: bool) -> None:
    if inv.reserved > inv.total or (inv.reserved == inv.total and not reserved_may_equal):
        raise errors.InvalidInventoryCapacity(uuid=uuid, resource_class=rc)
    if inv.min_unit > inv.max_unit:
        raise errors.InvalidInventoryUnits(uuid=uuid, resource_class=rc)


async def replace_inventories(s: AsyncSession, p: Provider, wanted: Mapping[str, Inventory],
                              client_generation: int | None,
                              reserved_may_equal: bool = True) -> int:
    """Make the provider's inventories exactly `wanted`; the new generation. `p` must have
    been read in this transaction (its generation is the one swapped)."""
    expect(p, client_generation)
    missing = await unknown_classes(s, wanted)
    if missing:
        raise errors.UnknownInventoryClass(uuid=p.uuid, classes=", ".join(sorted(missing)))
    for rc, inv in wanted.items():
        check_inventory(p.uuid, rc, inv, reserved_may_equal)
    current = await inventories(s, p.id)
    gone = set(current) - set(wanted)
    if gone:
        used = await usages(s, p.id)
        busy = sorted(rc for rc in gone if used.get(rc))
        if busy:
            raise errors.InventoryInUse(resource_classes=", ".join(busy), uuid=p.uuid)
        await s.execute(delete(I).where(I.resource_provider_id == p.id,
                                        I.resource_class.in_(gone)))
    now = utcnow()
    for rc, inv in wanted.items():
        if rc not in current:
            await s.execute(insert(I).values(resource_provider_id=p.id, resource_class=rc,
                                             created_at=now, updated_at=now, **inv.as_dict()))
        elif current[rc][0] != inv:
            await s.execute(update(I).where(I.resource_provider_id == p.id,
                                            I.resource_class == rc)
                            .values(updated_at=now, **inv.as_dict()))
    return await bump(s, p.id, p.generation, client=client_generation is not None)


async def unknown_classes(s: AsyncSession, classes: Iterable[str]) -> set[str]:
    custom = {rc for rc in classes if rc not in names.STANDARD_CLASS_SET}
    if not custom:
        return set()
    rows = await s.execute(select(m.CustomResourceClass.name)
                           .where(m.CustomResourceClass.name.in_(custom)))
    return custom - set(rows.scalars())


async def unknown_traits(s: AsyncSession, traits: Iterable[str]) -> set[str]:
    custom = {t for t in traits if t not in names.STANDARD_TRAITS}
    if not custom:
        return set()
    rows = await s.execute(select(m.CustomTrait.name).where(m.CustomTrait.name.in_(custom)))
    return custom - set(rows.scalars())


# ------------------------------------------------------------------- traits, aggregates

async def traits(s: AsyncSession, provider_id: int) -> list[str]:
    rows = await s.execute(select(m.ProviderTrait.trait)
                           .where(m.ProviderTrait.resource_provider_id == provider_id))
    return sorted(rows.scalars())


async def replace_traits(s: AsyncSession, p: Provider, wanted: Iterable[str],
                         client_generation: int | None) -> int:
    wanted = set(wanted)
    expect(p, client_generation)
    missing = await unknown_traits(s, wanted)
    if missing:
        raise errors.TraitsNotFound(names=", ".join(sorted(missing)))
    current = set(await traits(s, p.id))
    T = m.ProviderTrait
    if current - wanted:
        await s.execute(delete(T).where(T.resource_provider_id == p.id,
                                        T.trait.in_(current - wanted)))
    for t in sorted(wanted - current):
        await s.execute(insert(T).values(resource_provider_id=p.id, trait=t))
    return await bump(s, p.id, p.generation, client=client_generation is not None)


async def aggregates(s: AsyncSession, provider_id: int) -> list[str]:
    rows = await s.execute(select(m.ProviderAggregate.aggregate_uuid)
                           .where(m.ProviderAggregate.resource_provider_id == provider_id))
    return sorted(rows.scalars())


async def replace_aggregates(s: AsyncSession, p: Provider, wanted: Iterable[str],
                             client_generation: int | None) -> int:
    wanted = set(wanted)
    expect(p, client_generation)
    current = set(await aggregates(s, p.id))
    G = m.ProviderAggregate
    if current - wanted:
        await s.execute(delete(G).where(and_(G.resource_provider_id == p.id,
                                             G.aggregate_uuid.in_(current - wanted))))
    for agg in sorted(wanted - current):
        await s.execute(insert(G).values(resource_provider_id=p.id, aggregate_uuid=agg))
    return await bump(s, p.id, p.generation, client=client_generation is not None)
