"""The migration rows os-migrations shows: one per resize, cold migration, live migration
and evacuation. The row's uuid is also the placement consumer that holds the source host's
allocation while the move runs (Nova's migration-based allocations)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute.models import Instance
from nubo.compute.models_actions import Migration
from nubo.compute.models_flavors import Flavor
from nubo.core.db import Database, utcnow
from nubo.core.validation import as_int

#: statuses in which a live migration may still be forced to complete or aborted
LIVE_RUNNING = ("queued", "preparing", "running")
#: statuses that end a migration
FINAL = ("confirmed", "reverted", "completed", "done", "failed", "error", "cancelled")


async def record(db: Database, uuid: str, inst: Instance, migration_type: str, status: str,
                 source: str | None, dest: str | None = None,
                 new_flavor: dict[str, Any] | None = None) -> None:
    """Create the row if it is not there yet (a resumed step calls this again)."""
    async with db.write() as s:
        found = (await s.execute(select(Migration.id).where(Migration.uuid == uuid))).first()
        if found is not None:
            return
        now = utcnow()
        s.add(Migration(uuid=uuid, instance_uuid=inst.id, migration_type=migration_type,
                        status=status, source_compute=source, dest_compute=dest,
                        old_flavor_id=str(inst.flavor.get("id")),
                        new_flavor_id=str((new_flavor or inst.flavor).get("id")),
                        project_id=inst.project_id, user_id=inst.user_id,
                        created_at=now, updated_at=now))


async def set_status(db: Database, uuid: str, status: str, expect: tuple[str, ...] = (),
                     **values: Any) -> bool:
    """Move the row to `status` (only from one of `expect`, when given)."""
    async with db.write() as s:
        return await set_status_in(s, uuid, status, expect, **values)


async def set_status_in(s: AsyncSession, uuid: str, status: str,
                        expect: tuple[str, ...] = (), **values: Any) -> bool:
    """`set_status` inside the caller's transaction: a move's last step commits the
    instance's final state and its record's final status together, so a client that sees
    the server settled never reads the migration still running (nor does a kill -9
    between the two leave it running for ever)."""
    q = update(Migration).where(Migration.uuid == uuid)
    if expect:
        q = q.where(Migration.status.in_(expect))
    res = await s.execute(q.values(status=status, updated_at=utcnow(), **values))
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def status_of(db: Database, uuid: str) -> str | None:
    async with db.read() as s:
        return (await s.execute(select(Migration.status).where(
            Migration.uuid == uuid))).scalar_one_or_none()


async def by_id(db: Database, migration_id: str, instance_uuid: str) -> Migration | None:
    """The row with this (integer) id if it is the instance's (Nova's
    get_by_id_and_instance); None for anything else."""
    wanted = as_int(migration_id, 0) if migration_id.isdigit() else None
    if wanted is None:
        return None
    async with db.read() as s:
        m = await s.get(Migration, wanted)
    return m if m is not None and m.instance_uuid == instance_uuid else None


async def search(db: Database, filters: dict[str, str], live_too: bool
                 ) -> tuple[list[Migration], dict[str, int]]:
    """os-migrations' rows, newest first, filtered on equal columns (`filters` keys are
    Migration attributes), without live migrations unless `live_too`; and the flavors'
    flavorid -> id for the rows' old and new flavors."""
    stmt = select(Migration)
    for key, value in filters.items():
        stmt = stmt.where(getattr(Migration, key) == value)
    if not live_too:
        stmt = stmt.where(Migration.migration_type != "live-migration")
    async with db.read() as s:
        rows = list((await s.execute(stmt.order_by(Migration.created_at.desc(),
                                                   Migration.id.desc()))).scalars())
        wanted = {f for m in rows for f in (m.old_flavor_id, m.new_flavor_id) if f}
        flavor_ids = {flavorid: id_ for flavorid, id_ in (await s.execute(
            select(Flavor.flavorid, Flavor.id).where(Flavor.flavorid.in_(wanted)))).all()}
    return rows, flavor_ids


async def live_running(db: Database, instance_uuid: str) -> list[Migration]:
    """The instance's live migrations still running, oldest first."""
    async with db.read() as s:
        return list((await s.execute(select(Migration).where(
            Migration.instance_uuid == instance_uuid,
            Migration.migration_type == "live-migration",
            Migration.status.in_(LIVE_RUNNING)).order_by(Migration.id))).scalars())
