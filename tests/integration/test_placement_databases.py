"""Placement on PostgreSQL and MariaDB: the migration's tables in use, and concurrent claims
racing for the last units on a real server (true parallelism through the connection pool)
never over-commit a provider."""

from __future__ import annotations

from pathlib import Path

from nubo.roles.all_in_one import AllInOne
from tests.api.test_placement_concurrency import race_for_last_units, replace_races
from tests.conftest import make_settings
from tests.integration.test_databases import database_url  # noqa: F401 - fixture


async def test_placement_races_on_server(database_url: str, tmp_path: Path) -> None:  # noqa: F811
    node = AllInOne(make_settings(tmp_path, database_url=database_url))
    await node.start()
    await node.converged()
    try:
        svc = node.controller.placement.service
        full: list[str] = []
        for _ in range(3):
            full += await race_for_last_units(svc, racers=60)
        free = await replace_races(svc)
        found = {c.root_uuid for c in await svc.candidates({"VCPU": 1})}
        assert free in found and not found & set(full)   # every racing host is full
    finally:
        await node.stop()
