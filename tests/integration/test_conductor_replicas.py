"""Two conductor replicas on one PostgreSQL database (issue 12).

Two controller nodes share the database, the data directory (keys, image store) and the
hosts: the second one's bus reaches the first one's agents (in production both reach the
hosts over RabbitMQ); every message still goes through JSON in the in-process bus. Requests
alternate between the replicas' APIs; each agent counts what it is asked to do per
instance. Each step must be done once (no duplicate work), every server must end where it
should (no lost step), and each periodic job must run in one replica only.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest

import nubo.compute.conductor.periodic as periodic_module
from nubo.core.db import Database
from nubo.core.leases import Leases
from nubo.core.locks import DatabaseLocks
from nubo.roles.all_in_one import AllInOne
from tests.api.test_compute_servers import S, flavor_id, image_id, make_flavor, wait
from tests.conftest import BASE, Api, make_settings
from tests.integration.test_databases import throwaway_database

#: the periodic jobs tick faster here; a lease lives LEASE_PERIODS of them (a slow round
#: on a loaded machine must not let it expire while its holder lives)
PERIOD = 1.0
LEASE_PERIODS = 8
COUNTED = ("spawn", "destroy", "snapshot_to_image")


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with throwaway_database("postgresql") as url:
        yield url


@pytest.fixture(params=["postgresql", "mariadb"])
async def server_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    async with throwaway_database(request.param) as url:
        yield url


class Replicas:
    """Two started nodes on one database and one set of hosts, a client for each, and
    the calls their (shared) agents received: (method, instance id) -> count."""

    def __init__(self, a: Api, b: Api) -> None:
        self.apis = [a, b]
        self.calls: Counter[tuple[str, str]] = Counter()
        #: (job, replica index, start, end) of every periodic job run, in order
        self.runs: list[tuple[str, int, float, float]] = []

    def api(self, i: int) -> Api:
        return self.apis[i % 2]

    def node(self, i: int) -> AllInOne:
        return self.apis[i % 2].node


def _count(calls: Counter[tuple[str, str]], name: str,
           method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def counted(**kw: Any) -> Any:
        ident = kw.get("instance_id") or (kw.get("spec") or {}).get("id", "")
        calls[(name, ident)] += 1
        return await method(**kw)
    return counted


def _timed(runs: list[tuple[str, int, float, float]], job: str, replica: int,
           method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def timed(*args: Any, **kw: Any) -> Any:
        start = time.monotonic()
        try:
            return await method(*args, **kw)
        finally:
            runs.append((job, replica, start, time.monotonic()))
    return timed


@asynccontextmanager
async def replicas(url: str, data: Path, monkeypatch: pytest.MonkeyPatch
                   ) -> AsyncIterator[Replicas]:
    # the rounds' period is the periodic_interval setting (Nova's), the leases' length a
    # number of them
    monkeypatch.setattr(periodic_module, "LEASE_PERIODS", LEASE_PERIODS)
    settings = make_settings(data, database_url=url, fake_hosts=2, periodic_interval=PERIOD)
    first = AllInOne(settings)
    await first.start()
    second = AllInOne(settings)
    # the second replica reaches the same hosts (the first one's agents)
    for agent in first.host.agents:
        second.bus.register(agent.host, agent)
    await second.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first.app),
                                     base_url=BASE) as ca, \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=second.app),
                                  base_url=BASE) as cb:
            a, b = Api(ca, first), Api(cb, second)
            a.admin_token = await a.token("admin", "admin-secret", "admin")
            b.admin_token = await b.token("admin", "admin-secret", "admin")
            r = Replicas(a, b)
            for agent in first.host.agents:
                for name in COUNTED:
                    setattr(agent, name, _count(r.calls, name, getattr(agent, name)))
            for i, node in enumerate((first, second)):
                for job, name in (("compute-heartbeat", "heartbeat"),
                                  ("compute-reconcile", "reconcile")):
                    monkeypatch.setattr(node.controller.conductor, name, _timed(
                        r.runs, job, i, getattr(node.controller.conductor, name)))
            yield r
    finally:
        await second.stop()
        await first.stop()


async def act(api: Api, sid: str, body: dict[str, Any], status: int = 202) -> httpx.Response:
    resp = await api.req("POST", f"{S}/{sid}/action", json=body)
    assert resp.status_code == status, resp.text
    return resp


async def test_two_replicas_boot_resize_snapshot_delete(pg_url: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    async with replicas(pg_url, tmp_path / "data", monkeypatch) as r:
        a = r.api(0)
        await a.ok("PUT", f"/compute/v2.1/os-quota-sets/{await a.project_id('admin')}",
                   json={"quota_set": {"ram": -1, "cores": -1, "instances": -1}})
        img, small = await image_id(a), await flavor_id(a)
        big = await make_flavor(a, "replica-big", 256, vcpus=2)
        started, first_run = time.monotonic(), len(r.runs)
        n = 6
        # boot: each server created through one replica, watched through the other
        made = await asyncio.gather(*(r.api(i).ok("POST", S, 202, json={"server": {
            "name": f"rep-{i}", "imageRef": img, "flavorRef": small}}) for i in range(n)))
        ids = [m["server"]["id"] for m in made]
        booted = [await wait(r.api(i + 1), sid, "ACTIVE") for i, sid in enumerate(ids)]
        # resize through the other replica, confirm through the first
        await asyncio.gather(*(act(r.api(i + 1), sid, {"resize": {"flavorRef": big}})
                               for i, sid in enumerate(ids)))
        resized = [await wait(r.api(i), sid, "VERIFY_RESIZE") for i, sid in enumerate(ids)]
        await asyncio.gather(*(act(r.api(i), sid, {"confirmResize": None}, 204)
                               for i, sid in enumerate(ids)))
        for i, sid in enumerate(ids):
            got = await wait(r.api(i + 1), sid, "ACTIVE")
            assert got["flavor"]["id"] == big
        # snapshot through either
        snaps = [(await act(r.api(i + 1), sid, {"createImage": {"name": f"snap-{i}"}})
                  ).headers["location"].rsplit("/", 1)[-1] for i, sid in enumerate(ids)]
        for i, sid in enumerate(ids):
            await wait(r.api(i), sid, "ACTIVE")
        for snap in snaps:
            shown = await a.ok("GET", f"/image/v2/images/{snap}")
            assert shown["status"] == "active", shown
        # delete through either
        for i, sid in enumerate(ids):
            resp = await r.api(i + 1).req("DELETE", f"{S}/{sid}")
            assert resp.status_code == 204, resp.text
        for i, sid in enumerate(ids):
            await wait(r.api(i), sid, "DELETED")
        elapsed = time.monotonic() - started

        # each step done once
        for i, sid in enumerate(ids):
            moved = booted[i]["OS-EXT-SRV-ATTR:host"] != resized[i]["OS-EXT-SRV-ATTR:host"]
            assert r.calls[("spawn", sid)] == 2, (sid, r.calls)           # boot, resize
            assert r.calls[("snapshot_to_image", sid)] == 1, (sid, r.calls)
            # delete; confirm removes the source only when the resize moved
            assert r.calls[("destroy", sid)] == 1 + moved, (sid, r.calls)
        # no lost step: nothing left on the hosts or in placement
        for agent in r.node(0).host.agents:
            assert not set(ids) & set(await agent.list_instances())
        for sid in ids:
            assert await r.node(0).controller.placement.service.allocations(sid) == {}

        # every periodic job ran in one replica only (the lease holder, alive throughout),
        # one run at a time, at most once per period
        for job in ("compute-heartbeat", "compute-reconcile"):
            mine = sorted((start, end, i) for j, i, start, end in r.runs[first_run:]
                          if j == job)
            assert len({i for _, _, i in mine}) == 1, (job, mine)
            assert all(prev[1] <= nxt[0] for prev, nxt in pairwise(mine)), mine
            assert 1 <= len(mine) <= elapsed / PERIOD + 2, (job, len(mine), elapsed)

        # the holder's periodic work dies (as with kill -9: no lease given back): the
        # other replica takes the jobs over once the leases expire
        holder = r.runs[-1][1]
        periodic = r.node(holder).controller.servers.periodic
        assert await periodic.leases.holder_of("compute-reconcile") == periodic.leases.holder
        task = periodic.task
        assert task is not None
        task.cancel()
        other = 1 - holder
        before = len(r.runs)
        deadline = time.monotonic() + PERIOD * (LEASE_PERIODS + 4)
        while not {("compute-heartbeat", other), ("compute-reconcile", other)} <= {
                (job, i) for job, i, _, _ in r.runs[before:]}:
            assert time.monotonic() < deadline, r.runs[before:]
            await asyncio.sleep(0.1)
        leases = r.node(other).controller.servers.periodic.leases
        assert await leases.holder_of("compute-reconcile") == leases.holder


async def test_an_operation_running_in_one_replica_is_not_resumed_by_the_other(
        pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with replicas(pg_url, tmp_path / "data", monkeypatch) as r:
        a, b = r.api(0), r.api(1)
        img = await image_id(a)
        slow = await make_flavor(a, "replica-slow", 128,
                                 extra={"nubo_fake:spawn": "slow=3"})
        sid = (await a.ok("POST", S, 202, json={"server": {
            "name": "slow", "imageRef": img, "flavorRef": slow}}))["server"]["id"]
        conductor_b = b.node.controller.conductor
        deadline = time.monotonic() + 10
        while r.calls[("spawn", sid)] == 0:      # replica A is spawning it, under the lock
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert await conductor_b.busy(sid)
        # replica B's reconcile (as right after its own restart) leaves it alone
        counts = await conductor_b.reconcile()
        assert counts["resumed"] == 0, counts
        await wait(b, sid, "ACTIVE")
        await conductor_b.drain()
        assert r.calls[("spawn", sid)] == 1
        assert not await conductor_b.busy(sid)


async def test_an_event_received_by_one_replica_wakes_a_waiter_in_the_other(
        pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with replicas(pg_url, tmp_path / "data", monkeypatch) as r:
        a, b = r.api(0), r.api(1)
        img, flv = await image_id(a), await flavor_id(a)
        sid = (await a.ok("POST", S, 202, json={"server": {
            "name": "ev", "imageRef": img, "flavorRef": flv}}))["server"]["id"]
        await wait(a, sid, "ACTIVE")
        conductor_a = a.node.controller.conductor
        waiter = asyncio.ensure_future(conductor_a.wait_event(
            sid, "network-vif-plugged", "p1", 30))
        await asyncio.sleep(0.1)
        got = await b.ok("POST", "/compute/v2.1/os-server-external-events", 200, json={
            "events": [{"name": "network-vif-plugged", "server_uuid": sid, "tag": "p1"}]})
        assert got["events"][0]["code"] == 200
        assert await asyncio.wait_for(waiter, 5) == "completed"
        # one event answers one waiter: the other replica does not see it again
        with pytest.raises(TimeoutError):
            await b.node.controller.conductor.wait_event(sid, "network-vif-plugged", "p1", 1.5)
        # an event that came first (to A) is seen by a waiter that comes later (in B)
        await a.ok("POST", "/compute/v2.1/os-server-external-events", 200, json={
            "events": [{"name": "network-vif-plugged", "server_uuid": sid, "tag": "p2",
                        "status": "failed"}]})
        assert await b.node.controller.conductor.wait_event(
            sid, "network-vif-plugged", "p2", 5) == "failed"
        # ... unless discarded first (before a new plug)
        await a.ok("POST", "/compute/v2.1/os-server-external-events", 200, json={
            "events": [{"name": "network-vif-plugged", "server_uuid": sid, "tag": "p3"}]})
        await b.node.controller.conductor.events.discard(sid, "network-vif-plugged")
        with pytest.raises(TimeoutError):
            await a.node.controller.conductor.wait_event(sid, "network-vif-plugged", "p3", 1.5)


async def test_database_locks_hold_across_replicas(server_url: str) -> None:
    dbs = [Database(server_url), Database(server_url)]
    locks = [DatabaseLocks(db) for db in dbs]
    try:
        order: list[str] = []
        async with locks[0].hold("instance:x"):
            assert await locks[1].busy("instance:x")
            assert not await locks[1].busy("instance:y")

            async def second() -> None:
                async with locks[1].hold("instance:x"):
                    order.append("second")
            waiting = asyncio.ensure_future(second())
            await asyncio.sleep(0.5)
            assert not waiting.done()
            order.append("first")
        await asyncio.wait_for(waiting, 5)
        assert order == ["first", "second"]
        assert not await locks[0].busy("instance:x")
    finally:
        for lk in locks:
            await lk.close()
        for db in dbs:
            await db.dispose()


_HOLDER = """
import asyncio, sys
from nubo.core.db import Database
from nubo.core.leases import Leases
from nubo.core.locks import DatabaseLocks

