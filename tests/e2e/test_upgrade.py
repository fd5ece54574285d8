"""An upgrade from the previous release: its code makes a cloud, this code's `nubo db upgrade`
and `nubo up` take over the same data dir, and every resource is intact and usable.

The previous release is the landed commit PREVIOUS, checked out with `git archive` and run from
its own source tree (its dependencies are ours: no release changed them yet).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ROOT, free_port, nubo_bin, start_nubo, stop_nubo
from tests.e2e.ops_helpers import admin_client, boot, make_resources, ok, snapshot, wait_settled

#: the last landed commit before the operations work (issue 13)
PREVIOUS = "e327a18"


#: what the API stopped showing since PREVIOUS (issue 19: Neutron shows only the attributes of
#: the extensions it advertises); every other attribute must come back as it was. Move with
#: PREVIOUS.
HIDDEN_SINCE_PREVIOUS: dict[str, set[str]] = {
    "networks": {"is_default", "qos_policy_id"},
    "subnets": {"segment_id", "service_types", "dns_publish_fixed_ip"},
    "ports": {"propagate_uplink_status", "qos_policy_id", "qos_network_policy_id"},
}


#: what the release adds since PREVIOUS: the service user the compute hosts call the image API
#: with (issue 12; made by the first start of the new code, after readiness). Move with PREVIOUS.
ADDED_USERS_SINCE_PREVIOUS = {"nova"}


def without_added(snap: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    users = {rid: u for rid, u in snap["users"].items()
             if rid in before["users"] or u["name"] not in ADDED_USERS_SINCE_PREVIOUS}
    return {**snap, "users": users}


def without_hidden(snap: dict[str, Any]) -> dict[str, Any]:
    return {kind: {rid: {k: v for k, v in rec.items()
                         if k not in HIDDEN_SINCE_PREVIOUS.get(kind, set())}
                   for rid, rec in recs.items()}
            for kind, recs in snap.items()}


def previous_release(dest: Path) -> Path:
    """The previous release's source tree, or a skip when this is not a git checkout."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", PREVIOUS,
                                  "nubo"], capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        if os.environ.get("NUBO_TEST_REQUIRE_DBS") == "1":
            pytest.fail(f"the previous release {PREVIOUS} is not in this checkout: {exc}")
        pytest.skip(f"the previous release {PREVIOUS} is not in this checkout")
    dest.mkdir()
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def new_nubo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([nubo_bin(), *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_upgrade_from_previous_release_keeps_every_resource(tmp_path: Path) -> None:
    old_src = previous_release(tmp_path / "previous")
    # -P: not the current directory (this tree) first on the path, only PYTHONPATH
    old_cmd = [sys.executable, "-P", "-c", "import sys; from nubo.cli import main; "
               "sys.argv[0] = 'nubo'; main()"]
    old_env = {"PYTHONPATH": str(old_src)}
    data = tmp_path / "data"
    image_data = os.urandom(2 * 2**20 + 5)
    old = start_nubo(data, free_port(), command=old_cmd, env_extra=old_env)
    try:
        with admin_client(old) as c:
            ids = make_resources(c, image_data)
            server = boot(c, "before-upgrade", ids["image"], ids["network"])
            wait_settled(c)
            before = snapshot(c)
    finally:
        assert stop_nubo(old) == 0
    # it was the old code that ran: it has no `nubo backup` yet
    assert subprocess.run([*old_cmd, "backup", "--help"], env=dict(os.environ, **old_env),
                          capture_output=True, check=False).returncode != 0

    up = new_nubo("db", "upgrade", "--data-dir", str(data))
    assert up.returncode == 0, up.stderr
    check = new_nubo("db", "upgrade", "--check", "--data-dir", str(data))
    assert check.returncode == 0 and "current" in check.stdout, check.stdout + check.stderr

    new = start_nubo(data, free_port())
    try:
        with admin_client(new) as c:        # the old admin password and keys work
            after = snapshot(c)
            for kind, gone in HIDDEN_SINCE_PREVIOUS.items():
                assert all(not gone & set(rec) for rec in after[kind].values()), kind
            assert without_hidden(without_added(after, before)) == without_hidden(before)
            _wait_user(c, "nova")
            got = c.get(f"/image/v2/images/{ids['image']}/file")
            assert got.status_code == 200 and got.content == image_data
            # usable: the old server stops and starts, a new one boots on the old network
            ok(c.post(f"/compute/v2.1/servers/{server}/action", json={"os-stop": None}), 202)
            _wait_status(c, server, "SHUTOFF")
            ok(c.post(f"/compute/v2.1/servers/{server}/action", json={"os-start": None}), 202)
            _wait_status(c, server, "ACTIVE")
            fresh = boot(c, "after-upgrade", ids["image"], ids["network"])
            assert {s["id"]: s["status"] for s in wait_settled(c)}[fresh] == "ACTIVE"
        r = httpx.post(f"{new.url}/identity/v3/auth/tokens", json={"auth": {"identity": {
            "methods": ["password"], "password": {"user": {
                "name": "ops-u", "password": "secret-ops", "domain": {"id": "default"}}}}}})
        assert r.status_code == 201, r.text      # a user made by the old code logs in
    finally:
        stop_nubo(new)


def _wait_user(c: httpx.Client, name: str) -> None:
    deadline = time.monotonic() + 60
    while not ok(c.get(f"/identity/v3/users?name={name}"))["users"]:
        assert time.monotonic() < deadline, f"user {name} never appeared"
        time.sleep(0.2)


def _wait_status(c: httpx.Client, server: str, want: str) -> None:
    deadline = time.monotonic() + 60
    while ok(c.get(f"/compute/v2.1/servers/{server}"))["server"]["status"] != want:
        assert time.monotonic() < deadline, want
        time.sleep(0.1)
