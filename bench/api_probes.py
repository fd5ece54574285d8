"""Issue 18's API probes against `nubo up --virt fake`: prints a table, asserts nothing.

    .venv/bin/python bench/api_probes.py [-n 200] [--warmup 20] [--profile DIR]
    .venv/bin/python bench/api_probes.py --with-openstack   # beside the real services

The method is the anchors' (`../shared/anchors/measure.py`): one sequential client on loopback,
`--warmup` untimed requests, then `-n` timed ones; p50/p95 with linear interpolation. Nubo
runs as a subprocess on a free port with its own data directory, `--virt fake --network noop
--fake-hosts 101` (101 resource providers, as the anchors' 100 plus Nova's compute node).

Probes: token validate; GET /servers/detail with 100 and with 1,000 servers; POST /servers
until ACTIVE, polled every 20 ms; allocation_candidates over the 101 providers; GET
/v2/images with 100 images; Neutron's ports (100) and networks lists; RSS idle and after
1,000 fake servers. `--profile DIR` records each probe's timed loop with py-spy (collapsed
stacks, DIR/PROBE.txt) and prints its top frames.

`--with-openstack`: when `/work/shared/anchors` has installed the OpenStack side
(/tmp/anchor-venv), start it with start-anchors.sh, run measure.py against it and print a
ratio column (OpenStack / Nubo). That costs minutes of both CPUs: not for a shared machine
while others measure.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml
from common import free_port  # bench/ is on sys.path

ANCHORS = Path(os.environ.get("NUBO_ANCHORS", "/work/shared/anchors"))
ANCHOR_VENV = Path("/tmp/anchor-venv")
S = "/compute/v2.1/servers"
NET = "/networking/v2.0"
AC = "/placement/allocation_candidates?resources=VCPU:1,MEMORY_MB:512"
PLACEMENT_MV = {"OpenStack-API-Version": "placement 1.39"}

#: our probe -> measure.py's probe name (prefix), for the ratio column
ANCHOR_NAMES = {
    "token validate": "keystone GET /v3/auth/tokens (validate)",
    "GET /servers/detail, 100 servers": "nova GET /servers/detail",
    "POST /servers -> ACTIVE (poll 20 ms)": "nova POST /servers -> ACTIVE",
    "allocation_candidates, 101 providers": "placement GET /allocation_candidates",
    "GET /v2/images, 100 images (default page)": "glance GET /v2/images (default page",
    "GET /v2/images?limit=100": "glance GET /v2/images?limit=100",
}


def pct(values: list[float], p: float) -> float:
    """measure.py's percentile (linear interpolation), of seconds, in ms."""
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return (s[lo] + (s[hi] - s[lo]) * (k - lo)) * 1000


def check(r: httpx.Response, *ok: int) -> httpx.Response:
    if r.status_code not in (ok or (200,)):
        raise SystemExit(f"{r.request.method} {r.request.url} -> {r.status_code}: "
                         f"{r.text[:500]}")
    return r


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (all its threads): steadier than latency when
    other work shares the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """VmRSS of pid and its descendants (the cloud is one process, plus any helper)."""
    seen, todo, kb = set(), [pid], 0
    while todo:
        p = todo.pop()
        if p in seen or not os.path.exists(f"/proc/{p}"):
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    kb += int(line.split()[1])
            for tid in os.listdir(f"/proc/{p}/task"):
                todo += [int(x) for x in Path(f"/proc/{p}/task/{tid}/children").read_text()
                         .split()]
        except OSError:
            pass
    return kb / 1024


