"""`nubo up` as outside scripts rely on it: ready, clouds.yaml, SIGTERM, restart, kill -9."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from threading import Event, Lock, Thread
from typing import Any

import httpx
import yaml

from nubo.compute.agent.virt.fake import FAULT_KEY
from tests.e2e.conftest import Cloud, free_port, nubo_bin, start_nubo, stop_nubo


def token(cloud: Cloud, password: str, timeout: float = 5) -> httpx.Response:
    return httpx.post(f"{cloud.url}/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "admin", "password": password, "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}},
        timeout=timeout)


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


COMPUTE = {"OpenStack-API-Version": "compute 2.96"}
WAIT = 180.0         # a ceiling for slow shared machines, not a timed assertion
THREADS = 4
ACKED_BEFORE_KILL = 8


@dataclass
class Boot:
    """One create request: its status (None: no answer, the process died under it) and the
    server id of a 202."""
    status: int | None = None
    server_id: str | None = None


def boot_setup(c: httpx.Client) -> dict[str, Any]:
    """A flavor whose fake spawn takes a while (so that boots are mid-build when the process
    dies), an image with data, and a network with a subnet (so that boots take ports)."""
    flavor = c.post("/compute/v2.1/flavors", json={"flavor": {
        "name": "slow", "ram": 64, "vcpus": 1, "disk": 1}}).json()["flavor"]["id"]
    r = c.post(f"/compute/v2.1/flavors/{flavor}/os-extra_specs",
               json={"extra_specs": {FAULT_KEY: "slow=1"}})
    assert r.status_code == 200, r.text
    image = c.post("/image/v2/images", json={"name": "img", "disk_format": "raw",
                                             "container_format": "bare"}).json()["id"]
    r = c.put(f"/image/v2/images/{image}/file", content=b"\0" * 4096,
              headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204, r.text
    net = c.post("/networking/v2.0/networks", json={"network": {"name": "n"}}).json()
    r = c.post("/networking/v2.0/subnets", json={"subnet": {
        "network_id": net["network"]["id"], "cidr": "10.20.0.0/22", "ip_version": 4}})
    assert r.status_code == 201, r.text
    return {"name": "s", "flavorRef": flavor, "imageRef": image,
            "networks": [{"uuid": net["network"]["id"]}]}


def keep_booting(url: str, headers: dict[str, str], server: dict[str, Any], stop: Event,
                 boots: list[Boot], in_flight: list[int], lock: Lock) -> None:
    """Create servers one after another until the process is gone."""
    with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
        while not stop.is_set():
            boot = Boot()
            with lock:
                boots.append(boot)
                in_flight[0] += 1
            try:
                r = c.post("/compute/v2.1/servers", json={"server": server})
                boot.status = r.status_code
                if r.status_code == 202:
                    boot.server_id = r.json()["server"]["id"]
            except httpx.TransportError:
                return              # killed under this request, or before it was sent
            finally:
                with lock:
                    in_flight[0] -= 1


def converged(c: httpx.Client) -> list[dict[str, Any]]:
    """Every server once none is in BUILD (or the ceiling passed: the caller's assertions
    then say which stayed)."""
    deadline = time.monotonic() + WAIT
    while True:
        servers = c.get("/compute/v2.1/servers/detail?all_tenants=1").json()["servers"]
        if all(s["status"] != "BUILD" for s in servers) or time.monotonic() > deadline:
            return list(servers)
        time.sleep(0.5)


def test_kill_9_during_concurrent_boots_then_restart_converges(tmp_path: Path) -> None:
    """SIGKILL while several clients are creating servers: after a restart every acknowledged
    server exists and ends ACTIVE, or ERROR with a fault, never stuck in BUILD; whatever the
    unacknowledged requests began is either a server that converged too or nothing: no port,
    no allocation of a server that does not exist."""
    data = tmp_path / "data"
    first = start_nubo(data, free_port())
    pw = first.password()
    h = {"X-Auth-Token": token(first, pw).headers["x-subject-token"], **COMPUTE}
    with httpx.Client(base_url=first.url, headers=h, timeout=60) as c:
        server = boot_setup(c)
    boots: list[Boot] = []
    in_flight, lock, stop = [0], Lock(), Event()
    threads = [Thread(target=keep_booting, args=(first.url, h, server, stop, boots,
                                                 in_flight, lock)) for _ in range(THREADS)]
    for t in threads:
        t.start()
    try:
        while True:         # kill once enough were acknowledged and more are under way
            with lock:
                acked = sum(b.server_id is not None for b in boots)
                if acked >= ACKED_BEFORE_KILL and in_flight[0] > 0:
                    first.proc.send_signal(signal.SIGKILL)
                    break
            assert first.proc.poll() is None, first.log.read_text()[-3000:]
            time.sleep(0.01)
    finally:
        stop.set()
        first.proc.wait()
        for t in threads:
            t.join()
    acked_ids = {b.server_id for b in boots if b.server_id}
    unanswered = [b for b in boots if b.status is None]
    assert len(acked_ids) >= ACKED_BEFORE_KILL and unanswered
    assert all(b.status in (202, None) for b in boots), [b.status for b in boots]

    second = start_nubo(data, free_port())
    try:
        h = {"X-Auth-Token": token(second, pw).headers["x-subject-token"], **COMPUTE}
        with httpx.Client(base_url=second.url, headers=h, timeout=60) as c:
            servers = converged(c)
            by_id = {s["id"]: s for s in servers}
            assert acked_ids <= set(by_id), acked_ids - set(by_id)
            for s in servers:
                assert s["status"] in ("ACTIVE", "ERROR"), (s["id"], s["status"])
                if s["status"] == "ERROR":
                    assert s["fault"]["message"], s
            # unacknowledged requests: at most one server each, and nothing else of theirs
            assert len(servers) - len(acked_ids) <= len(unanswered)
            ports = c.get("/networking/v2.0/ports").json()["ports"]
            orphans = [p for p in ports if p["device_owner"].startswith("compute:")
                       and p["device_id"] not in by_id]
            assert orphans == []
            consumers = set()
            for rp in c.get("/placement/resource_providers").json()["resource_providers"]:
                allocs = c.get(f"/placement/resource_providers/{rp['uuid']}/allocations")
                consumers |= set(allocs.json()["allocations"])
            assert consumers <= set(by_id), consumers - set(by_id)
            active = [s for s in servers if s["status"] == "ACTIVE"]
            print(f"kill -9 under {len(boots)} creates: {len(acked_ids)} acknowledged, "
                  f"{len(unanswered)} unanswered; after restart {len(active)} ACTIVE, "
                  f"{len(servers) - len(active)} ERROR, "
                  f"{len(servers) - len(acked_ids)} servers of unanswered requests")
            assert all(p["device_id"] in by_id for p in ports
                       if p["device_owner"].startswith("compute:"))
            assert {s["id"] for s in active} <= consumers   # an ACTIVE server keeps its claim
            r = c.post("/compute/v2.1/servers", json={"server": {**server, "name": "after"}})
            assert r.status_code == 202, r.text
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


def test_restart_serves_at_once_while_the_hypervisor_connects(tmp_path: Path) -> None:
    """kill -9, then `nubo up` again with a hypervisor that takes seconds to connect: the
    listener answers /healthz from its first moment (503 "starting" until the API serves); a
    login sent as soon as the port accepts is held, not refused, and answered; once /healthz
    is 200 it lists compute as converging, servers are listed, a console read waits for the
    hypervisor and is answered, a server created meanwhile becomes ACTIVE."""
    data = tmp_path / "data"
    first = start_nubo(data, free_port())
    pw = first.password()
    h = {"X-Auth-Token": token(first, pw).headers["x-subject-token"], **COMPUTE}
    with httpx.Client(base_url=first.url, headers=h, timeout=60) as c:
        server = {**boot_setup(c), "networks": "none"}
        sid = c.post("/compute/v2.1/servers", json={"server": server}).json()["server"]["id"]
        assert [s["status"] for s in converged(c)] == ["ACTIVE"]
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()

    port = free_port()
    log = tmp_path / "restart.log"
    env = dict(os.environ, NUBO_PASSWORD_HASH_ROUNDS="4", NUBO_FAKE_CONNECT_SECONDS="8")
    with open(log, "ab") as out:
        proc = subprocess.Popen([nubo_bin(), "up", "--data-dir", str(data), "--port",
                                 str(port), "--virt", "fake", "--network", "noop",
                                 "--no-test-image"], stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
    second = Cloud(proc, data, port, log)
    try:
        early: list[httpx.Response] = []
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:        # until the listener accepts
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                early.append(httpx.get(f"{second.url}/healthz", timeout=5))
                break
            except httpx.TransportError:
                time.sleep(0.01)
        login = token(second, pw, timeout=WAIT)   # held while the node starts
        assert login.status_code == 201, login.text
        while early[-1].status_code != 200 and time.monotonic() < deadline:
            early.append(httpx.get(f"{second.url}/healthz", timeout=5))
        for r in early[:-1]:
            assert r.status_code == 503 and r.json()["status"] == "starting", r.text
        health = early[-1].json()
        assert early[-1].status_code == 200 and health["parts"]["compute"] == "converging"
        h = {"X-Auth-Token": login.headers["x-subject-token"], **COMPUTE}
        with httpx.Client(base_url=second.url, headers=h, timeout=60) as c:
            assert [s["id"] for s in c.get("/compute/v2.1/servers").json()["servers"]] == [sid]
            new = c.post("/compute/v2.1/servers", json={"server": {**server, "name": "new"}})
            assert new.status_code == 202, new.text
            out = c.post(f"/compute/v2.1/servers/{sid}/action",
                         json={"os-getConsoleOutput": {}})
            assert out.status_code == 200, out.text        # waited for the hypervisor
            while c.get("/healthz").json()["parts"]["compute"] != "ready":
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
            servers = converged(c)
            assert {s["id"]: s["status"] for s in servers} == {
                sid: "ACTIVE", new.json()["server"]["id"]: "ACTIVE"}
        assert stop_nubo(second) == 0
    finally:
        stop_nubo(second, signal.SIGKILL)
