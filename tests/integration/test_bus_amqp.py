"""The bus over a real RabbitMQ: the same contract as in process, plus what only a broker has.

The contract tests run on both transports with the same assertions: the in-process bus (one
object is controller and agent) and AmqpBus (a controller and an agent, each its own
connection). The broker tests run in a throwaway virtual host made for the session
(`rabbitmqctl add_vhost`) and deleted at its end; each test uses host names of its own.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aio_pika
import pytest
from yarl import URL

from nubo.compute.agent.virt.base import SpawnFailed
from nubo.core.bus import (
    RPC_VERSION,
    BusOpenError,
    Fault,
    HostUnreachable,
    InProcessBus,
    RpcVersionMismatch,
    UnknownMethod,
    open_bus,
)
from nubo.core.bus.amqp import CONTROLLER_QUEUE, AmqpBus, host_queue
from nubo.core.logs import request_id_var
from tests.install import missing

DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/"

Bus = InProcessBus | AmqpBus
Pair = Callable[..., Awaitable[tuple[Bus, Bus]]]


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

    async def slow(self, seconds: float = 5) -> str:
        self.seen.append(("slow", seconds))
        await asyncio.sleep(seconds)
        return "slept"

    async def give_object(self) -> Any:
        return datetime.datetime(2026, 1, 1)

    async def whoami(self) -> str | None:
        return request_id_var.get()

    async def hidden(self) -> str:
        return "not on the whitelist"


def rabbitmqctl(*args: str) -> str:
    done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, f"rabbitmqctl {' '.join(args)}: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def vhost_url() -> Iterator[str]:
    """A throwaway virtual host on the local broker, for this session; deleted after it."""
    url = URL(os.environ.get("NUBO_TEST_AMQP_URL") or DEFAULT_URL)
    if shutil.which("rabbitmqctl") is None:
        missing("dbs", "RabbitMQ (rabbitmqctl) not installed")
    if os.geteuid() != 0:
        pytest.skip("rabbitmqctl needs root to make a virtual host")
    try:
        rabbitmqctl("await_startup")
    except (AssertionError, subprocess.TimeoutExpired) as exc:
        missing("dbs", f"RabbitMQ is not running: {exc}")
    vhost = f"nubo-test-{uuid.uuid4().hex[:10]}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, url.user or "guest", ".*", ".*", ".*")
        yield str(url.with_path("/" + vhost))
    finally:
        rabbitmqctl("delete_vhost", vhost)


def vhost_of(url: str) -> str:
    return URL(url).path[1:]


class Buses:
    """Opens AmqpBus instances on the session's virtual host, each its own connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opened: list[AmqpBus] = []

    async def __call__(self, version: str = RPC_VERSION, name: str = "") -> AmqpBus:
        bus = await open_bus(self.url, version=version,
                             name=name or f"test-{uuid.uuid4().hex[:8]}")
        assert isinstance(bus, AmqpBus)
        self.opened.append(bus)
        return bus

    async def close(self) -> None:
        for bus in self.opened:
            await bus.close()


@pytest.fixture
async def amqp(vhost_url: str) -> AsyncIterator[Buses]:
    buses = Buses(vhost_url)
    yield buses
    await buses.close()


@pytest.fixture(params=["inprocess", "amqp"])
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[Pair]:
    """`await pair(version=...)`: (controller's bus, agent's bus) on one transport."""
    if request.param == "inprocess":
        async def inprocess(version: str = RPC_VERSION) -> tuple[Bus, Bus]:
            bus = InProcessBus(version=version)
            return bus, bus
        yield inprocess
        return
    buses = Buses(request.getfixturevalue("vhost_url"))

    async def over_amqp(version: str = RPC_VERSION) -> tuple[Bus, Bus]:
        return await buses(version=version), await buses()
    yield over_amqp
    await buses.close()


def host() -> str:
    return f"h-{uuid.uuid4().hex[:8]}"


