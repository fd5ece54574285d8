"""Two Nubo source trees side by side: the probes of api_probes.py, alternated request by
request between two `nubo up --virt fake` so that both see the same machine state (on a
shared machine a run now and a run later measure the machine, not the change).

    .venv/bin/python bench/api_ab.py BEFORE_TREE AFTER_TREE [-n 200] [--with-1000]

A tree is a directory holding a `nubo` package (a checkout, or `git archive REV nubo | tar
-x -C DIR`). Prints, per probe, each side's p50/p95 and the server's CPU per request (from
/proc; it includes the background work of the 101 fake hosts, the same on both sides), and
the p50 ratio. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml
from api_probes import AC, NET, PLACEMENT_MV, S, boot_fleet, check, cpu_seconds, pct, rss_mib, wait
from common import free_port  # bench/ is on sys.path

Side = tuple[subprocess.Popen[bytes], httpx.Client, str]


def start(tree: str, tmp: Path) -> Side:
    data, port = tmp / "data", free_port()
    env = {**os.environ, "NUBO_PASSWORD_HASH_ROUNDS": "4", "PYTHONPATH": tree}
    env.pop("NUBO_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from nubo.cli import main; main()", "up", "--data-dir",
         str(data), "--port", str(port), "--virt", "fake", "--network", "noop",
         "--fake-hosts", "101", "--no-test-image"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / "nubo.log", "wb"), cwd=tmp)
    base = f"http://127.0.0.1:{port}"
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"nubo up ({tree}) exited {proc.returncode}: {tmp / 'nubo.log'}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pw = yaml.safe_load((data / "clouds.yaml").read_text())["clouds"]["nubo"]["auth"][
        "password"]
    r = check(httpx.post(f"{base}/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "admin", "password": pw, "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}), 201)
    tok, project = r.headers["x-subject-token"], r.json()["token"]["project"]["id"]
    c = httpx.Client(base_url=base, timeout=120, headers={
        "X-Auth-Token": tok, "OpenStack-API-Version": "compute 2.96"})
    check(c.put(f"/compute/v2.1/os-quota-sets/{project}", json={"quota_set": {
        "instances": -1, "cores": -1, "ram": -1}}))
    return proc, c, tok


def fixtures(c: httpx.Client) -> dict[str, Any]:
    for i in range(100):
        check(c.post("/image/v2/images", json={
            "name": f"bench-img-{i:03d}", "disk_format": "raw", "container_format": "bare"}),
            201)
    img = check(c.post("/image/v2/images", json={
        "name": "bench-boot", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"}), 201).json()["id"]
    check(c.put(f"/image/v2/images/{img}/file", content=b"\0" * 4096,
                headers={"Content-Type": "application/octet-stream"}), 204)
    net = check(c.post(f"{NET}/networks", json={"network": {"name": "bench"}}), 201).json()[
        "network"]
    check(c.post(f"{NET}/subnets", json={"subnet": {
        "network_id": net["id"], "ip_version": 4, "cidr": "10.77.0.0/16"}}), 201)
    for i in range(9):
        check(c.post(f"{NET}/networks", json={"network": {"name": f"bench-{i}"}}), 201)
    for i in range(100):
        check(c.post(f"{NET}/ports", json={"port": {"network_id": net["id"],
                                                    "name": f"p{i}"}}), 201)
    flavor = next(f["id"] for f in check(c.get("/compute/v2.1/flavors")).json()["flavors"]
                  if f["name"] == "m1.nano")
    body = {"imageRef": img, "flavorRef": flavor, "networks": "none"}
    boot_fleet(c, body, 100, "bench-srv")
    return body


class AB:
    def __init__(self, a: Side, b: Side) -> None:
        self.a, self.b = a, b
        self.rows: list[tuple[str, float, float, float, float, float, float]] = []

    def probe(self, name: str, make: Callable[[Side], Callable[[], Any]], n: int,
              warmup: int = 20) -> None:
        fa, fb = make(self.a), make(self.b)
        for _ in range(warmup):
            fa()
            fb()
        la: list[float] = []
        lb: list[float] = []
        cpu_a, cpu_b = cpu_seconds(self.a[0].pid), cpu_seconds(self.b[0].pid)
        for i in range(n):
            order = ((fa, la), (fb, lb)) if i % 2 == 0 else ((fb, lb), (fa, la))
            for f, lat in order:
                t = time.perf_counter()
                f()
                lat.append(time.perf_counter() - t)
        cpu_a = (cpu_seconds(self.a[0].pid) - cpu_a) / n * 1000
        cpu_b = (cpu_seconds(self.b[0].pid) - cpu_b) / n * 1000
        row = (name, pct(la, 50), pct(lb, 50), pct(la, 95), pct(lb, 95), cpu_a, cpu_b)
        self.rows.append(row)
        print(f"  {name:40s} p50 {row[1]:8.2f} -> {row[2]:8.2f} ms ({row[1] / row[2]:4.1f}x)"
              f"  CPU/request {cpu_a:6.2f} -> {cpu_b:6.2f} ms", flush=True)


def get(url: str, **kw: Any) -> Callable[[Side], Callable[[], Any]]:
    return lambda side: lambda: check(side[1].get(url, **kw))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("-n", type=int, default=200, help="timed requests per probe and side")
    ap.add_argument("--boots", type=int, default=30)
    ap.add_argument("--with-1000", action="store_true",
                    help="900 more servers each, then servers/detail?limit=1000 and RSS")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as t1, tempfile.TemporaryDirectory() as t2:
        a, b = start(args.before, Path(t1)), start(args.after, Path(t2))
        try:
            body = {id(a): fixtures(a[1]), id(b): fixtures(b[1])}
            time.sleep(3)
            ab = AB(a, b)
            print(f"before: {args.before}\nafter:  {args.after}")
            ab.probe("token validate", lambda s: lambda: check(s[1].get(
                "/identity/v3/auth/tokens", headers={"X-Subject-Token": s[2]})), args.n)
            ab.probe("allocation_candidates, 101 providers", get(AC, headers=PLACEMENT_MV),
                     args.n)
            ab.probe("GET /v2/images (default page)", get("/image/v2/images"), args.n)
            ab.probe("GET /v2/images?limit=100", get("/image/v2/images?limit=100"), args.n)
            ab.probe("GET /v2.0/networks (12)", get(f"{NET}/networks"), args.n)
            ab.probe("GET /v2.0/ports (104)", get(f"{NET}/ports"), args.n)
            ab.probe("GET /servers/detail, 100 servers", get(f"{S}/detail"), args.n)
            one = {id(s): check(s[1].get(S)).json()["servers"][0]["id"] for s in (a, b)}
            ab.probe("GET /servers/{id}", lambda s: lambda: check(s[1].get(
                f"{S}/{one[id(s)]}")), args.n)

            def boot(s: Side) -> Callable[[], None]:
                def run() -> None:
                    sid = check(s[1].post(S, json={"server": dict(
                        body[id(s)], name=f"bench-boot-{uuid.uuid4().hex[:8]}")}), 202).json()[
                        "server"]["id"]
                    wait(s[1], sid)
                    check(s[1].delete(f"{S}/{sid}"), 204)
                return run
            ab.probe("POST /servers -> ACTIVE (poll 20 ms) + DELETE", boot, args.boots, 2)
            if args.with_1000:
                for s in (a, b):
                    boot_fleet(s[1], body[id(s)], 900, "bench-more")
                time.sleep(2)
                ab.probe("GET /servers/detail, 1000 servers", get(f"{S}/detail?limit=1000"),
                         max(20, args.n // 10), 3)
                print(f"  RSS after 1,000 servers: {rss_mib(a[0].pid):.1f} -> "
                      f"{rss_mib(b[0].pid):.1f} MiB")
            print("\n| probe | before p50 ms | after p50 ms | ratio | before p95 | after p95 "
                  "| before CPU ms/req | after CPU ms/req |")
            print("|---|---|---|---|---|---|---|---|")
            for r in ab.rows:
                print(f"| {r[0]} | {r[1]:.2f} | {r[2]:.2f} | {r[1] / r[2]:.1f}x | {r[3]:.2f} "
                      f"| {r[4]:.2f} | {r[5]:.2f} | {r[6]:.2f} |")
        finally:
            for s in (a, b):
                s[0].send_signal(signal.SIGTERM)
            for s in (a, b):
                try:
                    s[0].wait(120)
                except subprocess.TimeoutExpired:
                    s[0].kill()


if __name__ == "__main__":
    main()
