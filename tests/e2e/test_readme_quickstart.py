"""The README's quick start, followed as a newcomer would: `nubo up` with the options the README
prints (`--virt fake --fake-hosts 2`), then the ready banner's commands exactly as printed, in
a shell whose PATH has no `openstack` (a fresh machine), with the real CLI that scripts/up.sh
installs (its directory passed as scripts/up.sh passes it, NUBO_CLIENTS_BIN).

The test image: on a guest cache without a build, `nubo-test` is listed from the banner on
(queued, then saving, then active); with a cached build it is active before the banner.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from nubo.guest import build_test_image
from tests.e2e.conftest import Cloud, clients_bin, free_port, nubo_bin, stop_nubo

#: the quick start's example, as README.md prints it
README_ARGS = ["--virt", "fake", "--fake-hosts", "2"]
SHARED_CACHE = Path(os.environ.get("NUBO_TEST_GUEST_CACHE",
                                   f"/tmp/nubo-guest-cache-{os.getuid()}"))
MARK = "---after-the-banner-commands---"
FRESH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _up(tmp: Path, cache: Path) -> tuple[Cloud, list[str]]:
    """`nubo up` as scripts/up.sh runs it; returns the cloud and its banner's lines."""
    data, port = tmp / "data", free_port()
    log = tmp / "nubo.log"
    env = dict(os.environ, NUBO_PASSWORD_HASH_ROUNDS="4", NUBO_GUEST_CACHE_DIR=str(cache),
               NUBO_CLIENTS_BIN=str(Path(clients_bin("openstack")).parent))
    with open(log, "ab") as out:
        proc = subprocess.Popen([nubo_bin(), "up", "--data-dir", str(data), "--port", str(port),
                                 "--network", "noop", *README_ARGS],
                                stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    cloud = Cloud(proc, data, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text()
        if "Nubo is ready at" in text:
            lines = text[text.index("Nubo is ready at"):].splitlines()
            banner = [lines[0]] + [x for x in lines[1:] if x.startswith("  ")][:6]
            return cloud, banner
        if proc.poll() is not None:
            raise RuntimeError(f"nubo up exited {proc.returncode}:\n{text}")
        time.sleep(0.02)
    stop_nubo(cloud)
    raise RuntimeError(f"no banner in 60 s:\n{log.read_text()}")


def _commands(banner: list[str]) -> list[str]:
    """The banner's shell commands: indented lines that are not notes in parentheses."""
    return [x.strip() for x in banner[1:] if x.startswith("  ") and not x.strip().startswith("(")]


def _as_printed(banner: list[str], *more: str) -> str:
    """Run the banner's commands (then `more`) in one fresh shell; the output of `more`, or
    of the banner's commands without `more`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OS_", "NUBO_", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = FRESH_PATH
    script = "\n".join([*_commands(banner), "echo " + MARK, *more])
    done = subprocess.run(["bash", "-euc", script], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"{script}\n---\n{done.stdout}\n{done.stderr}"
    printed, after = done.stdout.split(MARK + "\n", 1)
    return after if more else printed


def _seeded_cache(tmp: Path) -> Path:
    """A guest cache with no built image (the packages copied when the shared cache has them,
    so the build needs no download)."""
    cache = tmp / "guest-cache"
    cache.mkdir()
    if (SHARED_CACHE / "debs").is_dir():
        shutil.copytree(SHARED_CACHE / "debs", cache / "debs")
    return cache


def test_banner_commands_work_as_printed_and_the_test_image_is_listed_at_once(
        tmp_path: Path) -> None:
    cloud, banner = _up(tmp_path, _seeded_cache(tmp_path))
    try:
        # at once, as a newcomer would: the image is there (not yet active)
        first = _as_printed(banner, "openstack image list -f json --long")
        images = {i["Name"]: i for i in json.loads(first)}
        assert "nubo-test" in images, first
        assert images["nubo-test"]["Status"] in ("queued", "saving", "active")
        if images["nubo-test"]["Status"] != "active":
            assert any("still being built" in x for x in banner), banner
        out = _as_printed(banner)
        assert "expires" in out and "project_id" in out, out
        hosts = json.loads(_as_printed(banner, "openstack hypervisor list -f json"))
        assert len(hosts) == 2, hosts      # --fake-hosts 2 took effect
        seen = [images["nubo-test"]["Status"]]
        deadline = time.monotonic() + 300
        while seen[-1] != "active" and time.monotonic() < deadline:
            time.sleep(0.5)
            doc = json.loads(_as_printed(banner, "openstack image show nubo-test -f json"))
            if doc["status"] != seen[-1]:
                seen.append(doc["status"])
        assert seen[-1] == "active", (seen, cloud.log.read_text()[-3000:])
        order = ["queued", "saving", "active"]
        assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen), seen
        listed = json.loads(_as_printed(banner, "openstack image list -f json"))
        assert [i["Name"] for i in listed].count("nubo-test") == 1, listed
    finally:
        stop_nubo(cloud)


def test_cached_test_image_is_active_before_the_banner(tmp_path: Path) -> None:
    try:
        build_test_image(SHARED_CACHE)      # cached after the first run on a machine
    except Exception as exc:  # noqa: BLE001 - no packages reachable: nothing to test
        pytest.skip(f"the test image cannot be built here: {exc}")
    cloud, banner = _up(tmp_path, SHARED_CACHE)
    try:
        assert not any("still being built" in x for x in banner), banner
        doc = json.loads(_as_printed(banner, "openstack image show nubo-test -f json"))
        assert doc["status"] == "active", doc
    finally:
        stop_nubo(cloud)
