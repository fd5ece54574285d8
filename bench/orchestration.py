"""Orchestration on the fake drivers, in-process: the time to create and delete a stack of N
servers on one network, the same servers created straight through the compute API (what
the services themselves take), and a stack of N OS::Heat::None (the engine alone).

    python bench/orchestration.py [--servers 20] [--nones 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.common import report  # noqa: E402
from nubo.config import Settings  # noqa: E402
from nubo.roles.all_in_one import AllInOne  # noqa: E402

BASE = "http://127.0.0.1:8880"


async def token(c: httpx.AsyncClient) -> str:
    r = await c.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "admin", "password": "admin-secret", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    return r.headers["x-subject-token"]


def servers_template(n: int, image: str) -> dict[str, Any]:
    res: dict[str, Any] = {
        "net": {"type": "OS::Neutron::Net"},
        "sub": {"type": "OS::Neutron::Subnet", "properties": {
            "network": {"get_resource": "net"}, "cidr": "10.55.0.0/16"}}}
    for i in range(n):
        res[f"vm{i}"] = {"type": "OS::Nova::Server", "properties": {
            "image": image, "flavor": "m1.nano",
            "networks": [{"network": {"get_resource": "net"}}]}}
    return {"heat_template_version": "2021-04-16", "resources": res}


async def stack_run(c: httpx.AsyncClient, node: AllInOne, h: dict[str, str], pid: str,
                    name: str, template: dict[str, Any]) -> tuple[float, float]:
    engine = node.controller.orchestration.engine
    b = f"/orchestration/v1/{pid}/stacks"
    t0 = time.perf_counter()
    r = await c.post(b, headers=h, json={"stack_name": name, "template": template})
    assert r.status_code == 201, r.text
    sid = r.json()["stack"]["id"]
    await engine.drain()
    created = time.perf_counter() - t0
    shown = (await c.get(f"{b}/{name}/{sid}", headers=h)).json()["stack"]
    assert shown["stack_status"] == "CREATE_COMPLETE", shown["stack_status_reason"]
    t0 = time.perf_counter()
    await c.delete(f"{b}/{name}/{sid}", headers=h)
    await engine.drain()
    return created, time.perf_counter() - t0


async def direct(c: httpx.AsyncClient, h: dict[str, str], n: int, image: str) -> float:
    net = (await c.post("/networking/v2.0/networks", headers=h,
                        json={"network": {"name": "direct"}})).json()["network"]["id"]
    await c.post("/networking/v2.0/subnets", headers=h, json={"subnet": {
        "network_id": net, "cidr": "10.56.0.0/16", "ip_version": 4}})
    t0 = time.perf_counter()
    ids = []
    for i in range(n):
        r = await c.post("/compute/v2.1/servers", headers=h, json={"server": {
            "name": f"d{i}", "imageRef": image, "flavorRef": "42",
            "networks": [{"uuid": net}]}})
        ids.append(r.json()["server"]["id"])
    pending = set(ids)
    while pending:
        for sid in list(pending):
            s = (await c.get(f"/compute/v2.1/servers/{sid}", headers=h)).json()["server"]
            if s["status"] in ("ACTIVE", "ERROR"):
                pending.discard(sid)
        await asyncio.sleep(0.01)
    return time.perf_counter() - t0


async def run(n_servers: int, n_nones: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", host="127.0.0.1", port=8880,
                            admin_password="admin-secret", password_hash_rounds=4,
                            test_image=False, virt="fake")
        node = AllInOne(settings)
        node.controller.orchestration.engine.poll = 0.02
        await node.start()
        await node.converged()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                         base_url=BASE, timeout=300) as c:
                h = {"X-Auth-Token": await token(c)}
                pid = (await c.get("/identity/v3/projects?name=admin",
                                   headers=h)).json()["projects"][0]["id"]
                await c.put(f"/compute/v2.1/os-quota-sets/{pid}", headers=h, json={
                    "quota_set": {"instances": -1, "cores": -1, "ram": -1}})
                img = (await c.post("/image/v2/images", headers=h, json={
                    "name": "b", "disk_format": "raw", "container_format": "bare"})).json()
                await c.put(f"/image/v2/images/{img['id']}/file", content=b"\0" * 4096,
                            headers={**h, "Content-Type": "application/octet-stream"})
                nones = {"heat_template_version": "2021-04-16", "resources": {
                    f"r{i}": {"type": "OS::Heat::None"} for i in range(n_nones)}}
                none_c, none_d = await stack_run(c, node, h, pid, "nones", nones)
                srv_c, srv_d = await stack_run(c, node, h, pid, "servers",
                                               servers_template(n_servers, img["id"]))
                straight = await direct(c, h, n_servers, img["id"])
        finally:
            await node.stop()
    report({f"stack of {n_nones} None: create s": none_c,
            f"stack of {n_nones} None: delete s": none_d,
            f"stack of {n_servers} servers: create s": srv_c,
            f"stack of {n_servers} servers: delete s": srv_d,
            f"{n_servers} servers straight through the API: create s": straight})


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--servers", type=int, default=20)
    p.add_argument("--nones", type=int, default=200)
    a = p.parse_args()
    asyncio.run(run(a.servers, a.nones))


if __name__ == "__main__":
    main()