async def main() -> None:
    db = Database(sys.argv[1])
    assert await Leases(db, holder="victim").acquire("job", float(sys.argv[2]))
    async with DatabaseLocks(db).hold("instance:held"):
        print("held", flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_a_killed_holder_loses_its_lease_after_expiry_and_its_locks_at_once(
        server_url: str) -> None:
    db = Database(server_url)
    await db.migrate()
    ttl = 3.0
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _HOLDER, server_url, str(ttl), stdout=asyncio.subprocess.PIPE)
    locks = DatabaseLocks(db)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line.strip() == b"held"
        survivor = Leases(db, holder="survivor")
        assert not await survivor.acquire("job", ttl)
        assert await survivor.holder_of("job") == "victim"
        assert await locks.busy("instance:held")
        proc.kill()                                     # kill -9
        await proc.wait()
        killed = time.monotonic()
        # the database drops the dead connection's locks
        deadline = killed + 10
        while await locks.busy("instance:held"):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        # the lease stays the dead holder's until it expires, then the survivor takes it
        while not await survivor.acquire("job", ttl):
            assert time.monotonic() < killed + ttl + 2
            await asyncio.sleep(0.1)
        assert await survivor.holder_of("job") == "survivor"
        # renewing keeps it; a third replica cannot have it meanwhile
        assert await survivor.acquire("job", ttl)
        assert not await Leases(db, holder="third").acquire("job", ttl)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await locks.close()
        await db.dispose()
