"""What `nubo up` does before its listener answers: no work the readiness path does not need."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from nubo.identity.passwords import Hasher


def test_the_server_module_does_not_import_the_libvirt_driver() -> None:
    """--virt fake never needs the libvirt driver, the guest builder or pycdlib."""
    code = ("import sys, nubo.server; "
            "print(sorted(m for m in sys.modules if m.startswith("
            "('nubo.compute.agent.virt.libvirt.driver', 'pycdlib'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_a_hasher_hashes_nothing_until_a_password_is_checked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    real = bcrypt.hashpw

    def counting(password: bytes, salt: bytes) -> bytes:
        calls.append(password)
        return real(password, salt)
    monkeypatch.setattr(bcrypt, "hashpw", counting)
    hasher = Hasher(4)
    assert calls == []
    # an unknown user (no hash) is compared against the dummy hash, made once, and refused
    assert asyncio.run(hasher.check("secret", None)) is False
    assert asyncio.run(hasher.check("nubo-dummy-password", None)) is False
    assert len(calls) == 1
    assert asyncio.run(hasher.check("secret", asyncio.run(hasher.hash("secret")))) is True


def test_script_heads_are_alembics_heads() -> None:
    """The start's schema check reads the scripts itself; it must agree with Alembic."""
    from nubo.core.migrations import heads, script_heads
    assert script_heads() == heads()


def test_a_current_schema_is_checked_without_alembic(tmp_path: Path) -> None:
    """A restart on a current schema runs no migration and does not import Alembic."""
    from nubo.core.migrations import script_heads
    db_url = f"sqlite:///{tmp_path / 'nubo.db'}"
    code = ("import asyncio, sys\n"
            "from nubo.core.db import Database\n"
            "async def main():\n"
            f"    db = Database({db_url!r})\n"
            "    await db.migrate()\n"
            "    await db.dispose()\n"
            "asyncio.run(main())\n"
            "print(any(m == 'alembic' or m.startswith('alembic.') for m in sys.modules))\n")

    def run() -> str:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()
    assert (run(), run()) == ("True", "False")     # migrated, then only checked
    with sqlite3.connect(tmp_path / "nubo.db") as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (max(script_heads()),)]


def test_the_server_module_loads_no_service_before_its_listener_opens() -> None:
    """`nubo.server` opens the port before the services load (in a worker thread): it must
    not import them, nor SQLAlchemy, itself."""
    code = ("import sys, nubo.server; "
            "print(sorted(m for m in sys.modules if m.startswith(('nubo.roles', "
            "'nubo.identity', 'nubo.compute', 'sqlalchemy', 'oslo_policy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_nubo_up_defers_what_its_paths_do_not_use() -> None:
    """With `lazy.defer()` (as `nubo up` runs it) loading the services imports neither
    requests (oslo.policy's http checks) nor runs oslo_utils.strutils; an http: rule still
    works, and strutils loads on first use."""
    code = ("import sys\n"
            "from nubo.core import lazy\n"
            "lazy.defer()\n"
            "import nubo.roles.all_in_one\n"
            "print('requests' in sys.modules, type(sys.modules['oslo_utils.strutils']).__name__)\n"
            "from oslo_policy import _parser\n"
            "print(type(_parser.parse_rule('http://127.0.0.1:1/check')).__name__)\n"
            "from oslo_utils import strutils\n"
            "print(strutils.bool_from_string('yes'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[:3] == ["False _LazyModule", "HttpCheck", "True"]