class Probes:
    def __init__(self, c: httpx.Client, pid: int, n: int, warmup: int,
                 profile: Path | None) -> None:
        self.c, self.pid, self.n, self.warmup, self.profile = c, pid, n, warmup, profile
        self.rows: list[dict[str, Any]] = []
        #: CPU seconds per second the server spends with no request (heartbeats of the fake
        #: hosts, periodic jobs): subtracted from each probe's CPU
        self.idle_rate = 0.0

    def measure_idle(self, seconds: float = 3.0) -> None:
        cpu, t = cpu_seconds(self.pid), time.perf_counter()
        time.sleep(seconds)
        self.idle_rate = (cpu_seconds(self.pid) - cpu) / (time.perf_counter() - t)
        print(f"  idle server CPU: {self.idle_rate * 1000:.1f} ms/s", flush=True)

    def cpu_start(self) -> tuple[float, float]:
        return cpu_seconds(self.pid), time.perf_counter()

    def cpu_since(self, start: tuple[float, float]) -> float:
        return max(0.0, cpu_seconds(self.pid) - start[0]
                   - self.idle_rate * (time.perf_counter() - start[1]))

    def add(self, name: str, lat: list[float], note: str = "",
            cpu: float | None = None) -> None:
        row = {"probe": name, "n": len(lat), "p50_ms": round(pct(lat, 50), 2),
               "p95_ms": round(pct(lat, 95), 2), "note": note,
               "server_cpu_ms": None if cpu is None else round(cpu / len(lat) * 1000, 2)}
        self.rows.append(row)
        print(f"  {name:45s} p50 {row['p50_ms']:8.2f} ms  p95 {row['p95_ms']:8.2f} ms"
              f"  server CPU {row['server_cpu_ms']} ms  {note}", flush=True)

    def run(self, name: str, fn: Callable[[], Any], n: int | None = None,
            note: str = "") -> None:
        for _ in range(self.warmup):
            fn()
        lat = []
        with self.spy(name):
            start = self.cpu_start()
            for _ in range(n or self.n):
                t = time.perf_counter()
                fn()
                lat.append(time.perf_counter() - t)
            cpu = self.cpu_since(start)
        self.add(name, lat, note, None if self.profile else cpu)

    @contextmanager
    def spy(self, name: str) -> Iterator[None]:
        if not self.profile:
            yield
            return
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        out = self.profile / (name.translate(str.maketrans(" /,>?=()", "________"))
                              .strip("_") + ".txt")
        rec = subprocess.Popen([spy, "record", "--pid", str(self.pid), "--rate", "1000",
                                "--format", "raw", "--output", str(out), "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # py-spy attaches
        try:
            yield
        finally:
            rec.send_signal(signal.SIGINT)
            rec.wait(60)
            top_frames(out)

    def get(self, url: str, **kw: Any) -> Callable[[], httpx.Response]:
        return lambda: check(self.c.get(url, **kw))


def top_frames(path: Path, k: int = 10) -> None:
    """The frames with the most samples: self time, and Nubo's frames inclusive."""
    if not path.exists():
        print(f"    (no profile in {path})")
        return
    own: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        leaf = frames[-1]
        if "select" in leaf or "epoll" in leaf:  # idle: the loop waits for the client
            continue
        own[leaf] += int(count)
        for f in set(frames):
            if "nubo/" in f:
                incl[f] += int(count)
    busy = sum(own.values())
    print(f"    py-spy: {busy} busy samples ({path.name}); self time:")
    for frame, cnt in own.most_common(k):
        print(f"    {100 * cnt / max(busy, 1):5.1f}%  {frame[:110]}")
    print("    Nubo's frames, inclusive:")
    for frame, cnt in incl.most_common(k + 5):
        print(f"    {100 * cnt / max(busy, 1):5.1f}%  {frame[:110]}")


def start_nubo(tmp: Path, hosts: int) -> tuple[subprocess.Popen[bytes], str, Path]:
    data, port = tmp / "data", free_port()
    env = {**os.environ, "NUBO_PASSWORD_HASH_ROUNDS": "4"}
    env.pop("NUBO_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from nubo.cli import main; main()", "up",
         "--data-dir", str(data), "--port", str(port), "--virt", "fake", "--network", "noop",
         "--fake-hosts", str(hosts), "--no-test-image"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / "nubo.log", "wb"),
        cwd=tmp)   # not the checkout: `-c` puts the working directory first on sys.path
    base = f"http://127.0.0.1:{port}"
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"nubo up exited {proc.returncode}: see {tmp / 'nubo.log'}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base, data
        except httpx.TransportError:
            pass
        time.sleep(0.05)


def wait(c: httpx.Client, sid: str, poll: float = 0.02, gone: bool = False) -> float:
    while True:
        r = c.get(f"{S}/{sid}")
        if gone:
            if r.status_code == 404:
                return time.perf_counter()
        else:
            st = check(r).json()["server"]["status"]
            if st == "ACTIVE":
                return time.perf_counter()
            if st == "ERROR":
                raise SystemExit(f"server {sid} went to ERROR: {r.text[:800]}")
        time.sleep(poll)


def boot_fleet(c: httpx.Client, body: dict[str, Any], count: int, prefix: str) -> None:
    ids = [check(c.post(S, json={"server": dict(body, name=f"{prefix}-{i:04d}")}), 202)
           .json()["server"]["id"] for i in range(count)]
    for sid in ids:
        wait(c, sid, poll=0.2)


def nubo_probes(a: argparse.Namespace) -> tuple[list[dict[str, Any]], dict[str, float]]:
    rss: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        proc, base, data = start_nubo(tmp, a.hosts)
        try:
            time.sleep(a.settle)
            rss["idle"] = rss_mib(proc.pid)
            pw = yaml.safe_load((data / "clouds.yaml").read_text())["clouds"]["nubo"]["auth"][
                "password"]
            r = check(httpx.post(f"{base}/identity/v3/auth/tokens", json={"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": "admin", "password": pw, "domain": {"id": "default"}}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}), 201)
            token, project = r.headers["x-subject-token"], r.json()["token"]["project"]["id"]
            with httpx.Client(base_url=base, timeout=120,
                              headers={"X-Auth-Token": token}) as c:
                return run_all(a, Probes(c, proc.pid, a.n, a.warmup, a.profile), token,
                               project, rss), rss
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(120)
            except subprocess.TimeoutExpired:
                proc.kill()


