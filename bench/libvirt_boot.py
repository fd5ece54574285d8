"""Real boots under libvirt (TCG here): prints figures, asserts nothing about time.

    .venv/bin/python bench/libvirt_boot.py [--servers 3]

Against a real `nubo up --virt libvirt` (root, libvirtd reachable or startable): servers of
`nubo-test` on m1.nano are booted one after the other and for each it measures
  api_to_active     POST /servers until the server is ACTIVE (the domain was started)
  driver_spawn      the host's part of it, from the build event's own timestamps (image
                    overlay, config drive, XML, libvirt define + QEMU start)
  control_plane     api_to_active minus driver_spawn: API, scheduler, placement, conductor
  boot_to_ready     POST /servers until the guest's `ready` marker is on its console log
and the nubo process's RSS with 0 servers and with N (the control plane's cost per instance;
the guests' memory is QEMU's, not ours). The first boot also fetches the image into the
cache; it is reported apart.
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
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from common import free_port, report  # bench/ is on sys.path

NUBO = str(Path(sys.executable).parent / "nubo")
S = "/compute/v2.1/servers"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


async def boot(c: httpx.AsyncClient, flavor: str, image: str, i: int) -> dict[str, float]:
    t0 = time.perf_counter()
    r = await c.post(S, json={"server": {"name": f"bench-{i}", "imageRef": image,
                                         "flavorRef": flavor}})
    if r.status_code != 202:
        raise RuntimeError(f"POST /servers: {r.status_code} {r.text}")
    sid = r.json()["server"]["id"]
    active = ready = 0.0
    while not ready:
        now = time.perf_counter() - t0
        if not active:
            srv = (await c.get(f"{S}/{sid}")).json()["server"]
            if srv["status"] == "ERROR":
                raise RuntimeError(f"boot failed: {srv.get('fault')}")
            if srv["status"] == "ACTIVE":
                active = now
        else:
            out = await c.post(f"{S}/{sid}/action", json={"os-getConsoleOutput": {}})
            if "nubo-guest: ready" in out.json().get("output", ""):
                ready = now
        await asyncio.sleep(0.02 if not active else 0.25)
    acts = (await c.get(f"{S}/{sid}/os-instance-actions")).json()["instanceActions"]
    req = [a for a in acts if a["action"] == "create"][0]["request_id"]
    ev = (await c.get(f"{S}/{sid}/os-instance-actions/{req}")).json()["instanceAction"]
    spawn = [e for e in ev.get("events", []) if e["event"] == "compute__do_build_and_run_instance"]
    driver = _ts(spawn[0]["finish_time"]) - _ts(spawn[0]["start_time"]) if spawn else 0.0
    return {"api_to_active": active, "driver_spawn": driver,
            "control_plane": active - driver, "boot_to_ready": ready}


async def run(base: str, token: str, n: int, pid: int) -> dict[str, float]:
    out: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=base, headers={
            "X-Auth-Token": token, "X-OpenStack-Nova-API-Version": "2.1"}, timeout=300) as c:
        while True:      # the test image registers in the background after start
            imgs = (await c.get("/image/v2/images?name=nubo-test")).json()["images"]
            if imgs and imgs[0]["status"] == "active":
                break
            await asyncio.sleep(1)
        flavor = next(f["id"] for f in (await c.get("/compute/v2.1/flavors")).json()["flavors"]
                      if f["name"] == "m1.nano")
        out["rss_0_servers_mb"] = rss_mb(pid)
        runs = [await boot(c, flavor, imgs[0]["id"], i) for i in range(n)]
        out["rss_n_servers_mb"] = rss_mb(pid)
        out["servers"] = float(n)
        out["rss_per_server_mb"] = (out["rss_n_servers_mb"] - out["rss_0_servers_mb"]) / n
        for k, v in runs[0].items():
            out[f"first_{k}_s"] = v          # includes fetching the image into the cache
        warm = runs[1:] or runs
        for k in runs[0]:
            vals = sorted(r[k] for r in warm)
            out[f"{k}_median_s"] = vals[len(vals) // 2]
        servers = (await c.get(S)).json()["servers"]
        for s in servers:
            await c.delete(f"{S}/{s['id']}")
        for _ in range(600):
            if not (await c.get(S)).json()["servers"]:
                break
            await asyncio.sleep(0.5)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, port = Path(tmp) / "data", free_port()
        env = {**os.environ, "NUBO_PASSWORD_HASH_ROUNDS": "4",
               "NUBO_GUEST_CACHE_DIR": os.environ.get(
                   "NUBO_TEST_GUEST_CACHE", f"/tmp/nubo-guest-cache-{os.getuid()}")}
        log = open(Path(tmp) / "nubo.log", "wb")  # noqa: SIM115 - closed below
        proc = subprocess.Popen([NUBO, "up", "--data-dir", str(data), "--port", str(port),
                                 "--virt", "libvirt", "--test-image"], env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            while True:
                if proc.poll() is not None:
                    raise SystemExit((Path(tmp) / "nubo.log").read_text())
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            pw = yaml.safe_load((data / "clouds.yaml").read_text())["clouds"]["nubo"]["auth"][
                "password"]
            r = httpx.post(f"{base}/identity/v3/auth/tokens", json={"auth": {"identity": {
                "methods": ["password"], "password": {"user": {
                    "name": "admin", "password": pw, "domain": {"id": "default"}}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
            figures: dict[str, Any] = asyncio.run(run(base, r.headers["x-subject-token"],
                                                      args.servers, proc.pid))
            virt = [ln for ln in (Path(tmp) / "nubo.log").read_text().splitlines()
                    if "virt: " in ln]
            print(virt[0] if virt else "virt: ?")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(120)
            log.close()
    report(figures)


if __name__ == "__main__":
    main()