async def serving(agent_bus: Bus, name: str, endpoint: Any,
                  version: str = RPC_VERSION) -> None:
    agent_bus.register(name, endpoint, version=version)
    await agent_bus.settled()


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    end = time.monotonic() + within
    while not check():
        assert time.monotonic() < end, "not within time"
        await asyncio.sleep(0.02)


# -- the contract, on both transports ---------------------------------------------------------
async def test_arguments_and_results_cross_as_json(pair: Pair) -> None:
    ctl, agent_bus = await pair()
    h, agent = host(), Agent()
    await serving(agent_bus, h, agent)
    value = {"a": [1, 2.5, None, True], "b": "x"}
    assert await ctl.call(h, "echo", value=value) == value
    assert await ctl.call(h, "echo", value=(1, 2)) == [1, 2]
    assert agent.seen[-1] == [1, 2]


async def test_what_json_cannot_carry_fails_on_both_ways(pair: Pair) -> None:
    ctl, agent_bus = await pair()
    h = host()
    await serving(agent_bus, h, Agent())
    with pytest.raises(TypeError):
        await ctl.call(h, "echo", value=datetime.date(2026, 1, 1))
    with pytest.raises(Fault, match="TypeError.*datetime"):
        await ctl.call(h, "give_object")


async def test_faults_come_back_as_their_class(pair: Pair) -> None:
    ctl, agent_bus = await pair()
    h = host()
    await serving(agent_bus, h, Agent())
    with pytest.raises(SpawnFailed, match="no room for the disk") as caught:
        await ctl.call(h, "fail")
    assert caught.value.__cause__ is None
    with pytest.raises(Fault) as crashed:
        await ctl.call(h, "crash")
    assert type(crashed.value) is Fault and "KeyError" in str(crashed.value)


async def test_unknown_host_method_and_timeout(pair: Pair) -> None:
    ctl, agent_bus = await pair()
    h = host()
    await serving(agent_bus, h, Agent())
    with pytest.raises(HostUnreachable, match="no agent for host"):
        await ctl.call("nowhere-" + h, "echo", value=1)
    with pytest.raises(UnknownMethod):
        await ctl.call(h, "hidden")
    t0 = time.monotonic()
    with pytest.raises(HostUnreachable, match="did not answer"):
        await ctl.call(h, "slow", timeout=0.3)
    assert time.monotonic() - t0 < 1.0


async def test_request_id_travels_with_the_message(pair: Pair) -> None:
    ctl, agent_bus = await pair()
    h = host()
    await serving(agent_bus, h, Agent())
    request_id_var.set("req-1234")
    assert await ctl.call(h, "whoami") == "req-1234"


async def test_versions_one_minor_behind_work_newer_is_refused(pair: Pair) -> None:
    old, agent_bus = await pair(version="1.1")
    h = host()
    await serving(agent_bus, h, Agent(), version="1.0")
    assert await old.call(h, "echo", value=3) == 3
    assert old.version_of(h) == "1.0"
    two_behind, agent_bus = await pair(version="1.2")
    h2 = host()
    await serving(agent_bus, h2, Agent(), version="1.0")
    with pytest.raises(RpcVersionMismatch):
        await two_behind.call(h2, "echo", value=3)
    newer, agent_bus = await pair(version="2.0")
    h3 = host()
    await serving(agent_bus, h3, Agent(), version="1.0")
    with pytest.raises(RpcVersionMismatch):
        await newer.call(h3, "echo", value=3)


async def test_reports_reach_every_handler_as_json(pair: Pair) -> None:
    ctl, agent_bus = await pair()
    h = host()
    got: list[tuple[str, Any]] = []

    async def handler(sender: str, **args: Any) -> None:
        got.append((sender, args))

    async def broken(sender: str, **args: Any) -> None:
        raise RuntimeError("a handler failing must not reach the host")

    ctl.on("power_state", broken)
    ctl.on("power_state", handler)
    await ctl.settled()
    await agent_bus.report(h, "power_state", instance_id="i1", state=(4,))
    await eventually(lambda: any(sender == h for sender, _ in got))
    assert [g for g in got if g[0] == h] == [(h, {"instance_id": "i1", "state": [4]})]


