"""`nubo doctor`'s checks, each on a situation an operator meets."""

from __future__ import annotations

import os
import shutil
import time
from collections import namedtuple
from pathlib import Path

import pytest

from nubo.config import Settings
from nubo.ops import doctor


def test_old_token_keys_are_a_warning_with_the_rotate_command(tmp_path: Path) -> None:
    repo = tmp_path / "keys" / "fernet"
    repo.mkdir(parents=True)
    for i in (0, 1, 2):
        (repo / str(i)).write_bytes(b"k")
    assert doctor.check_keys(tmp_path).status == doctor.OK
    old = time.time() - 40 * 86400
    os.utime(repo / "2", (old, old))
    c = doctor.check_keys(tmp_path)
    assert c.status == doctor.WARN and "40 days old" in c.detail
    assert "nubo keys rotate" in c.line


def test_missing_network_tools_fail_only_where_the_dataplane_needs_them() -> None:
    def which(tool: str) -> str | None:
        return None if tool == "dnsmasq" else f"/usr/bin/{tool}"
    linux = doctor.check_tools(Settings(network="linux"), which)
    assert linux.status == doctor.FAIL and "dnsmasq" in linux.detail
    assert "apt-get install" in linux.fix
    assert doctor.check_tools(Settings(network="noop"), which).status == doctor.WARN
    assert doctor.check_tools(Settings(network="linux"), lambda t: t).status == doctor.OK


def test_a_full_disk_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(100 * 2**30, 99 * 2**30, 2**30))
    c = doctor.check_disk(tmp_path)
    assert c.status == doctor.FAIL and "1.0 GiB free" in c.detail
    monkeypatch.setattr(shutil, "disk_usage",
                        lambda p: usage(100 * 2**30, 50 * 2**30, 50 * 2**30))
    assert doctor.check_disk(tmp_path).status == doctor.OK


def test_an_unreachable_database_fails_with_a_fix(tmp_path: Path) -> None:
    checks = doctor.check_database(Settings(
        data_dir=tmp_path, database_url="postgresql://nobody:secret@127.0.0.1:1/nubo"))
    assert [c.status for c in checks] == [doctor.FAIL]
    assert "secret" not in checks[0].line and "database-url" in checks[0].fix
