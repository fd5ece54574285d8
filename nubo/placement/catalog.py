"""Resource classes and traits: the standard ones in code, CUSTOM_* ones in the database."""

from __future__ import annotations

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import utcnow
from nubo.placement import models as m
from nubo.placement import names
from nubo.placement.errors import BadRequest, Conflict, NotFound

RC = m.CustomResourceClass
TR = m.CustomTrait

BAD_TRAIT = ('The trait is invalid. A valid trait must be no longer than 255 characters, '
             'start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" '
             'and "_"')


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
        raise NotFound(f"No such resource class {name}.")


def _custom_class(name: str) -> None:
    if not names.is_custom(name):
        raise BadRequest(f"Invalid resource class name {name!r}: custom resource classes "
                         "start with CUSTOM_ and use only A-Z, 0-9 and _.")


async def create_class(s: AsyncSession, name: str) -> None:
    _custom_class(name)
    if await class_exists(s, name):
        raise Conflict(f"Conflicting resource class already exists: {name}")
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
        raise BadRequest(f"Cannot update standard resource class {old}")
    await get_class(s, old)
    _custom_class(new)
    if await class_exists(s, new):
        raise Conflict(f"Resource class already exists: {new}")
    await s.execute(update(RC).where(RC.name == old).values(name=new, updated_at=utcnow()))
    for table in (m.Inventory, m.Allocation):
        await s.execute(update(table).where(table.resource_class == old)
                        .values(resource_class=new))


async def delete_class(s: AsyncSession, name: str) -> None:
    if name in names.STANDARD_CLASS_SET:
        raise BadRequest(f"Cannot delete standard resource class {name}")
    await get_class(s, name)
    if (await s.execute(select(exists().where(m.Inventory.resource_class == name)))).scalar():
        raise Conflict(f"Unable to delete resource class {name}. The resource class is in use "
                       "in inventory.")
    await s.execute(delete(RC).where(RC.name == name))


# ------------------------------------------------------------------------------ traits

async def list_traits(s: AsyncSession, name_filter: str | None,
                      associated: bool | None) -> list[str]:
    custom = list((await s.execute(select(TR.name))).scalars())
    found = sorted(names.STANDARD_TRAITS | set(custom))
    if name_filter is not None:
        kind, sep, arg = name_filter.partition(":")
        if not sep or kind not in ("in", "startswith"):
            raise BadRequest("Badly formatted name parameter. Expected name query string "
                             "parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. "
                             f"Got: \"{name_filter}\"")
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
        raise BadRequest(BAD_TRAIT)
    if await trait_exists(s, name):
        return False
    now = utcnow()
    await s.execute(insert(TR).values(name=name, created_at=now, updated_at=now))
    return True


async def delete_trait(s: AsyncSession, name: str) -> None:
    if name in names.STANDARD_TRAITS:
        raise BadRequest(f"Cannot delete standard trait {name}.")
    if not await trait_exists(s, name):
        raise NotFound(f"No such trait(s): {name}")
    if (await s.execute(select(exists().where(m.ProviderTrait.trait == name)))).scalar():
        raise Conflict(f"The trait {name} is in use by a resource provider.")
    await s.execute(delete(TR).where(TR.name == name))