def run_all(a: argparse.Namespace, p: Probes, token: str, project: str,
            rss: dict[str, float]) -> list[dict[str, Any]]:
    c = p.c
    c.headers["OpenStack-API-Version"] = "compute 2.96"  # Nubo's max (measure.py: 2.100)
    check(c.put(f"/compute/v2.1/os-quota-sets/{project}", json={"quota_set": {
        "instances": -1, "cores": -1, "ram": -1}}))
    print("nubo (fake):")
    p.measure_idle()
    p.run("token validate", p.get("/identity/v3/auth/tokens",
                                  headers={"X-Subject-Token": token}))
    n_ac = len(check(c.get(AC, headers=PLACEMENT_MV)).json()["allocation_requests"])
    p.run("allocation_candidates, 101 providers", p.get(AC, headers=PLACEMENT_MV),
          note=f"({n_ac} candidates)")
    for i in range(100):
        check(c.post("/image/v2/images", json={
            "name": f"bench-img-{i:03d}", "disk_format": "raw", "container_format": "bare"}),
            201)
    img = check(c.post("/image/v2/images", json={
        "name": "bench-boot", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"}), 201).json()["id"]
    check(c.put(f"/image/v2/images/{img}/file", content=b"\0" * 4096,
                headers={"Content-Type": "application/octet-stream"}), 204)
    p.run("GET /v2/images, 100 images (default page)", p.get("/image/v2/images"))
    p.run("GET /v2/images?limit=100", p.get("/image/v2/images?limit=100"))
    net = check(c.post(f"{NET}/networks", json={"network": {"name": "bench"}}), 201).json()[
        "network"]
    check(c.post(f"{NET}/subnets", json={"subnet": {
        "network_id": net["id"], "ip_version": 4, "cidr": "10.77.0.0/16"}}), 201)
    for i in range(9):
        check(c.post(f"{NET}/networks", json={"network": {"name": f"bench-{i}"}}), 201)
    for i in range(100):
        check(c.post(f"{NET}/ports", json={"port": {"network_id": net["id"],
                                                    "name": f"p{i}"}}), 201)
    n_net = len(check(c.get(f"{NET}/networks")).json()["networks"])
    n_port = len(check(c.get(f"{NET}/ports")).json()["ports"])
    p.run(f"GET /v2.0/networks ({n_net})", p.get(f"{NET}/networks"))
    p.run(f"GET /v2.0/ports ({n_port})", p.get(f"{NET}/ports"))
    flavor = next(f["id"] for f in check(c.get("/compute/v2.1/flavors")).json()["flavors"]
                  if f["name"] == "m1.nano")
    body = {"imageRef": img, "flavorRef": flavor, "networks": "none"}
    t = time.perf_counter()
    boot_fleet(c, body, 100, "bench-srv")
    print(f"  fixture: 100 servers ACTIVE in {time.perf_counter() - t:.1f} s", flush=True)
    p.measure_idle()      # now with 100 servers to watch
    p.run("GET /servers/detail, 100 servers", p.get(f"{S}/detail"))
    post, active, ids = [], [], []
    with p.spy("POST /servers -> ACTIVE (poll 20 ms)"):
        start = p.cpu_start()
        for _ in range(a.boots):
            t = time.perf_counter()
            sid = check(c.post(S, json={"server": dict(
                body, name=f"bench-boot-{uuid.uuid4().hex[:8]}")}), 202).json()["server"]["id"]
            post.append(time.perf_counter() - t)
            active.append(wait(c, sid) - t)
            ids.append(sid)
        cpu = p.cpu_since(start)
    p.add("POST /servers (202)", post)
    p.add("POST /servers -> ACTIVE (poll 20 ms)", active, "(CPU: the boot with its polls)",
          None if p.profile else cpu)
    for sid in ids:
        check(c.delete(f"{S}/{sid}"), 204)
    for sid in ids:
        wait(c, sid, poll=0.05, gone=True)
    if a.no_1000:
        return p.rows
    t = time.perf_counter()
    boot_fleet(c, body, 900, "bench-more")
    print(f"  fixture: 900 more servers ACTIVE in {time.perf_counter() - t:.1f} s", flush=True)
    n = len(check(c.get(f"{S}/detail?limit=1000")).json()["servers"])
    p.measure_idle()
    p.run(f"GET /servers/detail, {n} servers", p.get(f"{S}/detail?limit=1000"),
          n=max(20, p.n // 10))
    rss["after 1,000 servers"] = rss_mib(p.pid)
    return p.rows


def openstack_probes(a: argparse.Namespace) -> list[dict[str, Any]]:
    if not (ANCHOR_VENV / "bin/python").exists():
        raise SystemExit(f"--with-openstack: {ANCHOR_VENV} is missing (see "
                         f"{ANCHORS}/README.md)")
    subprocess.run([str(ANCHORS / "start-anchors.sh")], check=True)
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    subprocess.run([str(ANCHOR_VENV / "bin/python"), str(ANCHORS / "measure.py"),
                    "--keystone", "http://127.0.0.1:5000/v3",
                    "--placement", "http://127.0.0.1:8778",
                    "--glance", "http://127.0.0.1:9292",
                    "--nova", "http://127.0.0.1:8774/v2.1",
                    "-n", str(a.n), "--warmup", str(a.warmup), "--boots", str(a.boots),
                    "--json", str(out)], check=True)
    rows: list[dict[str, Any]] = json.loads(out.read_text())["probes"]
    out.unlink()
    return rows


def table(rows: list[dict[str, Any]], rss: dict[str, float],
          anchors: list[dict[str, Any]] | None) -> None:
    print()
    if anchors is None:
        print("| probe | n | p50 ms | p95 ms | server CPU ms/request |")
        print("|---|---|---|---|---|")
    else:
        print("| probe | OpenStack p50 ms | Nubo p50 ms | Nubo p95 ms | ratio |")
        print("|---|---|---|---|---|")
    for r in rows:
        if anchors is None:
            print(f"| {r['probe']} {r['note']} | {r['n']} | {r['p50_ms']} | {r['p95_ms']} "
                  f"| {r['server_cpu_ms'] or ''} |")
            continue
        want = ANCHOR_NAMES.get(r["probe"])
        o = next((x for x in anchors if want and x["probe"].startswith(want)), None)
        ratio = f"{o['p50_ms'] / r['p50_ms']:.1f}x" if o and r["p50_ms"] else ""
        print(f"| {r['probe']} | {o['p50_ms'] if o else ''} | {r['p50_ms']} | {r['p95_ms']} "
              f"| {ratio} |")
    for k, v in rss.items():
        print(f"| RSS {k} | | {v:.1f} MiB | |" if anchors is not None
              else f"| RSS {k} | | {v:.1f} MiB | | |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="timed requests per probe")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--boots", type=int, default=20, help="timed POST /servers -> ACTIVE")
    ap.add_argument("--hosts", type=int, default=101, help="fake hosts (resource providers)")
    ap.add_argument("--settle", type=float, default=2.0,
                    help="seconds after /healthz before the idle RSS is read")
    ap.add_argument("--profile", type=Path, metavar="DIR",
                    help="py-spy record each probe into DIR and print its top frames")
    ap.add_argument("--with-openstack", action="store_true",
                    help="also measure the anchors' OpenStack and print ratios")
    ap.add_argument("--no-1000", action="store_true",
                    help="stop at 100 servers (no 1,000-server probe, no RSS after it)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    a = ap.parse_args()
    if a.profile:
        a.profile.mkdir(parents=True, exist_ok=True)
    rows, rss = nubo_probes(a)
    anchors = openstack_probes(a) if a.with_openstack else None
    table(rows, rss, anchors)
    if a.json:
        a.json.write_text(json.dumps({"nubo": rows, "rss_mib": rss, "openstack": anchors},
                                     indent=1))


if __name__ == "__main__":
    main()
