"""Write transactions that retry when they lose a race.

Every write that depends on a provider's state reads the provider's generation first and
finishes with a compare-and-swap on it (`UPDATE ... WHERE generation = :read`). If another
writer committed in between, the swap matches no row: nothing we read can be trusted, so the
whole transaction is rolled back and run again from the start. That holds on SQLite (writers
are serialized anyway), PostgreSQL (READ COMMITTED: the UPDATE waits for the other writer and
re-checks its WHERE) and MariaDB (REPEATABLE READ: the UPDATE reads the latest committed row).
Deadlocks and unique-key races are retried the same way.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database, utcnow
from nubo.core.errors import Conflict
from nubo.placement import errors
from nubo.placement import models as m

T = TypeVar("T")
ATTEMPTS = 60


class LostRace(Exception):
    """A generation we read ourselves changed under us: run the transaction again."""


def _transient(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    args: tuple[object, ...] = tuple(getattr(exc.orig, "args", ()))
    return (code in ("40001", "40P01") or "deadlock" in text or "serializ" in text
            or (len(args) > 0 and args[0] in (1205, 1213)))


async def write(db: Database, fn: Callable[[AsyncSession], Awaitable[T]],
                attempts: int = ATTEMPTS) -> T:
    for attempt in range(attempts):
        try:
            async with db.write() as s:
                return await fn(s)
        except LostRace:
            pass
        except Conflict as exc:
            if not isinstance(exc.__cause__, IntegrityError) or attempt == attempts - 1:
                raise
        except DBAPIError as exc:
            if not _transient(exc) or attempt == attempts - 1:
                raise
        # Jittered backoff so that the racers do not collide again in lockstep.
        await asyncio.sleep(random.uniform(0, 0.001 * min(attempt + 1, 20)))
    raise errors.MaxDBRetriesExceeded()


async def bump(s: AsyncSession, provider_id: int, seen: int, *, client: bool = False) -> int:
    """Compare-and-swap the provider's generation from `seen` to `seen + 1`. `client`: the
    caller named the generation it expects, so a mismatch is the caller's 409, not a retry."""
    r = await s.execute(update(m.ResourceProvider)
                        .where(m.ResourceProvider.id == provider_id,
                               m.ResourceProvider.generation == seen)
                        .values(generation=seen + 1, updated_at=utcnow())
                        .execution_options(synchronize_session=False))
    if r.rowcount != 1:  # type: ignore[attr-defined]
        if client:
            raise errors.ConcurrentUpdate()
        raise LostRace()
    return seen + 1
