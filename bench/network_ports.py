"""Port create throughput through the Neutron API: prints figures, asserts nothing about time.

    .venv/bin/python bench/network_ports.py [--ports 300] [--clients 10] [--network noop|linux]

Against a real `nubo up --virt fake --network <noop|linux>` on loopback (linux needs root and
touches the host: bridges, taps, namespaces; everything the run made is removed at the end).
On a network of its own with a /16 subnet:
  create_1_client   POST /v2.0/ports one after the other: ports/s, p50/p95 per request
  create_N_clients  the same with N concurrent clients
  bound_to_active   ports created bound to this host (binding:host_id, compute:nova owner,
                    as Nova binds them) until the API shows them ACTIVE: with the Linux
                    dataplane that includes plugging the tap
  delete            DELETE of every port, N clients: ports/s
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
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import yaml
from common import free_port, pct, report  # bench/ is on sys.path

NUBO = str(Path(sys.executable).parent / "nubo")
P = "/networking/v2.0/ports"


async def timed(n: int, clients: int, one: Callable[[int], Awaitable[float]]
                ) -> tuple[float, list[float]]:
    """Run `one(i)` for i < n over `clients` workers: (wall seconds, per-call latencies)."""
    queue = iter(range(n))
    lat: list[float] = []

    async def worker() -> None:
        for i in queue:
            lat.append(await one(i))
    t = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - t, lat


async def run(base: str, token: str, n: int, clients: int) -> dict[str, float]:
    out: dict[str, float] = {}
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=base, headers={"X-Auth-Token": token},
                                 limits=limits, timeout=120) as c:
        net = (await c.post("/networking/v2.0/networks",
                            json={"network": {"name": "bench-ports"}})).json()["network"]
        r = await c.post("/networking/v2.0/subnets", json={"subnet": {
            "network_id": net["id"], "cidr": "10.100.0.0/16", "ip_version": 4}})
        assert r.status_code == 201, r.text
        host = (await c.get("/compute/v2.1/os-hypervisors")).json()["hypervisors"][0][
            "hypervisor_hostname"]
        made: list[str] = []

        async def create(i: int, bound: bool = False) -> float:
            body: dict[str, object] = {"network_id": net["id"], "name": f"p{i}"}
            if bound:
                body.update({"binding:host_id": host, "device_owner": "compute:nova",
                             "device_id": str(uuid.uuid4())})
            t = time.perf_counter()
            r = await c.post(P, json={"port": body})
            if r.status_code != 201:
                raise RuntimeError(f"POST /ports: {r.status_code} {r.text}")
            port = r.json()["port"]
            made.append(port["id"])
            if bound:
                while port["status"] != "ACTIVE":
                    await asyncio.sleep(0.01)
                    port = (await c.get(f"{P}/{port['id']}")).json()["port"]
            return time.perf_counter() - t

        await timed(10, 1, create)                      # warm up
        for k in (1, clients):
            wall, lat = await timed(n, k, create)
            out[f"create_{k}_clients_ports_per_s"] = n / wall
            out[f"create_{k}_clients_p50_ms"] = pct(lat, .5)
            out[f"create_{k}_clients_p95_ms"] = pct(lat, .95)
        nb = max(20, n // 5)
        for k in (1, clients):
            wall, lat = await timed(nb, k, lambda i: create(i, bound=True))
            out[f"bound_to_active_{k}_clients_p50_ms"] = pct(lat, .5)
            out[f"bound_to_active_{k}_clients_p95_ms"] = pct(lat, .95)
            out[f"bound_to_active_{k}_clients_ports_per_s"] = nb / wall

        async def delete(i: int) -> float:
            t = time.perf_counter()
            r = await c.delete(f"{P}/{made[i]}")
            if r.status_code != 204:
                raise RuntimeError(f"DELETE /ports: {r.status_code} {r.text}")
            return time.perf_counter() - t
        wall, lat = await timed(len(made), clients, delete)
        out[f"delete_{clients}_clients_ports_per_s"] = len(made) / wall
        out[f"delete_{clients}_clients_p50_ms"] = pct(lat, .5)
        await c.delete(f"/networking/v2.0/networks/{net['id']}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ports", type=int, default=300)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--network", choices=("noop", "linux"), default="noop")
    args = ap.parse_args()
    if args.network == "linux" and os.geteuid() != 0:
        raise SystemExit("--network linux needs root")
    with tempfile.TemporaryDirectory() as tmp:
        data, port = Path(tmp) / "data", free_port()
        env = {**os.environ, "NUBO_PASSWORD_HASH_ROUNDS": "4"}
        logf = Path(tmp) / "nubo.log"
        with open(logf, "wb") as log:
            proc = subprocess.Popen([NUBO, "up", "--data-dir", str(data), "--port", str(port),
                                     "--virt", "fake", "--network", args.network,
                                     "--no-test-image"], env=env, stdout=log,
                                    stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            while True:
                if proc.poll() is not None:
                    raise SystemExit(logf.read_text())
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
            pw = yaml.safe_load((data / "clouds.yaml").read_text())["clouds"]["nubo"]["auth"][
                "password"]
            r = httpx.post(f"{base}/identity/v3/auth/tokens", json={"auth": {"identity": {
                "methods": ["password"], "password": {"user": {
                    "name": "admin", "password": pw, "domain": {"id": "default"}}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
            token = r.headers["x-subject-token"]
            pid = r.json()["token"]["project"]["id"]
            httpx.put(f"{base}/networking/v2.0/quotas/{pid}", headers={"X-Auth-Token": token},
                      json={"quota": {"port": -1}})
            figures = {"ports": float(args.ports), "clients": float(args.clients),
                       **asyncio.run(run(base, token, args.ports, args.clients))}
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print(f"network: {args.network}")
    report(figures)


if __name__ == "__main__":
    main()
