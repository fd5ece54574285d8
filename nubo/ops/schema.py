"""Is the database schema the one this code expects? (`nubo db upgrade --check`, doctor)"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from nubo.core.db import async_url
from nubo.core.migrations import current, heads


@dataclass(frozen=True)
class SchemaState:
    at: frozenset[str]
    head: frozenset[str]

    @property
    def current(self) -> bool:
        return self.at == self.head

    @property
    def line(self) -> str:
        at = ",".join(sorted(self.at)) or "empty"
        head = ",".join(sorted(self.head))
        if self.current:
            return f"database schema is current ({head})"
        return f"database schema is at {at}, this code needs {head}: run `nubo db upgrade`"


def schema_state(url: str) -> SchemaState:
    """Raises what the driver raises when the database cannot be reached. A SQLite file
    that does not exist is an empty database (and is not created)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:") and \
            not os.path.exists(str(u.database)):
        return SchemaState(frozenset(), frozenset(heads()))
    return SchemaState(frozenset(asyncio.run(_current(url))), frozenset(heads()))


async def _current(url: str) -> set[str]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(current)
    finally:
        await engine.dispose()
