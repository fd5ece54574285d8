"""Dashboard benchmark: prints figures, asserts nothing about time.

    .venv/bin/python bench/dashboard.py [--servers 1000] [--rounds 20]

A cloud in this process on the fake hypervisor with N servers in the admin project, served
over HTTP by uvicorn on loopback. Measured:
- the server time of the dashboard's instances page (its first page: the newest 100) and
  overview page (the whole request through the ASGI app in-process: session, token check,
  the compute service's list and the services' API apps called in-process, rendering);
- the same page the way Horizon builds it: one HTTP call per resource type through the API
  over a real socket, one after the other (a page of servers, flavors, images, ports,
  floating IPs, networks: Horizon's instances index and its address update), then the same
  template; and GET /servers/detail of all N servers over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from common import free_port, pct, report  # bench/ is on sys.path

from nubo.config import Settings
from nubo.dashboard.cli import ago
from nubo.dashboard.handlers.instances import PAGE, addresses, moving
from nubo.roles.all_in_one import AllInOne

C = "/compute/v2.1"


async def admin_token(c: httpx.AsyncClient) -> str:
    r = await c.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": "admin-secret", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    return str(r.headers["x-subject-token"])


async def populate(c: httpx.AsyncClient, n: int) -> None:
    """N servers of a tiny flavor on the private network, 100 per request."""
    pid = (await c.get("/identity/v3/projects?name=admin")).json()["projects"][0]["id"]
    r = await c.put(f"{C}/os-quota-sets/{pid}", json={"quota_set": {
        "instances": -1, "cores": -1, "ram": -1}})
    r.raise_for_status()
    r = await c.put(f"/networking/v2.0/quotas/{pid}", json={"quota": {"port": -1}})
    r.raise_for_status()
    flavor = (await c.post(f"{C}/flavors", json={"flavor": {
        "name": "bench.tiny", "ram": 16, "vcpus": 1, "disk": 0}})).json()["flavor"]["id"]
    img = (await c.post("/image/v2/images", json={
        "name": "bench-img", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"})).json()
    await c.put(f"/image/v2/images/{img['id']}/file", content=b"\0" * 4096,
                headers={"Content-Type": "application/octet-stream"})
    net = (await c.get("/networking/v2.0/networks?name=private")).json()["networks"][0]
    made = 0
    while made < n:
        k = min(100, n - made)
        r = await c.post(f"{C}/servers", json={"server": {
            "name": "bench", "imageRef": img["id"], "flavorRef": flavor,
            "networks": [{"uuid": net["id"]}], "min_count": k, "max_count": k}})
        if r.status_code != 202:
            raise RuntimeError(f"create answered {r.status_code}: {r.text[:500]}")
        made += k
    while True:
        servers = (await c.get(f"{C}/servers/detail")).json()["servers"]
        if len([s for s in servers if s["status"] in ("ACTIVE", "ERROR")]) >= n:
            break
        await asyncio.sleep(0.5)


async def login(c: httpx.AsyncClient) -> None:
    page = await c.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    r = await c.post("/login", data={"csrf": csrf.group(1), "user": "admin",
                                     "password": "admin-secret", "domain": "Default"})
    assert r.status_code == 303, r.text


async def timed(rounds: int, fn: Any) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t)
    return out


async def main(n: int, rounds: int) -> None:
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="nubo-bench-dash-"))
    settings = Settings(data_dir=data, host="127.0.0.1", port=port, virt="fake",
                        fake_hosts=10, admin_password="admin-secret", test_image=False,
                        password_hash_rounds=4)
    node = AllInOne(settings)
    await node.start()
    await node.converged()
    server = uvicorn.Server(uvicorn.Config(node.app, host="127.0.0.1", port=port,
                                           log_config=None, access_log=False,
                                           lifespan="off"))
    serving = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{port}"
    try:
        while not server.started:   # noqa: ASYNC110 - uvicorn offers a flag, no event
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=base, timeout=600) as api:
            api.headers["X-Auth-Token"] = await admin_token(api)
            api.headers["OpenStack-API-Version"] = "compute latest"
            t = time.perf_counter()
            await populate(api, n)
            print(f"# {n} servers ACTIVE in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            dash = node.controller.dashboard
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                         base_url=base) as browser:
                await login(browser)

                async def page(path: str) -> None:
                    r = await browser.get(path)
                    assert r.status_code == 200 and "bench" in r.text, r.status_code

                instances = await timed(rounds, lambda: page("/instances"))
                overview = await timed(rounds, lambda: page("/"))
                rows = await timed(rounds, lambda: page("/instances/rows"))
            pid = (await api.get("/identity/v3/projects?name=admin")).json()[
                "projects"][0]["id"]

            async def horizon() -> None:
                # Horizon's instances index: one call per resource type, in turn, for a
                # page of servers of the dashboard's size
                servers = (await api.get(f"{C}/servers/detail",
                                         params={"limit": PAGE + 1})).json()["servers"]
                flavors = (await api.get(f"{C}/flavors/detail")).json()["flavors"]
                (await api.get("/image/v2/images")).json()
                (await api.get("/networking/v2.0/ports",
                               params={"tenant_id": pid})).json()
                (await api.get("/networking/v2.0/floatingips",
                               params={"tenant_id": pid})).json()
                (await api.get("/networking/v2.0/networks")).json()
                by_id = {f["id"]: f for f in flavors}
                for s in servers:      # what Horizon's table columns work out per row
                    s["ips"], s["updated_ago"] = addresses(s), ago(s["updated"])
                    s["flavor"].setdefault("original_name", by_id.get(
                        s["flavor"].get("id"), {}).get("name", ""))
                html = dash.env.get_template("_instance_rows.html").render(
                    servers=servers, moving=moving, csrf="x")
                assert "bench" in html

            horizon_like = await timed(rounds, horizon)

            async def all_servers() -> None:
                assert len((await api.get(f"{C}/servers/detail")).json()["servers"]) >= n

            api_all = await timed(rounds, all_servers)
    finally:
        server.should_exit = True
        await serving
        await node.stop()
        shutil.rmtree(data, ignore_errors=True)
    report({"servers": n,
            "instances_page_p50_ms": pct(instances, 0.5),
            "instances_page_p95_ms": pct(instances, 0.95),
            "instances_rows_fragment_p50_ms": pct(rows, 0.5),
            "overview_page_p50_ms": pct(overview, 0.5),
            "overview_page_p95_ms": pct(overview, 0.95),
            "horizon_like_http_per_resource_p50_ms": pct(horizon_like, 0.5),
            "horizon_like_http_per_resource_p95_ms": pct(horizon_like, 0.95),
            "api_servers_detail_all_http_p50_ms": pct(api_all, 0.5)})


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--servers", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=20)
    a = ap.parse_args()
    asyncio.run(main(a.servers, a.rounds))
