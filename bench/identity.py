"""Identity benchmark: prints figures, asserts nothing about time.

    .venv/bin/python bench/identity.py [--requests 2000] [--concurrency 8]

Starts a real `nubo up` (fresh data dir, Keystone's default bcrypt cost 12) and measures from
a separate client process on loopback: time to ready (first start, which bootstraps, and a
restart), idle RSS, token issue (password: bcrypt-bound; token method: no hashing) and token
validation latency (p50/p95/p99) and throughput (sequential and concurrent).
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
from common import free_port, pct, report  # bench/ is on sys.path

NUBO = str(Path(sys.executable).parent / "nubo")



def start(data: Path, port: int, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen([NUBO, "up", "--data-dir", str(data), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}/healthz"
    while True:
        try:
            if httpx.get(url, timeout=0.5).status_code == 200 and (data / "clouds.yaml").exists():
                return proc, time.perf_counter() - t0
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"nubo up exited with {proc.returncode}")
        time.sleep(0.01)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")



async def timed(n: int, conc: int, fn) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
    lat: list[float] = []
    queue = iter(range(n))

    async def worker() -> None:
        for _ in queue:
            t = time.perf_counter()
            await fn()
            lat.append(time.perf_counter() - t)
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conc)))
    return lat, n / (time.perf_counter() - t0)


async def measure(base: str, password: str, n: int, conc: int) -> dict[str, float]:
    out: dict[str, float] = {}
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    async with httpx.AsyncClient(base_url=base + "/identity/v3", limits=limits) as c:
        pw_body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": password, "domain": {"id": "default"}}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
        r = await c.post("/auth/tokens", json=pw_body)
        token = r.headers["x-subject-token"]
        hdr = {"X-Auth-Token": token, "X-Subject-Token": token}

        async def issue_pw() -> None:
            assert (await c.post("/auth/tokens", json=pw_body)).status_code == 201

        tok_body = {"auth": {"identity": {"methods": ["token"], "token": {"id": token}},
                             "scope": {"project": {"name": "admin",
                                                   "domain": {"id": "default"}}}}}

        async def issue_tok() -> None:
            assert (await c.post("/auth/tokens?nocatalog", json=tok_body)).status_code == 201

        async def validate() -> None:
            assert (await c.get("/auth/tokens", headers=hdr)).status_code == 200

        for name, fn, count in (("issue_password", issue_pw, max(20, n // 50)),
                                ("issue_token_method", issue_tok, n // 4),
                                ("validate", validate, n)):
            await fn()  # warm
            lat, _ = await timed(count, 1, fn)
            out[f"{name}_p50_ms"] = pct(lat, .5)
            out[f"{name}_p95_ms"] = pct(lat, .95)
            out[f"{name}_p99_ms"] = pct(lat, .99)
            out[f"{name}_seq_rps"] = len(lat) / sum(lat)
            _, rps = await timed(count, conc, fn)
            out[f"{name}_conc{conc}_rps"] = rps
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUBO_")}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        port = free_port()
        proc, first = start(data, port, env)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        proc, again = start(data, port, env)
        try:
            time.sleep(1.0)
            idle = rss_mb(proc.pid)
            pw = yaml.safe_load((data / "clouds.yaml").read_text())["clouds"]["nubo"]["auth"][
                "password"]
            figures = asyncio.run(measure(f"http://127.0.0.1:{port}", pw, args.requests,
                                          args.concurrency))
            after = rss_mb(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    figures = {"ready_first_start_s": first, "ready_restart_s": again, "idle_rss_mb": idle,
               "rss_after_load_mb": after, **figures}
    report(figures)


if __name__ == "__main__":
    main()
