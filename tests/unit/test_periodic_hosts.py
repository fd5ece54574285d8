"""The periodic heartbeat check of `nubo controller` takes its hosts from the database each
period (hosts come and go as their agents report); `nubo up`'s is its own fixed list."""

from __future__ import annotations

from datetime import timedelta

from nubo.compute.conductor.periodic import PeriodicJobs


class FakeConductor:
    def __init__(self) -> None:
        self.recorded = ["a"]
        self.checked: list[list[str]] = []

    async def heartbeat(self, hosts: list[str]) -> list[str]:
        self.checked.append(hosts)
        return []

    async def known_hosts(self) -> list[str]:
        return list(self.recorded)

    async def reconcile(self, settle: timedelta | None = None) -> dict[str, int]:
        return {}


class AlwaysLeases:
    async def acquire(self, job: str, ttl: float) -> bool:
        return True


async def test_hosts_from_the_database_each_period() -> None:
    conductor = FakeConductor()
    jobs = PeriodicJobs(conductor, AlwaysLeases(), None)  # type: ignore[arg-type]
    await jobs.run_periodic()
    conductor.recorded.append("b")          # an agent reported meanwhile
    await jobs.run_periodic()
    assert conductor.checked == [["a"], ["a", "b"]]


async def test_a_fixed_list_stays_fixed() -> None:
    conductor = FakeConductor()
    jobs = PeriodicJobs(conductor, AlwaysLeases(), ["x"])  # type: ignore[arg-type]
    await jobs.run_periodic()
    assert conductor.checked == [["x"]]
