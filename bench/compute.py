"""Compute benchmark on the fake hypervisor: prints figures, asserts nothing about time.

    .venv/bin/python bench/compute.py [--hosts 1000] [--servers 1000] [--clients 10]

Against a real `nubo up --virt fake --fake-hosts N` on loopback: create->ACTIVE latency
(p50/p95, one client), servers booted per second by concurrent clients, GET /servers/detail
with that many servers, and scheduling decisions per second with N simulated hosts (the same
boots, counted from the scheduler's side).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml
from common import free_port, pct, report  # bench/ is on sys.path

NUBO = str(Path(sys.executable).parent / "nubo")
S = "/compute/v2.1/servers"




async def create(c: httpx.AsyncClient, body: dict[str, Any]) -> str:
    r = await c.post(S, json=body)
    if r.status_code != 202:
        raise RuntimeError(f"create answered {r.status_code}: {r.text[:2000]}")
    return str(r.json()["server"]["id"])


async def wait_active(c: httpx.AsyncClient, sid: str, poll: float = 0.005) -> str:
    while True:
        srv = (await c.get(f"{S}/{sid}")).json()["server"]
        if srv["status"] in ("ACTIVE", "ERROR") and srv["OS-EXT-STS:task_state"] is None:
            return str(srv["status"])
        await asyncio.sleep(poll)


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(base: str, token: str, n: int, clients: int,
              profile: Callable[[], Any] | None = None,
              server_pid: int | None = None) -> dict[str, float]:
    out: dict[str, float] = {}
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=base, headers={"X-Auth-Token": token},
                                 limits=limits, timeout=120) as c:
        img = (await c.post("/image/v2/images", json={
            "name": "bench", "disk_format": "raw", "container_format": "bare"})).json()
        await c.put(f"/image/v2/images/{img['id']}/file", content=b"\0" * 4096,
                    headers={"Content-Type": "application/octet-stream"})
        flavors = (await c.get("/compute/v2.1/flavors")).json()["flavors"]
        flv = next(f["id"] for f in flavors if f["name"] == "m1.nano")
        body = {"server": {"name": "b", "imageRef": img["id"], "flavorRef": flv}}
        lat = []
        for _ in range(30):
            t = time.perf_counter()
            sid = await create(c, body)
            await wait_active(c, sid)
            lat.append(time.perf_counter() - t)
        out["create_to_active_p50_ms"] = pct(lat, .5)
        out["create_to_active_p95_ms"] = pct(lat, .95)
        queue = iter(range(n - 30))
        statuses: list[str] = []

        async def client() -> None:
            for _ in queue:
                sid = await create(c, body)
                statuses.append(await wait_active(c, sid, poll=0.1))
        stop_profile = profile() if profile else None
        cpu = cpu_seconds(server_pid) if server_pid else 0.0
        own_cpu = time.process_time()
        t = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - t
        if server_pid:
            # the server's own CPU per boot (polls included): steadier than boots/s when
            # other work shares the machine
            out["server_cpu_ms_per_boot"] = (cpu_seconds(server_pid) - cpu) / len(statuses) * 1000
        # the clients' CPU (this process): when it nears elapsed time, the clients are the limit
        out["client_cpu_ms_per_boot"] = (time.process_time() - own_cpu) / len(statuses) * 1000
        if stop_profile:
            stop_profile()
        out["boots_per_s"] = len(statuses) / elapsed
        out["boots_active"] = statuses.count("ACTIVE")
        out["boots_error"] = statuses.count("ERROR")
        lat = []
        for _ in range(10):
            t = time.perf_counter()
            r = await c.get(f"{S}/detail?limit=1000")
            lat.append(time.perf_counter() - t)
            assert r.status_code == 200
        out["servers_detail_1000_p50_ms"] = pct(lat, .5)
        out["servers_detail_1000_p95_ms"] = pct(lat, .95)
        lat = []
        for _ in range(20):
            t = time.perf_counter()
            r = await c.get("/placement/allocation_candidates?resources=VCPU:1,MEMORY_MB:128"
                            "&limit=1000", headers={"OpenStack-API-Version": "placement 1.36"})
            lat.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
        out["allocation_candidates_http_p50_ms"] = pct(lat, .5)
    return out


def py_spy(pid: int, out: str) -> Callable[[], Callable[[], None]]:
    """Start recording `pid` now; the returned function stops and writes the profile."""
    def start() -> Callable[[], None]:
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        rec = subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", "250",
                                "--format", "raw", "--output", out, "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def stop() -> None:
            rec.send_signal(signal.SIGINT)
            rec.wait(60)
        return stop
    return start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--servers", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--profile", metavar="FILE", help="py-spy record the server during the "
                    "concurrent boots into FILE (collapsed stacks; py-spy must be installed)")
    ap.add_argument("--database-url", default=os.environ.get("NUBO_DATABASE_URL"),
                    help="run on this database (an empty PostgreSQL/MariaDB database) "
                    "instead of SQLite in the data directory")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, port = Path(tmp) / "data", free_port()
        env = {**os.environ, "NUBO_FAKE_HOSTS": str(args.hosts), "NUBO_PASSWORD_HASH_ROUNDS": "4"}
        env.pop("NUBO_DATABASE_URL", None)
        if args.database_url:
            env["NUBO_DATABASE_URL"] = args.database_url
        t = time.perf_counter()
        proc = subprocess.Popen([NUBO, "up", "--data-dir", str(data), "--port", str(port),
                                 "--virt", "fake", "--no-test-image"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        ready = time.perf_counter() - t
        try:
            pw = yaml.safe_load((data / "clouds.yaml").read_text())["clouds"]["nubo"]["auth"][
                "password"]
            r = httpx.post(f"{base}/identity/v3/auth/tokens", json={"auth": {"identity": {
                "methods": ["password"], "password": {"user": {
                    "name": "admin", "password": pw, "domain": {"id": "default"}}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
            token = r.headers["x-subject-token"]
            pid = r.json()["token"]["project"]["id"]
            httpx.put(f"{base}/compute/v2.1/os-quota-sets/{pid}", headers={
                "X-Auth-Token": token}, json={"quota_set": {
                    "instances": -1, "cores": -1, "ram": -1}})
            figures = {"hosts": float(args.hosts), "ready_with_hosts_s": ready,
                       **asyncio.run(run(base, token, args.servers, args.clients,
                                         py_spy(proc.pid, args.profile)
                                         if args.profile else None, proc.pid))}
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(120)
            except subprocess.TimeoutExpired:
                subprocess.run(["py-spy", "dump", "-p", str(proc.pid)], check=False)
                raise
    report(figures)


if __name__ == "__main__":
    main()
