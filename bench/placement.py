"""Placement benchmark: prints figures, asserts nothing about time.

    .venv/bin/python bench/placement.py [--providers 1000] [--database-url URL]

Builds an in-process node (SQLite in a temp dir unless --database-url is given) with N compute
node providers, then measures:
- allocation candidates latency (p50/p95) for a typical flavor: the in-process call the
  scheduler makes, and GET /placement/allocation_candidates over real HTTP on loopback
  (uvicorn serving the node in this process, port 18894);
- claims per second: one claimer in sequence, and 16 concurrent claimers (spread over all
  hosts, and all contending for the same 4 hosts).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import uvicorn

from nubo.config import Settings
from nubo.placement.service import PlacementService
from nubo.roles.all_in_one import AllInOne

PORT = 18894
FLAVOR = {"VCPU": 2, "MEMORY_MB": 4096, "DISK_GB": 20}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def ms(values: list[float]) -> str:
    return (f"p50 {pct(values, 0.5) * 1000:7.1f} ms   p95 {pct(values, 0.95) * 1000:7.1f} ms"
            f"   mean {statistics.mean(values) * 1000:7.1f} ms")


async def populate(svc: PlacementService, n: int) -> list[str]:
    async def report(i: int, svc: PlacementService = svc) -> str:
        h = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"bench-host-{i}"))
        await svc.ensure_provider(h, f"bench-host-{i}", {
            "VCPU": {"total": 64, "allocation_ratio": 4.0},
            "MEMORY_MB": {"total": 262144, "reserved": 2048},
            "DISK_GB": {"total": 2000}},
            traits=["COMPUTE_NODE", "HW_CPU_X86_AVX2"] + (["CUSTOM_GPU"] if i % 10 == 0 else []))
        return h
    t0 = time.perf_counter()
    hosts = [await report(i) for i in range(n)]
    print(f"created {n} providers in {time.perf_counter() - t0:.1f} s")
    # What every host does again when the controller restarts (a new service, nothing
    # cached): nothing changed.
    restarted = PlacementService(svc.db)
    t0 = time.perf_counter()
    for i in range(n):
        await report(i, restarted)
    print(f"re-reported {n} unchanged providers in {time.perf_counter() - t0:.1f} s")
    return hosts


async def timed(fn, times: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(times):
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
    return out


async def bench_candidates(node: AllInOne, svc: PlacementService, n: int) -> None:
    found = await svc.candidates(FLAVOR)
    print(f"\nallocation candidates for {FLAVOR} over {n} providers ({len(found)} found)")
    print(f"  in-process candidates()          "
          f"{ms(await timed(lambda: svc.candidates(FLAVOR), 30))}")
    print(f"  in-process, limit=10             "
          f"{ms(await timed(lambda: svc.candidates(FLAVOR, limit=10), 30))}")
    print(f"  in-process, required CUSTOM_GPU  "
          f"{ms(await timed(lambda: svc.candidates(FLAVOR, required=['CUSTOM_GPU']), 30))}")
    server = uvicorn.Server(uvicorn.Config(node.app, host="127.0.0.1", port=PORT,
                                           log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    for _ in range(1000):   # noqa: ASYNC110 - uvicorn offers no event for "started"
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}") as c:
            r = await c.post("/identity/v3/auth/tokens", json={"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": "admin", "password": "bench-secret",
                    "domain": {"name": "Default"}}}},
                "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
            headers = {"X-Auth-Token": r.headers["x-subject-token"],
                       "OpenStack-API-Version": "placement 1.39"}
            q = ",".join(f"{k}:{v}" for k, v in FLAVOR.items())

            async def get(extra: str = "") -> None:
                r = await c.get(f"/placement/allocation_candidates?resources={q}{extra}",
                                headers=headers)
                assert r.status_code == 200, r.text
            size = len((await c.get(f"/placement/allocation_candidates?resources={q}",
                                    headers=headers)).content)
            print(f"  HTTP GET (body {size / 1024:.0f} KiB)       {ms(await timed(get, 20))}")
            print(f"  HTTP GET, limit=10               "
                  f"{ms(await timed(lambda: get('&limit=10'), 30))}")
    finally:
        server.should_exit = True
        await task


async def bench_claims(svc: PlacementService, hosts: list[str]) -> None:
    print("\nclaims (each: 1 VCPU, 512 MB, 1 GB)")
    small = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
    count = 300
    t0 = time.perf_counter()
    for i in range(count):
        assert await svc.claim(str(uuid.uuid4()), {hosts[i % len(hosts)]: small}, "bench", "u")
    dt = time.perf_counter() - t0
    print(f"  sequential                       {count / dt:7.0f} claims/s")
    for label, targets in (("16 concurrent, spread", hosts), ("16 concurrent, 4 hosts",
                                                               hosts[:4])):
        queue = list(range(count))

        async def worker(targets: list[str] = targets, queue: list[int] = queue) -> int:
            won = 0
            while queue:
                i = queue.pop()
                won += await svc.claim(str(uuid.uuid4()), {targets[i % len(targets)]: small},
                                       "bench", "u")
            return won
        t0 = time.perf_counter()
        won = sum(await asyncio.gather(*(worker() for _ in range(16))))
        dt = time.perf_counter() - t0
        print(f"  {label:<32} {count / dt:7.0f} claims/s ({won} fitted)")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--providers", type=int, default=1000)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", host="127.0.0.1", port=PORT,
                            admin_password="bench-secret", password_hash_rounds=4,
                            test_image=False, database_url=args.database_url)
        node = AllInOne(settings)
        await node.start()
        try:
            svc = node.controller.placement.service
            print(f"database: {node.controller.db.engine.url.get_backend_name()}")
            hosts = await populate(svc, args.providers)
            await bench_candidates(node, svc, args.providers)
            await bench_claims(svc, hosts)
        finally:
            await node.stop()


if __name__ == "__main__":
    asyncio.run(main())