async def test_reports_arrive_in_order(pair: Pair) -> None:
    ctl, agent_bus = await pair()
    h = host()
    got: list[int] = []

    async def handler(sender: str, n: int) -> None:
        if sender == h:
            await asyncio.sleep(0.001 * (n % 3))   # a slow one must not be overtaken
            got.append(n)
    ctl.on("seq", handler)
    await ctl.settled()
    for n in range(30):
        await agent_bus.report(h, "seq", n=n)
    await eventually(lambda: len(got) == 30)
    assert got == list(range(30))


async def test_cast_runs_without_waiting(pair: Pair) -> None:
    ctl, agent_bus = await pair()
    h, agent = host(), Agent()
    await serving(agent_bus, h, agent)
    await ctl.cast(h, "echo", value="later")
    await eventually(lambda: agent.seen == ["later"])


async def test_calls_wait_while_a_host_starts(pair: Pair) -> None:
    ctl, agent_bus = await pair()
    h = host()
    await serving(agent_bus, h, Agent())
    ctl.starting(h)
    call = asyncio.ensure_future(ctl.call(h, "echo", value=1, timeout=5))
    await asyncio.sleep(0.1)
    assert not call.done()
    ctl.started(h)
    assert await call == 1
    ctl.starting(h)
    ctl.started(h, error="libvirtd did not start")
    with pytest.raises(HostUnreachable, match="libvirtd did not start"):
        await ctl.call(h, "echo", value=1)


# -- what only the broker has ----------------------------------------------------------------
async def test_queues_are_durable_quorum_queues(amqp: Buses, vhost_url: str) -> None:
    agent_bus = await amqp()
    h = host()
    await serving(agent_bus, h, Agent())
    lines = rabbitmqctl("list_queues", "-p", vhost_of(vhost_url), "name", "type", "durable")
    found = {line.split("\t")[0]: line.split("\t")[1:] for line in lines.splitlines()[1:]}
    assert found[host_queue(h)] == ["quorum", "true"]
    assert found[CONTROLLER_QUEUE] == ["quorum", "true"]


async def test_the_controller_learns_hosts_and_versions(amqp: Buses) -> None:
    """An agent says hello with its version when it registers: a controller consuming the
    reports lists the host and talks to it at that version from the first call; after
    `unregister` the host's calls wait for another agent (and time out)."""
    ctl, agent_bus = await amqp(version="1.2"), await amqp()
    ctl.on("unused", _ignore)
    await ctl.settled()
    h, agent = host(), Agent()
    await serving(agent_bus, h, agent, version="1.1")
    assert agent_bus.hosts() == [h] and agent_bus.version_of(h) == "1.1"
    await eventually(lambda: ctl.version_of(h) == "1.1")
    assert h in ctl.hosts()
    assert await ctl.call(h, "echo", value="at 1.1") == "at 1.1"
    agent_bus.unregister(h)
    await agent_bus.settled()
    assert agent_bus.hosts() == []
    with pytest.raises(HostUnreachable, match="did not answer"):
        await ctl.call(h, "echo", value="nobody", timeout=0.5)
    assert agent.seen == ["at 1.1"]


async def _ignore(sender: str, **args: Any) -> None:
    return None


async def test_no_consumer_times_out_and_the_call_expires(amqp: Buses) -> None:
    """A host whose agent is away: HostUnreachable within the timeout, and the call does not
    run later when an agent comes back (it expired with the caller's timeout)."""
    ctl, gone = await amqp(), await amqp()
    h, agent = host(), Agent()
    await serving(gone, h, Agent())
    await gone.close()
    t0 = time.monotonic()
    with pytest.raises(HostUnreachable, match="did not answer"):
        await ctl.call(h, "echo", value="stale", timeout=1.0)
    assert time.monotonic() - t0 < 1.5
    await asyncio.sleep(0.2)
    back = await amqp()
    await serving(back, h, agent)
    assert await ctl.call(h, "echo", value="fresh", timeout=5) == "fresh"
    assert agent.seen == ["fresh"]


