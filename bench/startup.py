"""Start-up and memory of `nubo up --virt fake`: prints figures, asserts nothing.

    .venv/bin/python bench/startup.py [--servers 100] [--total 1000] [--hosts 4]
                                      [--hash-rounds 4]

Time from spawning `nubo up` to /healthz answering 200: on the first start (empty data dir:
migrations, bootstrap), on a restart with no server, and on a restart with `--servers`
servers. Peak RSS (VmHWM) of the process idle after its first start, and after `--total`
fake servers were booted (on `--hosts` simulated hosts, without networks). Beside each time
to /healthz, the CPU seconds the process used until then: on a busy machine the wall-clock
figure measures the machine, the CPU figure measures Nubo. Passwords are hashed with
`--hash-rounds` bcrypt rounds (4: logins cost nothing; `nubo up` uses 12).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml
from common import free_port, report  # bench/ is on sys.path

NUBO = str(Path(sys.executable).parent / "nubo")
S = "/compute/v2.1/servers"


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(data: Path, port: int, hosts: int, rounds: int = 4
          ) -> tuple[subprocess.Popen[bytes], float, float]:
    """The process, the wall-clock seconds to /healthz 200 and the CPU seconds it used."""
    env = {**os.environ, "NUBO_FAKE_HOSTS": str(hosts),
           "NUBO_PASSWORD_HASH_ROUNDS": str(rounds)}
    t = time.perf_counter()
    proc = subprocess.Popen([NUBO, "up", "--data-dir", str(data), "--port", str(port),
                             "--virt", "fake", "--network", "noop", "--no-test-image"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"nubo up exited {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc, time.perf_counter() - t, cpu_seconds(proc.pid)
        except httpx.TransportError:
            pass
        time.sleep(0.01)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(120)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def login(base: str, data: Path) -> dict[str, str]:
    pw = yaml.safe_load((data / "clouds.yaml").read_text())["clouds"]["nubo"]["auth"][
        "password"]
    r = httpx.post(f"{base}/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "admin", "password": pw, "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    h = {"X-Auth-Token": r.headers["x-subject-token"], "OpenStack-API-Version": "compute 2.37"}
    pid = r.json()["token"]["project"]["id"]
    httpx.put(f"{base}/compute/v2.1/os-quota-sets/{pid}", headers=h, json={"quota_set": {
        "instances": -1, "cores": -1, "ram": -1}}).raise_for_status()
    return h


def image(base: str, h: dict[str, str]) -> str:
    img = httpx.post(f"{base}/image/v2/images", headers=h, json={
        "name": "bench", "disk_format": "raw", "container_format": "bare"}).json()["id"]
    httpx.put(f"{base}/image/v2/images/{img}/file", headers={
        **h, "Content-Type": "application/octet-stream"}, content=b"\0" * 4096)
    return str(img)


async def boot(base: str, h: dict[str, str], img: str, n: int, clients: int = 10) -> None:
    queue = list(range(n))
    async with httpx.AsyncClient(base_url=base, headers=h, timeout=60) as c:
        async def worker() -> None:
            while queue:
                i = queue.pop()
                r = await c.post(S, json={"server": {"name": f"s{i}", "imageRef": img,
                                                     "flavorRef": "42", "networks": "none"}})
                r.raise_for_status()
        await asyncio.gather(*(worker() for _ in range(clients)))
        while True:
            servers = (await c.get(f"{S}/detail?status=BUILD&limit=1")).json()["servers"]
            if not servers:
                return
            await asyncio.sleep(0.2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=100)
    ap.add_argument("--total", type=int, default=1000)
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--hash-rounds", type=int, default=4)
    args = ap.parse_args()
    fig: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data, port = Path(tmp) / "data", free_port()
        base = f"http://127.0.0.1:{port}"
        proc, fig["first_start_to_healthz_s"], fig["first_start_cpu_s"] = start(
            data, port, args.hosts, args.hash_rounds)
        time.sleep(2)
        fig["peak_rss_idle_mib"] = peak_rss_mib(proc.pid)
        stop(proc)
        proc, fig["restart_0_servers_to_healthz_s"], fig["restart_0_servers_cpu_s"] = start(
            data, port, args.hosts, args.hash_rounds)
        h = login(base, data)
        img = image(base, h)
        asyncio.run(boot(base, h, img, args.servers))
        stop(proc)
        n = args.servers
        proc, fig[f"restart_{n}_servers_to_healthz_s"], fig[f"restart_{n}_servers_cpu_s"] = \
            start(data, port, args.hosts, args.hash_rounds)
        fig[f"peak_rss_restart_{args.servers}_servers_mib"] = peak_rss_mib(proc.pid)
        t = time.perf_counter()
        asyncio.run(boot(base, login(base, data), img, args.total - args.servers))
        fig[f"boot_to_{args.total}_servers_s"] = time.perf_counter() - t
        fig[f"peak_rss_after_{args.total}_servers_mib"] = peak_rss_mib(proc.pid)
        stop(proc)
    report(fig)


if __name__ == "__main__":
    main()
