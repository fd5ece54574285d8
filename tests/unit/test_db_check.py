"""`nubo db upgrade --check`: exit 0 and a line when the schema is current, 1 when not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from nubo.cli import app


def check(data: Path) -> tuple[int, str]:
    r = CliRunner().invoke(app, ["db", "upgrade", "--check", "--data-dir", str(data)])
    return r.exit_code, r.output


def test_check_says_whether_the_schema_is_current(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out = check(data)
    assert code == 1 and "schema is at empty" in out and "nubo db upgrade" in out
    r = CliRunner().invoke(app, ["db", "upgrade", "--data-dir", str(data)])
    assert r.exit_code == 0, r.output
    code, out = check(data)
    assert code == 0 and "database schema is current" in out
    with sqlite3.connect(data / "nubo.db") as c:    # as if made by an older release
        c.execute("UPDATE alembic_version SET version_num = '0001'")
    code, out = check(data)
    assert code == 1 and "schema is at 0001" in out


def test_check_cannot_reach_the_database(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["db", "upgrade", "--check", "--database-url",
                                 "postgresql://nobody:x@127.0.0.1:1/none"])
    assert r.exit_code == 1 and "cannot reach the database" in r.output