async def test_a_cast_waits_in_the_queue_for_its_agent(amqp: Buses, vhost_url: str) -> None:
    ctl, first = await amqp(), await amqp()
    h, agent = host(), Agent()
    await serving(first, h, Agent())
    await first.close()
    await ctl.cast(h, "echo", value="kept")
    # it is in the host's queue, persistent (a look, and back it goes)
    connection = await aio_pika.connect(vhost_url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(host_queue(h), passive=True)
        waiting = await queue.get(timeout=5)
        assert waiting.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert waiting.reply_to is None
        await waiting.nack(requeue=True)
    finally:
        await connection.close()
    later = await amqp()
    await serving(later, h, agent)
    await eventually(lambda: agent.seen == ["kept"])


async def test_malformed_messages_are_dropped_and_the_agent_goes_on(amqp: Buses,
                                                                     vhost_url: str) -> None:
    ctl, agent_bus = await amqp(), await amqp()
    h, agent = host(), Agent()
    await serving(agent_bus, h, agent)
    got: list[str] = []

    async def handler(sender: str, **args: Any) -> None:
        got.append(sender)
    ctl.on("ping", handler)
    await ctl.settled()
    connection = await aio_pika.connect(vhost_url)
    try:
        channel = await connection.channel()
        for body in (b"\xff not json", b"[1, 2]", b'{"v": "1.0", "method": "echo"}'):
            for queue in (host_queue(h), CONTROLLER_QUEUE):
                await channel.default_exchange.publish(
                    aio_pika.Message(body, reply_to="nowhere", correlation_id="x"), queue)
    finally:
        await connection.close()
    assert await ctl.call(h, "echo", value="next", timeout=5) == "next"
    assert agent.seen == ["next"]
    await agent_bus.report(h, "ping")
    await eventually(lambda: h in got)


async def test_broadcast_reaches_every_listener(amqp: Buses) -> None:
    sender, one, two = await amqp(name="the-controller"), await amqp(), await amqp()
    got: list[tuple[str, str, Any]] = []
    for name, bus in (("one", one), ("two", two)):
        async def handler(origin: str, _name: str = name, **args: Any) -> None:
            got.append((_name, origin, args))
        bus.on_broadcast("refresh", handler)
        await bus.settled()
    await sender.broadcast("refresh", what=["secgroups"])
    await eventually(lambda: len(got) == 2)
    assert sorted(got) == [("one", "the-controller", {"what": ["secgroups"]}),
                           ("two", "the-controller", {"what": ["secgroups"]})]


def close_connection(name: str) -> None:
    """Make the broker drop the connection called `name`, as a network cut would."""
    lines = rabbitmqctl("list_connections", "pid", "client_properties").splitlines()
    pids = [line.split("\t")[0] for line in lines if f'"connection_name","{name}"' in line]
    assert pids, f"no connection {name}"
    for pid in pids:
        rabbitmqctl("close_connection", pid, "test: the network goes away")


async def test_the_agent_comes_back_after_its_connection_drops(amqp: Buses) -> None:
    ctl, agent_bus = await amqp(name=f"ctl-{host()}"), await amqp(name=f"agent-{host()}")
    h, agent = host(), Agent()
    await serving(agent_bus, h, agent)
    assert await ctl.call(h, "echo", value=1) == 1
    close_connection(agent_bus.name)
    # the robust connection reconnects (1 s apart) and consumes the host's queue again; the
    # call waits in the queue meanwhile
    assert await ctl.call(h, "echo", value=2, timeout=15) == 2
    assert agent.seen == [1, 2]


async def test_a_call_in_flight_when_the_connections_drop(amqp: Buses) -> None:
    """Both ends lose the broker while a call runs: the reply waits in the caller's reply
    queue, and the call completes after the reconnection, within its timeout."""
    ctl, agent_bus = await amqp(name=f"ctl-{host()}"), await amqp(name=f"agent-{host()}")
    h = host()
    await serving(agent_bus, h, Agent())
    t0 = time.monotonic()
    call = asyncio.ensure_future(ctl.call(h, "slow", seconds=1.0, timeout=8))
    await asyncio.sleep(0.3)
    close_connection(ctl.name)
    close_connection(agent_bus.name)
    assert await call == "slept"
    assert time.monotonic() - t0 < 8
    assert await ctl.call(h, "echo", value="after", timeout=15) == "after"


async def test_a_call_sent_again_after_a_reconnect_runs_once(amqp: Buses) -> None:
    """The caller's connection drops while its call runs: once back it sends the call again
    (the reply could have been lost with the broker); the agent, still running the first,
    answers both from that one run."""
    ctl, agent_bus = await amqp(name=f"ctl-{host()}"), await amqp(name=f"agent-{host()}")
    h, agent = host(), Agent()
    await serving(agent_bus, h, agent)
    call = asyncio.ensure_future(ctl.call(h, "slow", seconds=3.0, timeout=20))
    await eventually(lambda: agent.seen == [("slow", 3.0)])
    close_connection(ctl.name)
    assert await call == "slept"
    assert agent.seen == [("slow", 3.0)]


async def test_a_message_delivered_twice_runs_once_and_is_answered_twice(
        amqp: Buses, vhost_url: str) -> None:
    """The same call (one message id) on the host's queue twice, as after a lost ack or a
    caller's resend: one run, a reply to each copy, the same result."""
    agent_bus = await amqp()
    h, agent = host(), Agent()
    await serving(agent_bus, h, agent)
    connection = await aio_pika.connect(vhost_url)
    try:
        channel = await connection.channel()
        replies = await channel.declare_queue(exclusive=True)
        body = json.dumps({"v": RPC_VERSION, "method": "echo",
                           "args": {"value": "once"}}).encode()
        for _ in range(2):
            await channel.default_exchange.publish(aio_pika.Message(
                body, reply_to=replies.name, correlation_id="c1", message_id="m1"),
                host_queue(h))
        got: list[Any] = []
        async with replies.iterator() as it:
            async for message in it:
                await message.ack()
                got.append(json.loads(message.body)["result"])
                if len(got) == 2:
                    break
    finally:
        await connection.close()
    assert got == ["once", "once"]
    assert agent.seen == ["once"]


# -- opening the bus -------------------------------------------------------------------------
async def test_open_bus_says_what_is_wrong(vhost_url: str) -> None:
    assert isinstance(await open_bus(None), InProcessBus)
    assert isinstance(await open_bus("inprocess://"), InProcessBus)
    with pytest.raises(BusOpenError, match="unknown scheme 'redis'"):
        await open_bus("redis://localhost")
    url = URL(vhost_url)
    with pytest.raises(BusOpenError, match="refused the login") as refused:
        await open_bus(str(url.with_password("not-the-password")), connect_timeout=5)
    assert "not-the-password" not in str(refused.value)
    with pytest.raises(BusOpenError, match="virtual host 'no-such-vhost'"):
        await open_bus(str(url.with_path("/no-such-vhost")), connect_timeout=5)
    with pytest.raises(BusOpenError, match="cannot reach RabbitMQ"):
        await open_bus(str(url.with_port(1)), connect_timeout=5)
    # amqps:// and aio-pika's TLS options pass through: TLS to the plain port, a CA file
    # that is not there
    tls = url.with_scheme("amqps")
    with pytest.raises(BusOpenError, match="TLS with RabbitMQ at .* failed"):
        await open_bus(str(tls), connect_timeout=5)
    with pytest.raises(BusOpenError, match="cannot read the TLS file /nonexistent/ca.pem"):
        await open_bus(str(tls.update_query(cafile="/nonexistent/ca.pem")), connect_timeout=5)
