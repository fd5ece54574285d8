"""Alembic migrations for every service's tables (one history, run on SQLite, PostgreSQL and
MariaDB alike). `upgrade` runs them on a connection; `nubo db upgrade` and `nubo up` call it.

`script_heads` and `schema_at` answer "is the schema current?" without Alembic (a third of a
second of imports on every start): `nubo up` loads Alembic only when there is a migration to
run. A test holds `script_heads` to Alembic's own `heads`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

HERE = Path(__file__).parent
VERSION_TABLE = "alembic_version"
_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+)$", re.M)


def alembic_config(connection: Any = None) -> Config:
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Any, revision: str = "head") -> None:
    from alembic import command
    command.upgrade(alembic_config(connection), revision)


def downgrade(connection: Any, revision: str = "base") -> None:
    from alembic import command
    command.downgrade(alembic_config(connection), revision)


def heads() -> set[str]:
    """The revisions this code's migrations end at (as Alembic reads them)."""
    from alembic.script import ScriptDirectory
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current(connection: Any) -> set[str]:
    """The revisions the database is at (empty before the first migration)."""
    from alembic.runtime.migration import MigrationContext
    return set(MigrationContext.configure(connection).get_current_heads())


@cache
def script_heads() -> frozenset[str]:
    """`heads()` read from the scripts' `revision` and `down_revision` lines: every revision
    that no other one revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (HERE / "versions").glob("*.py"):
        found = dict((k, v.strip()) for k, v in _REVISION.findall(path.read_text()))
        if "revision" not in found:
            continue
        revisions.add(_literal(found["revision"])[0])
        revised.update(_literal(found.get("down_revision", "None")))
    return frozenset(revisions - revised)


def _literal(text: str) -> list[str]:
    """The revision ids of a `revision`/`down_revision` value: a string, a tuple of them or
    None."""
    return re.findall(r"""['"]([^'"]+)['"]""", text)


def schema_at(connection: Connection) -> frozenset[str]:
    """What Alembic's version table holds (empty when there is none yet)."""
    from sqlalchemy import text
    if not connection.dialect.has_table(connection, VERSION_TABLE):
        return frozenset()
    return frozenset(r[0] for r in connection.execute(text(
        f"SELECT version_num FROM {VERSION_TABLE}")))
