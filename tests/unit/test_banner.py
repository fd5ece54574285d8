"""The ready banner: its commands work as printed on a machine without `openstack` on PATH."""

from __future__ import annotations

from pathlib import Path

import pytest

from nubo.banner import CLIENT_HINT, TestImageState, ready_banner


def banner(tmp_path: Path, clients: Path | None, image: TestImageState | None = None
           ) -> list[str]:
    return ready_banner("http://127.0.0.1:8880", "http://127.0.0.1:8880/identity",
                        tmp_path / "clouds.yaml", True, tmp_path, clients, image)


def test_the_clients_directory_goes_on_path(tmp_path: Path) -> None:
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "openstack").write_text("#!/bin/sh\n")
    lines = banner(tmp_path, bin_dir)
    assert lines[1] == (f"  export OS_CLIENT_CONFIG_FILE={tmp_path}/clouds.yaml OS_CLOUD=nubo "
                        f"PATH={bin_dir}:$PATH")
    assert lines[2] == "  openstack token issue"
    assert "  (the dashboard: http://127.0.0.1:8880/, log in as admin or demo)" in lines


def test_no_client_anywhere_says_how_to_get_one(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    lines = banner(tmp_path, tmp_path / "missing")
    assert "PATH=" not in lines[1]
    assert f"  ({CLIENT_HINT})" in lines


def test_a_test_image_still_building_is_announced(tmp_path: Path) -> None:
    lines = banner(tmp_path, None, TestImageState("queued", "downloading 12 packages", 0.05))
    assert lines[-1].startswith("  (the test image nubo-test is still being built: "
                                "downloading 12 packages, 5%;")
    assert not any("still being built" in x
                   for x in banner(tmp_path, None, TestImageState("active", "registered", 1)))
