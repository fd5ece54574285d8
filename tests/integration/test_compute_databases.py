"""Compute on PostgreSQL and MariaDB: creates running side by side on a real server (the
connection pool gives true parallelism) each get their own instance number. Before the
numbering queued on a lock row, ten clients there met Nova's 409 every few boots: two
creates read the same highest number and one lost the unique constraint five times over."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.api.test_compute_servers import S, create, flavor_id, image_id, wait
from tests.conftest import api_on, make_settings
from tests.integration.test_databases import database_url  # noqa: F401 - fixture


async def test_concurrent_creates_on_server(database_url: str,  # noqa: F811
                                            tmp_path: Path) -> None:
    async with api_on(make_settings(tmp_path, database_url=database_url,
                                    fake_hosts=4)) as api:
        await api.ok("PUT", f"/compute/v2.1/os-quota-sets/{await api.project_id('admin')}",
                     json={"quota_set": {"ram": -1, "cores": -1, "instances": -1}})
        img, flv = await image_id(api), await flavor_id(api)

        async def client() -> list[str]:
            return [(await create(api, img, flv))["server"]["id"] for _ in range(4)]
        ids = [sid for got in await asyncio.gather(*(client() for _ in range(10)))
               for sid in got]
        names = set()
        for sid in ids:
            names.add((await wait(api, sid, "ACTIVE"))["OS-EXT-SRV-ATTR:instance_name"])
        assert len(ids) == 40 and len(names) == 40
        listed = (await api.ok("GET", f"{S}/detail?limit=100"))["servers"]
        assert {s["id"] for s in listed} == set(ids)
