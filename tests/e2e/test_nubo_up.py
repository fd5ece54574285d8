"""`nubo up` as outside scripts rely on it: ready, clouds.yaml, SIGTERM, restart, kill -9."""

from __future__ import annotations

import signal
import stat
import subprocess
import time
from pathlib import Path

import httpx
import yaml

from tests.e2e.conftest import Cloud, free_port, nubo_bin, start_nubo, stop_nubo


def token(cloud: Cloud, password: str) -> httpx.Response:
    return httpx.post(f"{cloud.url}/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "admin", "password": password, "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})


def test_clouds_yaml_is_private_and_complete(cloud: Cloud) -> None:
    assert stat.S_IMODE(cloud.clouds_yaml.stat().st_mode) == 0o600
    doc = yaml.safe_load(cloud.clouds_yaml.read_text())
    assert set(doc["clouds"]) >= {"nubo", "nubo-demo"}
    auth = doc["clouds"]["nubo"]["auth"]
    assert auth["auth_url"] == f"{cloud.url}/identity/v3"
    assert doc["clouds"]["nubo-demo"]["auth"]["username"] == "demo"
    log = cloud.log.read_text()
    assert f"export OS_CLIENT_CONFIG_FILE={cloud.clouds_yaml} OS_CLOUD=nubo" in log
    assert auth["password"] not in log          # secrets never reach the log
    assert auth["password"] not in (cloud.data_dir / "logs" / "nubo.log").read_text()


def test_sigterm_then_restart_continues(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = start_nubo(data, free_port())
    pw = first.password()
    tok = token(first, pw).headers["x-subject-token"]
    t0 = time.monotonic()
    assert stop_nubo(first, signal.SIGTERM) == 0
    assert time.monotonic() - t0 < 10
    second = start_nubo(data, free_port())      # another port: the catalog follows it
    try:
        assert second.password() == pw
        r = httpx.get(f"{second.url}/identity/v3/auth/tokens",
                      headers={"X-Auth-Token": tok, "X-Subject-Token": tok})
        assert r.status_code == 200                # keys and users survived
        urls = {e["url"] for c in r.json()["token"]["catalog"] for e in c["endpoints"]}
        assert f"{second.url}/identity/v3" in urls
        assert all(u.startswith(second.url + "/") for u in urls), urls
        users = httpx.get(f"{second.url}/identity/v3/users?name=admin",
                          headers={"X-Auth-Token": tok}).json()["users"]
        assert len(users) == 1                     # not bootstrapped twice
    finally:
        stop_nubo(second)


def test_kill_9_under_load_then_restart_converges(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = start_nubo(data, free_port())
    pw = first.password()
    tok = token(first, pw).headers["x-subject-token"]
    h = {"X-Auth-Token": tok}
    made = []
    with httpx.Client(base_url=first.url, headers=h) as c:
        for i in range(20):
            r = c.post("/identity/v3/projects", json={"project": {"name": f"p{i}"}})
            made.append(r.status_code)
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    second = start_nubo(data, free_port())
    try:
        with httpx.Client(base_url=second.url, headers=h) as c:
            names = {p["name"] for p in c.get("/identity/v3/projects").json()["projects"]}
            assert {f"p{i}" for i in range(20)} <= names
            assert c.post("/identity/v3/projects",
                          json={"project": {"name": "after"}}).status_code == 201
        assert token(second, pw).status_code == 201
    finally:
        stop_nubo(second)


def test_bad_arguments_fail_fast(tmp_path: Path) -> None:
    r = subprocess.run([nubo_bin(), "up", "--data-dir", str(tmp_path), "--virt", "bogus"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--virt" in r.stderr


def test_port_in_use_is_a_clear_error(cloud: Cloud, tmp_path: Path) -> None:
    r = subprocess.run([nubo_bin(), "up", "--data-dir", str(tmp_path / "other"), "--port",
                        str(cloud.port)], capture_output=True, text=True, timeout=60,
                       env={"NUBO_PASSWORD_HASH_ROUNDS": "4", "PATH": "/usr/bin:/bin"})
    assert r.returncode != 0
    assert "address already in use" in r.stderr.lower()
