"""The controller <-> host bus: InProcessBus against AmqpBus on the local RabbitMQ.

Round-trip call latency (p50/p95) and calls/s, sequential and 10 concurrent; the cast rate
(published, and delivered to the agent); the bytes of a typical call, its reply and a report,
and the AMQP bytes on the controller's connection per call (frames and properties included).
The AMQP figures run in a throwaway virtual host (rabbitmqctl, as root), deleted after.

    python bench/bus.py [--calls 500] [--casts 1000]
    NUBO_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ (the default)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from yarl import URL  # noqa: E402

from bench.common import pct, report  # noqa: E402
from nubo.core.bus import InProcessBus, envelope, open_bus  # noqa: E402
from nubo.core.bus.amqp import AmqpBus  # noqa: E402
from nubo.core.bus.dispatch import encode  # noqa: E402

Bus = InProcessBus | AmqpBus
INSTANCE = str(uuid.uuid4())


class Agent:
    RPC_METHODS = frozenset({"power_state", "note"})

    def __init__(self) -> None:
        self.notes = 0
        self.all_noted = asyncio.Event()
        self.expect = 0

    async def power_state(self, instance_id: str) -> int:
        return 1

    async def note(self, instance_id: str) -> None:
        self.notes += 1
        if self.notes >= self.expect:
            self.all_noted.set()


async def calls(ctl: Bus, host: str, n: int, concurrency: int) -> tuple[list[float], float]:
    took: list[float] = []

    async def worker(k: int) -> None:
        for _ in range(k):
            t = time.perf_counter()
            await ctl.call(host, "power_state", instance_id=INSTANCE, timeout=10)
            took.append(time.perf_counter() - t)
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(n // concurrency) for _ in range(concurrency)))
    return took, time.perf_counter() - t0


async def measure(name: str, ctl: Bus, agent_bus: Bus, n_calls: int,
                  n_casts: int) -> dict[str, float]:
    host, agent = f"bench-{uuid.uuid4().hex[:6]}", Agent()
    agent_bus.register(host, agent)
    await agent_bus.settled()
    await calls(ctl, host, 20, 1)   # warm up
    figures: dict[str, float] = {}
    for concurrency in (1, 10):
        took, wall = await calls(ctl, host, n_calls, concurrency)
        label = "sequential" if concurrency == 1 else f"{concurrency} concurrent"
        figures[f"{name} call p50 ms ({label})"] = pct(took, 0.5)
        figures[f"{name} call p95 ms ({label})"] = pct(took, 0.95)
        figures[f"{name} calls/s ({label})"] = len(took) / wall
    agent.expect = n_casts
    t0 = time.perf_counter()
    for _ in range(n_casts):
        await ctl.cast(host, "note", instance_id=INSTANCE)
    published = time.perf_counter() - t0
    await asyncio.wait_for(agent.all_noted.wait(), 60)
    delivered = time.perf_counter() - t0
    figures[f"{name} casts/s published"] = n_casts / published
    figures[f"{name} casts/s delivered"] = n_casts / delivered
    agent_bus.unregister(host)
    return figures


def rabbitmqctl(*args: str) -> str:
    done = subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          text=True, timeout=60)
    return done.stdout


def octets(name: str) -> tuple[int, int]:
    """Bytes the broker received from and sent to the connection called `name` (its
    statistics lag by up to 5 s: the emission interval)."""
    for line in rabbitmqctl("list_connections", "recv_oct", "send_oct",
                            "client_properties").splitlines():
        if f'"connection_name","{name}"' in line:
            recv, send = line.split("\t")[:2]
            return int(recv), int(send)
    raise LookupError(name)


async def wire_bytes(ctl: AmqpBus, agent_bus: AmqpBus, n: int) -> dict[str, float]:
    """AMQP bytes on the controller's connection per call, frames and properties included."""
    host = f"bench-{uuid.uuid4().hex[:6]}"
    agent_bus.register(host, Agent())
    await agent_bus.settled()
    await asyncio.sleep(5.5)
    before = octets(ctl.name)
    for _ in range(n):
        await ctl.call(host, "power_state", instance_id=INSTANCE, timeout=10)
    await asyncio.sleep(5.5)
    after = octets(ctl.name)
    agent_bus.unregister(host)
    return {"amqp wire bytes per call: controller -> broker": (after[0] - before[0]) / n,
            "amqp wire bytes per call: broker -> controller": (after[1] - before[1]) / n}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--casts", type=int, default=1000)
    opts = parser.parse_args()
    figures: dict[str, float] = {}
    bus = InProcessBus()
    figures |= await measure("inprocess", bus, bus, opts.calls, opts.casts)

    url = URL(os.environ.get("NUBO_TEST_AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672/")
    vhost = f"nubo-bench-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, url.user or "guest", ".*", ".*", ".*")
        ctl = await open_bus(str(url.with_path("/" + vhost)), name="bench-controller")
        agent_bus = await open_bus(str(url.with_path("/" + vhost)), name="bench-agent")
        assert isinstance(ctl, AmqpBus) and isinstance(agent_bus, AmqpBus)
        try:
            figures |= await measure("amqp", ctl, agent_bus, opts.calls, opts.casts)
            figures |= await wire_bytes(ctl, agent_bus, opts.calls)
        finally:
            await ctl.close()
            await agent_bus.close()
    finally:
        rabbitmqctl("delete_vhost", vhost)

    call: dict[str, Any] = envelope("method", "power_state", {"instance_id": INSTANCE})
    call["request_id"] = "req-" + str(uuid.uuid4())
    figures["bytes: call body"] = len(encode(call))
    figures["bytes: reply body"] = len(encode({"result": 1, "v": "1.2"}))
    event = envelope("event", "compute.power_states", {"states": {INSTANCE: 1}})
    figures["bytes: report body"] = len(encode({**event, "host": "compute-1"}))
    report(figures)


if __name__ == "__main__":
    asyncio.run(main())
