"""Concurrent claims never over-commit a provider: many claimers race for the last units, in
process and over the API. The same scenario runs on PostgreSQL and MariaDB in
tests/integration/test_placement_databases.py."""

from __future__ import annotations

import asyncio
import random
import uuid

from nubo.placement.service import PlacementService
from nubo.roles.all_in_one import AllInOne
from tests.api.test_placement import PL, make_rp, mv
from tests.conftest import Api


async def race_for_last_units(svc: PlacementService, racers: int = 40) -> list[str]:
    """Two hosts with 3 VCPUs left between them (plus memory); `racers` claims of 1 VCPU on
    both, in random provider order, at once: exactly 3 win per host and nothing over-commits."""
    hosts = [str(uuid.uuid4()) for _ in range(2)]
    project = str(uuid.uuid4())
    for i, h in enumerate(hosts):
        await svc.ensure_provider(h, f"race-{i}-{h[:8]}", {
            "VCPU": {"total": 10, "reserved": 1}, "MEMORY_MB": {"total": 100000}})
        # fill all but the last 3 VCPUs
        assert await svc.claim(str(uuid.uuid4()), {h: {"VCPU": 6}}, project, "u")

    async def claim(host: str) -> bool:
        await asyncio.sleep(random.uniform(0, 0.005))
        return await svc.claim(str(uuid.uuid4()), {host: {"VCPU": 1, "MEMORY_MB": 10}},
                               project, "u")

    jobs = [claim(hosts[i % 2]) for i in range(racers)]
    random.shuffle(jobs)
    won = await asyncio.gather(*jobs)
    assert sum(won) == 6
    for h in hosts:
        _p, used = await svc.provider_usages(h)
        assert used["VCPU"] == 9, used
        assert used["MEMORY_MB"] == 30
    # claims spanning both hosts, racing too: none fits once either host is full
    both = await asyncio.gather(*(svc.claim(str(uuid.uuid4()), {
        hosts[0]: {"VCPU": 1}, hosts[1]: {"VCPU": 1}}, project, "u") for _ in range(10)))
    assert not any(both)
    assert await svc.usages(project) == {"VCPU": 18, "MEMORY_MB": 60}
    return hosts


async def replace_races(svc: PlacementService) -> str:
    """One consumer's allocation replaced concurrently (a resize racing itself) ends with
    exactly one of the wanted states and usage consistent with it."""
    host = str(uuid.uuid4())
    await svc.ensure_provider(host, f"resize-{host[:8]}", {"VCPU": {"total": 8}})
    consumer = str(uuid.uuid4())
    sizes = list(range(1, 9))
    await asyncio.gather(*(svc.claim(consumer, {host: {"VCPU": n}}, "p", "u") for n in sizes))
    have = await svc.allocations(consumer)
    _p, used = await svc.provider_usages(host)
    assert have[host]["VCPU"] in sizes and used["VCPU"] == have[host]["VCPU"]
    await svc.delete_allocations(consumer)
    assert await svc.allocations(consumer) == {}
    return host


async def test_concurrent_claims_in_process(node: AllInOne) -> None:
    await race_for_last_units(node.controller.placement.service)
    await replace_races(node.controller.placement.service)


async def test_claim_false_and_constraints(node: AllInOne) -> None:
    svc = node.controller.placement.service
    host = str(uuid.uuid4())
    await svc.ensure_provider(host, "h", {"VCPU": {"total": 8, "max_unit": 4, "step_size": 2,
                                                   "allocation_ratio": 1.5}})
    c = str(uuid.uuid4())
    assert not await svc.claim(c, {host: {"VCPU": 3}}, "p", "u")      # step_size
    assert not await svc.claim(c, {host: {"VCPU": 6}}, "p", "u")      # max_unit
    assert not await svc.claim(c, {host: {"DISK_GB": 1}}, "p", "u")   # no such inventory
    assert not await svc.claim(c, {str(uuid.uuid4()): {"VCPU": 2}}, "p", "u")
    for _ in range(3):
        assert await svc.claim(str(uuid.uuid4()), {host: {"VCPU": 4}}, "p", "u")
    assert not await svc.claim(c, {host: {"VCPU": 2}}, "p", "u")      # 12 of int(8*1.5)
    assert await svc.usages("p", "u") == {"VCPU": 12}
    assert await svc.usages("p", "someone-else") == {}


async def test_concurrent_puts_over_the_api(api: Api) -> None:
    rp = await make_rp(api, "contended", inventories={"VCPU": {"total": 5}})

    async def put() -> int:
        r = await api.req("PUT", f"{PL}/allocations/{uuid.uuid4()}", headers=mv(), json={
            "allocations": {rp: {"resources": {"VCPU": 1}}}, "project_id": "p",
            "user_id": "u", "consumer_generation": None, "consumer_type": "INSTANCE"})
        return r.status_code

    codes = await asyncio.gather(*(put() for _ in range(20)))
    assert sorted(codes) == [204] * 5 + [409] * 15
    used = await api.ok("GET", f"/placement/resource_providers/{rp}/usages", headers=mv())
    assert used["usages"]["VCPU"] == 5
