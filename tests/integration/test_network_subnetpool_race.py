"""Subnets allocated from one pool by concurrent requests never overlap on PostgreSQL and
MariaDB, where writers are not serialised as on SQLite (the pool's hash claim decides)."""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

import httpx

from nubo.roles.all_in_one import AllInOne
from tests.conftest import BASE, Api, make_settings
from tests.integration.test_databases import database_url  # noqa: F401  (the fixture)

N = "/networking/v2.0"


async def test_concurrent_allocations_never_overlap(database_url: str,  # noqa: F811
                                                    tmp_path: Path) -> None:
    node = AllInOne(make_settings(tmp_path, database_url=database_url))
    await node.start()
    await node.converged()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                     base_url=BASE) as client:
            api = Api(client, node)
            api.admin_token = await api.token("admin", "admin-secret", "admin")
            pool = (await api.ok("POST", f"{N}/subnetpools", 201, json={"subnetpool": {
                "name": "race", "prefixes": ["10.80.0.0/21"], "default_prefixlen": 24}})
            )["subnetpool"]
            nets = [(await api.ok("POST", f"{N}/networks", 201, json={"network": {
                "name": f"n{i}"}}))["network"]["id"] for i in range(12)]
            rs = await asyncio.gather(*(api.req("POST", f"{N}/subnets", json={"subnet": {
                "network_id": n, "subnetpool_id": pool["id"], "enable_dhcp": False}})
                for n in nets))
            made = [ipaddress.ip_network(r.json()["subnet"]["cidr"]) for r in rs
                    if r.status_code == 201]
            other = {r.json()["NeutronError"]["type"] for r in rs if r.status_code != 201}
            print(f"{database_url.split(':')[0]}: {len(made)} allocated, refused: {other}")
            # the /21 holds eight /24s: all of them are handed out, the rest find no room
            assert len(made) == 8 and other == {"SubnetAllocationError"}
            assert not any(a.overlaps(b) for i, a in enumerate(made) for b in made[i + 1:])
            listed = (await api.ok("GET", f"{N}/subnets?subnetpool_id={pool['id']}"))[
                "subnets"]
            assert sorted(s["cidr"] for s in listed) == sorted(str(c) for c in made)
    finally:
        await node.stop()
