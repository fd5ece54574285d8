"""Server action round trips on the fake hypervisor (in process, two simulated hosts):
request -> settled state, p50/p95 per action. Prints figures, asserts nothing about time.

    .venv/bin/python bench/server_actions.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import pct, report  # bench/ is on sys.path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nubo.roles.all_in_one import AllInOne  # noqa: E402
from tests.conftest import BASE, Api, make_settings  # noqa: E402

S = "/compute/v2.1/servers"
V = {"OpenStack-API-Version": "compute 2.96"}
STEPS = [("pause", None, "PAUSED"), ("unpause", None, "ACTIVE"),
         ("suspend", None, "SUSPENDED"), ("resume", None, "ACTIVE"),
         ("rescue", None, "RESCUE"), ("unrescue", None, "ACTIVE"),
         ("shelve", None, "SHELVED_OFFLOADED"), ("unshelve", None, "ACTIVE"),
         ("migrate", None, "VERIFY_RESIZE"), ("confirmResize", None, "ACTIVE"),
         ("os-migrateLive", {"host": None, "block_migration": "auto"}, "ACTIVE")]


async def settle(api: Api, sid: str, want: str) -> None:
    while True:
        srv = (await api.req("GET", f"{S}/{sid}")).json()["server"]
        if srv["status"] == want and srv["OS-EXT-STS:task_state"] is None:
            return
        await asyncio.sleep(0.002)


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        node = AllInOne(make_settings(Path(d), fake_hosts=2))
        await node.start()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                         base_url=BASE) as client:
                api = Api(client, node)
                api.admin_token = await api.token("admin", "admin-secret", "admin")
                img = (await api.ok("POST", "/image/v2/images", 201, json={
                    "name": "b", "disk_format": "raw", "container_format": "bare"}))["id"]
                await api.req("PUT", f"/image/v2/images/{img}/file", content=b"\0" * 4096,
                              headers={"Content-Type": "application/octet-stream"})
                sid = (await api.ok("POST", S, 202, json={"server": {
                    "name": "b", "imageRef": img, "flavorRef": "1"}}))["server"]["id"]
                await settle(api, sid, "ACTIVE")
                times: dict[str, list[float]] = {name: [] for name, _, _ in STEPS}
                for _ in range(rounds):
                    for name, arg, want in STEPS:
                        t = time.perf_counter()
                        r = await api.req("POST", f"{S}/{sid}/action", json={name: arg},
                                          headers=V)
                        assert r.status_code < 300, r.text
                        await settle(api, sid, want)
                        times[name].append(time.perf_counter() - t)
        finally:
            await node.stop()
    figures: dict[str, float] = {}
    for name, values in times.items():
        figures[f"{name}_p50_ms"] = pct(values, .5)
        figures[f"{name}_p95_ms"] = pct(values, .95)
    report(figures)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=20)
    asyncio.run(main(p.parse_args().rounds))
