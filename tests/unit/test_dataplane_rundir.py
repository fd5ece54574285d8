"""Where dnsmasq's files go (rundir.py): under the data dir when others can reach it, else in
the data dir's own runtime dir; directories made 0755 whatever the umask."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nubo.network.agent.dataplane.base import DataplaneError
from nubo.network.agent.dataplane.linux.rundir import (
    dhcp_root,
    make_readable_dirs,
    runtime_dir,
    searchable_by_others,
)


def test_a_searchable_data_dir_keeps_the_files(tmp_path: Path) -> None:
    data = Path("/usr/share/nubo-not-made/network")     # not made yet: will be 0755
    assert searchable_by_others(data)
    assert dhcp_root(data, root=tmp_path / "run") == data / "dhcp"


def test_a_private_data_dir_uses_its_runtime_dir(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    os.chmod(private, 0o700)
    data = private / "network"
    assert not searchable_by_others(data)
    run = tmp_path / "run"
    got = dhcp_root(data, root=run)
    assert got == runtime_dir(data, run) / "dhcp" and got.parent.parent == run
    # one runtime dir per data dir, the same one every time
    assert runtime_dir(data, run) == runtime_dir(data, run)
    assert runtime_dir(data, run) != runtime_dir(tmp_path / "other", run)


def test_dirs_are_made_readable_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        target = tmp_path / "run" / "nubo-x" / "dhcp" / "net"
        make_readable_dirs(target)
    finally:
        os.umask(old)
    for d in (tmp_path / "run", tmp_path / "run" / "nubo-x", target.parent, target):
        assert d.stat().st_mode & 0o777 == 0o755, d


def test_a_symlink_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(DataplaneError):
        make_readable_dirs(tmp_path / "link")
