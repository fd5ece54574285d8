"""Alembic migrations for every service's tables (one history, run on SQLite, PostgreSQL and
MariaDB alike). `upgrade` runs them on a connection; `nubo db upgrade` and `nubo up` call it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent


def alembic_config(connection: Any = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Any, revision: str = "head") -> None:
    command.upgrade(alembic_config(connection), revision)


def downgrade(connection: Any, revision: str = "base") -> None:
    command.downgrade(alembic_config(connection), revision)


def heads() -> set[str]:
    """The revisions this code's migrations end at."""
    from alembic.script import ScriptDirectory
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current(connection: Any) -> set[str]:
    """The revisions the database is at (empty before the first migration)."""
    from alembic.runtime.migration import MigrationContext
    return set(MigrationContext.configure(connection).get_current_heads())
