"""Port create throughput through the Neutron API: prints figures, asserts nothing about time.

    .venv/bin/python bench/network_ports.py [--ports 300] [--clients 10] [--network noop|linux]

Against a real `nubo up --virt fake --network <noop|linux>` on loopback (linux needs root and
touches the host: bridges, taps, namespaces; everything the run made is removed at the end,
as tests/e2e/test_guest_networking.py does it).
On a network of its own with a /16 subnet:
  create_1_client   POST /v2.0/ports one after the other: ports/s, p50/p95 per request
  create_N_clients  the same with N concurrent clients
  bound_to_active   (noop) ports created bound to the host (binding:host_id, compute:nova
                    owner, as Nova binds them) until the API shows them ACTIVE
  bound_to_plugged  (linux) the same until the host has the port's tap on its bridge (the
                    API says ACTIVE at once for ports bound through it; only Nova's own
                    binding waits for the dataplane)
  delete            DELETE of every port, N clients: ports/s
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import yaml
from common import free_port, pct, report  # bench/ is on sys.path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nubo.network import names  # noqa: E402
from tests.e2e.conftest import Cloud, start_nubo, stop_nubo  # noqa: E402
from tests.e2e.test_guest_networking import (  # noqa: E402
    HostBefore,
    Made,
    _what_was_made,
    clean_host,
)

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


async def run(base: str, token: str, n: int, clients: int, plugged: bool
              ) -> dict[str, float]:
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
            if bound and plugged:       # the tap exists and is on its bridge
                master = Path("/sys/class/net") / names.tap_name(port["id"]) / "master"
                while not master.exists():
                    if time.perf_counter() - t > 60:
                        raise RuntimeError(f"port {port['id']} not plugged in 60 s")
                    await asyncio.sleep(0.005)
            elif bound:
                while port["status"] != "ACTIVE":
                    if time.perf_counter() - t > 60:
                        raise RuntimeError(f"port {port['id']} not ACTIVE in 60 s: {port}")
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
        what = "bound_to_plugged" if plugged else "bound_to_active"
        for k in (1, clients):
            wall, lat = await timed(nb, k, lambda i: create(i, bound=True))
            out[f"{what}_{k}_clients_p50_ms"] = pct(lat, .5)
            out[f"{what}_{k}_clients_p95_ms"] = pct(lat, .95)
            out[f"{what}_{k}_clients_ports_per_s"] = nb / wall

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
    with tempfile.TemporaryDirectory(prefix="nubo-np-") as tmp:
        os.chmod(tmp, 0o755)        # dnsmasq runs as nobody and reads files under it
        data = Path(tmp) / "data"
        before = HostBefore()
        c: Cloud | None = None
        made: Made | None = None
        try:
            c = start_nubo(data, free_port(), "--network", args.network, timeout=120)
            auth = yaml.safe_load(c.clouds_yaml.read_text())["clouds"]["nubo"]["auth"]
            r = httpx.post(f"{c.url}/identity/v3/auth/tokens", json={"auth": {"identity": {
                "methods": ["password"], "password": {"user": {
                    "name": "admin", "password": auth["password"], "domain": {"id": "default"}}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
            token = r.headers["x-subject-token"]
            pid = r.json()["token"]["project"]["id"]
            httpx.put(f"{c.url}/networking/v2.0/quotas/{pid}", headers={"X-Auth-Token": token},
                      json={"quota": {"port": -1}})
            figures = {"ports": float(args.ports), "clients": float(args.clients),
                       **asyncio.run(run(c.url, token, args.ports, args.clients,
                                         args.network == "linux"))}
        finally:
            if c is not None:
                made = _what_was_made(c) if args.network == "linux" else None
                stop_nubo(c)
            if args.network == "linux":
                clean_host(data, before, made)
    print(f"network: {args.network}")
    report(figures)


if __name__ == "__main__":
    main()
