"""The in-process bus carries exactly what a broker would: JSON envelopes and fault records."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import pytest

from nubo.compute.agent.virt.base import SpawnFailed
from nubo.core.bus import (
    Fault,
    HostUnreachable,
    InProcessBus,
    RpcVersionMismatch,
    UnknownMethod,
    compatible,
    from_record,
    to_record,
)
from nubo.core.logs import request_id_var


class Agent:
    RPC_METHODS = frozenset({"echo", "fail", "crash", "slow", "give_object", "whoami"})

    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def echo(self, value: Any) -> Any:
        self.seen.append(value)
        return value

    async def fail(self) -> None:
        raise SpawnFailed("no room for the disk")

    async def crash(self) -> None:
        raise KeyError("boom")

    async def slow(self) -> None:
        await asyncio.sleep(5)

    async def give_object(self) -> Any:
        return datetime.datetime(2026, 1, 1)

    async def whoami(self) -> str | None:
        return request_id_var.get()

    async def hidden(self) -> str:
        return "not on the whitelist"


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_arguments_and_results_cross_as_json() -> None:
    bus, agent = InProcessBus(), Agent()
    bus.register("h1", agent)
    value = {"a": [1, 2.5, None, True], "b": "x"}
    assert run(bus.call("h1", "echo", value=value)) == value
    # a tuple arrives as a list, as it would from a broker
    assert run(bus.call("h1", "echo", value=(1, 2))) == [1, 2]
    assert agent.seen[-1] == [1, 2]


def test_what_json_cannot_carry_fails_on_both_ways() -> None:
    bus = InProcessBus()
    bus.register("h1", Agent())
    with pytest.raises(TypeError):
        run(bus.call("h1", "echo", value=datetime.date(2026, 1, 1)))
    # the agent's reply that JSON cannot carry comes back as a fault saying so
    with pytest.raises(Fault, match="TypeError.*datetime"):
        run(bus.call("h1", "give_object"))


def test_faults_come_back_as_their_class_not_by_reference() -> None:
    bus = InProcessBus()
    bus.register("h1", Agent())
    with pytest.raises(SpawnFailed, match="no room for the disk") as caught:
        run(bus.call("h1", "fail"))
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    with pytest.raises(Fault) as crashed:
        run(bus.call("h1", "crash"))
    assert type(crashed.value) is Fault and "KeyError" in str(crashed.value)


def test_unknown_host_method_and_timeout() -> None:
    bus = InProcessBus()
    bus.register("h1", Agent())
    with pytest.raises(HostUnreachable):
        run(bus.call("nowhere", "echo", value=1))
    with pytest.raises(UnknownMethod):
        run(bus.call("h1", "hidden"))
    with pytest.raises(HostUnreachable, match="did not answer"):
        run(bus.call("h1", "slow", timeout=0.05))


def test_request_id_travels_with_the_message() -> None:
    bus = InProcessBus()
    bus.register("h1", Agent())

    async def go() -> Any:
        request_id_var.set("req-1234")
        return await bus.call("h1", "whoami")
    assert run(go()) == "req-1234"


def test_versions_one_minor_behind_work_newer_is_refused() -> None:
    assert compatible("1.0", "1.1") and compatible("1.1", "1.1")
    assert not compatible("1.2", "1.1") and not compatible("2.0", "1.3")
    assert not compatible("x", "1.1")
    old = InProcessBus(version="1.1")
    old.register("h-old", Agent(), version="1.0")
    # the controller speaks to an agent one minor behind at the agent's version
    assert run(old.call("h-old", "echo", value=3)) == 3
    two_behind = InProcessBus(version="1.2")
    two_behind.register("h-old", Agent(), version="1.0")
    with pytest.raises(RpcVersionMismatch):
        run(two_behind.call("h-old", "echo", value=3))
    newer = InProcessBus(version="2.0")
    newer.register("h-old", Agent(), version="1.0")
    with pytest.raises(RpcVersionMismatch):
        run(newer.call("h-old", "echo", value=3))


def test_reports_reach_every_handler_as_json() -> None:
    bus = InProcessBus()
    got: list[tuple[str, Any]] = []

    async def handler(host: str, **args: Any) -> None:
        got.append((host, args))

    async def broken(host: str, **args: Any) -> None:
        raise RuntimeError("a handler failing must not reach the host")

    bus.on("power_state", broken)
    bus.on("power_state", handler)
    run(bus.report("h1", "power_state", instance_id="i1", state=(4,)))
    assert got == [("h1", {"instance_id": "i1", "state": [4]})]


def test_cast_runs_without_waiting() -> None:
    bus, agent = InProcessBus(), Agent()
    bus.register("h1", agent)

    async def go() -> None:
        await bus.cast("h1", "echo", value="later")
        assert agent.seen == []
        await asyncio.sleep(0.01)
        assert agent.seen == ["later"]
    run(go())


def test_record_round_trip_keeps_code_and_retryable() -> None:
    rec = to_record(HostUnreachable("gone"))
    assert rec == {"code": "host_unreachable", "message": "gone", "retryable": True}
    assert isinstance(from_record(rec), HostUnreachable)
    unknown = from_record({"code": "from_the_future", "message": "m", "retryable": False})
    assert type(unknown) is Fault and "from_the_future" in str(unknown)
