"""A multi-create spreads: its servers are placed one at a time, each seeing the claims of
those before it (Nova places them all in one select_destinations call), where concurrent
placements from one view of the hosts would pile them onto the emptiest host."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from nubo.roles.all_in_one import AllInOne
from tests.api.test_compute_servers import S, create, flavor_id, image_id, wait
from tests.conftest import BASE, Api, make_settings

HOSTS = 3


@pytest.fixture
async def api3(tmp_path: Path) -> AsyncIterator[Api]:
    node = AllInOne(make_settings(tmp_path / "data", fake_hosts=HOSTS))
    await node.start()
    await node.converged()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app),
                                     base_url=BASE) as client:
            api = Api(client, node)
            api.admin_token = await api.token("admin", "admin-secret", "admin")
            yield api
    finally:
        await node.stop()


async def test_a_multi_create_spreads_over_the_hosts(api3: Api) -> None:
    api = api3
    img, flv = await image_id(api), await flavor_id(api)
    body = await create(api, img, flv, name="many", min_count=6, max_count=6,
                        return_reservation_id=True)
    rid = body["reservation_id"]
    found = (await api.ok("GET", f"{S}/detail?reservation_id={rid}"))["servers"]
    assert len(found) == 6
    got = await asyncio.gather(*(wait(api, s["id"], "ACTIVE") for s in found))
    spread = Counter(s["OS-EXT-SRV-ATTR:host"] for s in got)
    assert len(spread) == HOSTS and set(spread.values()) == {2}, spread
