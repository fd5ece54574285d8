"""Resource classes and traits: the standard ones in code, CUSTOM_* ones in the database."""

from __future__ import annotations

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import utcnow
from nubo.placement import errors, names
from nubo.placement import models as m

RC = m.CustomResourceClass
TR = m.CustomTrait


# -------------------------------------------------------------------- resource classes

async def list_classes(s: AsyncSession) -> list[str]:
    rows = await s.execute(select(RC.name).order_by(RC.created_at, RC.name))
    return [*names.STANDARD_CLASSES, *rows.scalars()]


async def class_exists(s: AsyncSession, name: str) -> bool:
    if name in names.STANDARD_CLASS_SET:
        return True
    return (await s.execute(select(RC.name).where(RC.name == name))).first() is not None


async def get_class(s: AsyncSession, name: str) -> None:
    if not await class_exists(s, name):
        raise errors.ResourceClassNotFound(resource_class=name)


def _custom_class(name: str) -> None:
    if not names.is_custom(name):
        raise errors.InvalidResourceClassName(name=name)


async def create_class(s: AsyncSession, name: str) -> None:
    _custom_class(name)
    if await class_exists(s, name):
        raise errors.ConflictingResourceClass(resource_class=name)
    now = utcnow()
    await s.execute(insert(RC).values(name=name, created_at=now, updated_at=now))


async def ensure_class(s: AsyncSession, name: str) -> bool:
    """1.7+ PUT: True when the class was created, False when it already existed."""
    if name in names.STANDARD_CLASS_SET:
        return False
    _custom_class(name)
    if await class_exists(s, name):
        return False
    await create_class(s, name)
    return True


async def rename_class(s: AsyncSession, old: str, new: str) -> None:
    """1.2-1.6 PUT: rename a custom class, with every inventory and allocation of it."""
    if old in names.STANDARD_CLASS_SET:
        raise errors.ResourceClassCannotUpdateStandard(resource_class=old)
    await get_class(s, old)
    _custom_class(new)
    if await class_exists(s, new):
        raise errors.ResourceClassExists(resource_class=new)
    await s.execute(update(RC).where(RC.name == old).values(name=new, updated_at=utcnow()))
    for table in (m.Inventory, m.Allocation):
        await s.execute(update(table).where(table.resource_class == old)
                        .values(resource_class=new))


async def delete_class(s: AsyncSession, name: str) -> None:
    if name in names.STANDARD_CLASS_SET:
        raise errors.ResourceClassCannotDeleteStandard(resource_class=name)
    await get_class(s, name)
    if (await s.execute(select(exists().where(m.Inventory.resource_class == name)))).scalar():
        raise errors.ResourceClassInUse(resource_class=name)
    await s.execute(delete(RC).where(RC.name == name))


# ------------------------------------------------------------------------------ traits

async def list_traits(s: AsyncSession, name_filter: str | None,
                      associated: bool | None) -> list[str]:
    custom = list((await s.execute(select(TR.name))).scalars())
    found = sorted(names.STANDARD_TRAITS | set(custom))
    if name_filter is not None:
        kind, sep, arg = name_filter.partition(":")
        if not sep or kind not in ("in", "startswith"):
            raise errors.BadNameFilter(value=name_filter)
        if kind == "in":
            wanted = set(arg.split(","))
            found = [t for t in found if t in wanted]
        else:
            found = [t for t in found if t.startswith(arg)]
    if associated is not None:
        rows = await s.execute(select(m.ProviderTrait.trait).distinct())
        used = set(rows.scalars())
        found = [t for t in found if (t in used) == associated]
    return found


async def trait_exists(s: AsyncSession, name: str) -> bool:
    if name in names.STANDARD_TRAITS:
        return True
    return (await s.execute(select(TR.name).where(TR.name == name))).first() is not None


async def ensure_trait(s: AsyncSession, name: str) -> bool:
    """True when the custom trait was created, False when it already existed."""
    if not names.is_custom(name):
        raise errors.InvalidTrait()
    if await trait_exists(s, name):
        return False
    now = utcnow()
    await s.execute(insert(TR).values(name=name, created_at=now, updated_at=now))
    return True


async def delete_trait(s: AsyncSession, name: str) -> None:
    if name in names.STANDARD_TRAITS:
        raise errors.TraitCannotDeleteStandard(name=name)
    if not await trait_exists(s, name):
        raise errors.TraitNotFound(names=name)
    if (await s.execute(select(exists().where(m.ProviderTrait.trait == name)))).scalar():
        raise errors.TraitInUse(name=name)
    await s.execute(delete(TR).where(TR.name == name))
