"""Is the database schema the one this code expects? (`nubo db upgrade --check`, doctor)"""

from __future__ import annotations

from dataclasses import dataclass

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


async def schema_state(url: str) -> SchemaState:
    """Raises what the driver raises when the database cannot be reached."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            at = await conn.run_sync(current)
    finally:
        await engine.dispose()
    return SchemaState(frozenset(at), frozenset(heads()))
