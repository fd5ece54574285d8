"""Many hosts under faults: a RabbitMQ node killed (-9) and restarted in the middle of 20
concurrent boots; one of two `nubo controller` processes killed (-9) mid-boot.

Each runs real processes (controllers, `nubo agent --virt fake --network noop`) on a
throwaway PostgreSQL database. The broker test runs its own private RabbitMQ node
(tests/private_rabbit.py: its own node name, ports, epmd and database, in a temporary
directory), never the machine's shared one; the controller test uses a throwaway virtual host
on the shared broker. Everything is stopped and removed even when a test fails.

What "nothing lost" means here, checked on every server: it reached ACTIVE with no task left;
placement holds exactly one allocation for it, on its host's provider, of its flavor; its host's
driver runs it and no other host's does; each provider's usage is the sum of its servers'.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
import yaml

from nubo.core.bus import RPC_VERSION
from tests.e2e.conftest import free_port
from tests.e2e.test_many_hosts import (  # noqa: F401 - fixtures
    Cli,
    Procs,
    agent_argv,
    agent_env,
    amqp_url,
    eventually,
    pg_url,
    procs,
)
from tests.private_rabbit import PrivateRabbit

HOSTS = ("mf-1", "mf-2")
DOWN_AFTER = 6          # the controller's service_down_time where an agent is killed
BOOTS = 20
#: the fake driver's spawn takes this long (flavor extra spec nubo_fake:spawn=slow=...) for
#: half the servers, twice as long for the others: when the first are ACTIVE (their replies
#: on the way), the others still spawn; the broker or a controller is killed then
SPAWN_SECONDS = 3


@pytest.fixture
def rabbit() -> Iterator[PrivateRabbit]:
    node = PrivateRabbit()
    try:
        node.start()
        yield node
    finally:
        node.close()


@dataclass
class Cloud:
    urls: list[str]
    data: Path
    token: str
    project: str

    @property
    def url(self) -> str:
        return self.urls[0]

    def client(self, url: str | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=url or self.url, timeout=60,
                                 headers={"X-Auth-Token": self.token,
                                          "OpenStack-API-Version": "compute 2.74",
                                          "X-OpenStack-Nova-API-Version": "2.74"})

    def get(self, path: str) -> Any:
        r = httpx.get(self.url + path, headers={"X-Auth-Token": self.token,
                                                "OpenStack-API-Version": "compute 2.74"},
                      timeout=60)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()


def start_controller(run: Procs, name: str, data: Path, pg: str, amqp: str,
                     down_after: int = 60) -> str:
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
           "NUBO_PASSWORD_HASH_ROUNDS": "4", "NUBO_TRANSPORT_URL": amqp,
           # a killed controller's periodic jobs (the reconcile) move to the other within
           # about 4 rounds of 1 s
           "NUBO_PERIODIC_INTERVAL": "1", "NUBO_SERVICE_DOWN_TIME": str(down_after)}
    run.start(name, ["controller", "--data-dir", str(data), "--port", str(port),
                     "--database-url", pg, "--no-test-image", "--volume-driver", "fake"], env)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert run.running[name].poll() is None, run.logs()
        try:
            r = httpx.get(f"{url}/healthz", timeout=2)
        except httpx.TransportError:
            return False
        return r.status_code == 200 and r.json()["parts"]["compute"] == "ready"
    eventually(ready, 90, f"{name} ready", run)
    return url


#: `nubo agent` whose bus serves its host at another RPC version (argv[1]): an agent of an
#: older or newer build in a rolling upgrade, as far as the wire is concerned
AT_VERSION = """
import sys
from nubo.core.bus.amqp.bus import AmqpBus
serve_at, register = sys.argv.pop(1), AmqpBus.register
AmqpBus.register = lambda self, host, endpoint, version="": register(self, host, endpoint,
                                                                      serve_at)
from nubo.cli import main
sys.argv[0] = "nubo"
sys.exit(main())
"""


def start_agent(run: Procs, host: str, argv: list[str], version: str | None) -> None:
    if version is None:
        run.start(host, argv, agent_env())
        return
    with open(run.log(host), "ab") as out:
        run.running[host] = subprocess.Popen(
            [sys.executable, "-c", AT_VERSION, version, *argv], stdout=out,
            stderr=subprocess.STDOUT, env=agent_env(), start_new_session=True)


def start_cloud(run: Procs, tmp_path: Path, pg: str, amqp: str,
                controllers: int = 1, down_after: int = 60,
                versions: dict[str, str] | None = None) -> Cloud:
    """Controllers on one database and broker (the first makes the admin and the service
    user; the others share its data dir's keys), the agents, a slow flavor and an image."""
    data = tmp_path / "controller"
    urls = [start_controller(run, "controller", data, pg, amqp, down_after)]
    for i in range(1, controllers):
        # a replica: its own data dir with the first one's keys (fernet, service password)
        own = tmp_path / f"controller-{i}"
        own.mkdir()
        os.symlink(data / "keys", own / "keys")
        urls.append(start_controller(run, f"controller-{i}", own, pg, amqp, down_after))
    for host in HOSTS:
        start_agent(run, host, agent_argv(host, urls[0], amqp, tmp_path,
                                          data / "keys" / "service_password"),
                    (versions or {}).get(host))
    cli = Cli(data / "clouds.yaml")
    eventually(lambda: all(cli.states().get(h) == "up" for h in HOSTS), 60,
               "the hosts up", run)
    pw = yaml.safe_load((data / "clouds.yaml").read_text())["clouds"]["nubo"]["auth"][
        "password"]
    r = httpx.post(f"{urls[0]}/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "admin", "password": pw, "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}, timeout=30)
    cloud = Cloud(urls, data, r.headers["x-subject-token"], r.json()["token"]["project"]["id"])
    h = {"X-Auth-Token": cloud.token}
    httpx.put(f"{cloud.url}/compute/v2.1/os-quota-sets/{cloud.project}", headers=h,
              json={"quota_set": {"instances": -1, "cores": -1, "ram": -1}}, timeout=30)
    return cloud


async def boot(cloud: Cloud, n: int, url: str | None = None) -> list[str]:
    """`n` servers created at once (each its own request), of flavors whose fake spawn
    takes SPAWN_SECONDS (even ones) or twice that (odd ones)."""
    async with cloud.client(url) as c:
        flavors = []
        for seconds in (SPAWN_SECONDS, 2 * SPAWN_SECONDS):
            r = await c.post("/compute/v2.1/flavors", json={"flavor": {
                "name": f"slow-{seconds}-{time.monotonic_ns()}", "vcpus": 1, "ram": 64,
                "disk": 0}})
            assert r.status_code == 200, r.text
            flavors.append(r.json()["flavor"]["id"])
            r = await c.post(f"/compute/v2.1/flavors/{flavors[-1]}/os-extra_specs", json={
                "extra_specs": {"nubo_fake:spawn": f"slow={seconds}"}})
            assert r.status_code == 200, r.text
        r = await c.post("/image/v2/images", json={
            "name": "mf", "disk_format": "raw", "container_format": "bare"})
        assert r.status_code == 201, r.text
        image = r.json()["id"]
        r = await c.put(f"/image/v2/images/{image}/file", content=os.urandom(4096),
                        headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 204, r.text

        async def one(i: int) -> str:
            r = await c.post("/compute/v2.1/servers", json={"server": {
                "name": f"mf-{i}", "imageRef": image, "flavorRef": flavors[i % 2],
                "networks": "none"}})
            assert r.status_code == 202, r.text
            return str(r.json()["server"]["id"])
        return list(await asyncio.gather(*(one(i) for i in range(n))))


def servers(cloud: Cloud) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in cloud.get("/compute/v2.1/servers/detail?all_tenants=1")[
        "servers"]}


def settled(cloud: Cloud, ids: list[str]) -> dict[str, dict[str, Any]] | None:
    got = servers(cloud)
    done = {i: got[i] for i in ids if i in got and got[i]["status"] in ("ACTIVE", "ERROR")
            and got[i]["OS-EXT-STS:task_state"] is None}
    return got if len(done) == len(ids) else None


def assert_nothing_lost(cloud: Cloud, ids: list[str], tmp_path: Path) -> None:
    """Every server ACTIVE on one host, with exactly its allocation there, run by that
    host's driver and by no other; each host's usage the sum of its servers'."""
    got = servers(cloud)
    bad = {i: (got[i]["status"], got[i].get("fault")) for i in ids
           if got[i]["status"] != "ACTIVE"}
    assert not bad, bad
    providers = {p["name"]: p["uuid"] for p in cloud.get(
        "/placement/resource_providers")["resource_providers"]}
    guests = fake_guests(tmp_path)
    per_host: dict[str, int] = dict.fromkeys(HOSTS, 0)
    for i in ids:
        host = got[i]["OS-EXT-SRV-ATTR:host"]
        allocations = cloud.get(f"/placement/allocations/{i}")["allocations"]
        assert list(allocations) == [providers[host]], (i, host, allocations)
        assert allocations[providers[host]]["resources"] == {"VCPU": 1, "MEMORY_MB": 64}
        assert [h for h in HOSTS if i in guests[h]] == [host], (i, host, guests)
        per_host[host] += 1
    for host, count in per_host.items():
        usages = cloud.get(f"/placement/resource_providers/{providers[host]}/usages")[
            "usages"]
        assert usages.get("VCPU", 0) == count, (host, usages, per_host)


# -- the broker killed in the middle of 20 boots -------------------------------------------
def test_rabbitmq_killed_and_restarted_in_the_middle_of_20_boots(
        pg_url: str, rabbit: PrivateRabbit, procs: Procs,  # noqa: F811
        tmp_path: Path) -> None:
    cloud = start_cloud(procs, tmp_path, pg_url, rabbit.url)
    ids = asyncio.run(boot(cloud, BOOTS))

    # kill -9 the broker once the first boots are ACTIVE (the replies of the others on
    # their way) while the slower half still spawns on the hosts
    def first_active() -> dict[str, int] | None:
        got = servers(cloud)
        count = {"active": sum(got[i]["status"] == "ACTIVE" for i in ids if i in got),
                 "spawning": sum(got[i]["OS-EXT-STS:task_state"] == "spawning"
                                 for i in ids if i in got)}
        return count if count["active"] else None
    at_kill = eventually(first_active, 60, "a first boot ACTIVE", procs)
    rabbit.kill()
    assert at_kill["spawning"] >= BOOTS // 4, at_kill
    time.sleep(1)
    rabbit.start()

    got = eventually(lambda: settled(cloud, ids), 120, "every boot settled", procs)
    assert_nothing_lost(cloud, ids, tmp_path)
    assert {got[i]["status"] for i in ids} == {"ACTIVE"}
    # the controller did lose the broker (the test cut it off) and came back
    assert "connection to the broker restored" in (
        tmp_path / "controller" / "logs" / "nubo.log").read_text()

    # and the cloud still works after: the servers go, their allocations with them
    async def delete_all() -> None:
        async with cloud.client() as c:
            for i in ids:
                r = await c.delete(f"/compute/v2.1/servers/{i}")
                assert r.status_code == 204, r.text
    asyncio.run(delete_all())
    eventually(lambda: not set(ids) & set(servers(cloud)), 60, "the servers deleted", procs)
    for i in ids:
        assert cloud.get(f"/placement/allocations/{i}")["allocations"] == {}


# -- one of two controllers killed mid-boot --------------------------------------------------
def test_a_controller_killed_mid_boot_the_other_finishes_the_work(
        pg_url: str, amqp_url: str, procs: Procs, tmp_path: Path) -> None:  # noqa: F811
    cloud = start_cloud(procs, tmp_path, pg_url, amqp_url, controllers=2)
    # the boots are accepted by the first controller, which runs their builds
    ids = asyncio.run(boot(cloud, 10, cloud.urls[0]))

    def spawning() -> int:
        got = servers(cloud)
        return sum(got[i]["OS-EXT-STS:task_state"] == "spawning" for i in ids if i in got)
    eventually(lambda: spawning() >= 5, 60, "the boots spawning", procs)
    time.sleep(0.5)     # and some of the replies on their way
    procs.stop("controller", signal.SIGKILL)
    survivor = Cloud(cloud.urls[1:], cloud.data, cloud.token, cloud.project)

    # the other replica takes the reconcile's lease over and finishes every boot
    eventually(lambda: settled(survivor, ids), 90, "every boot settled by the survivor",
               procs)
    assert_nothing_lost(survivor, ids, tmp_path)
    # the survivor did it: its step log has builds the killed one had accepted
    log = (tmp_path / "controller-1" / "logs" / "nubo.log").read_text()
    assert [i for i in ids if f"{i} compute__do_build_and_run_instance Success" in log]


# -- operations across agent processes, through the real openstack CLI ------------------------
def test_moves_between_agents_and_evacuate_from_a_dead_one(
        pg_url: str, amqp_url: str, procs: Procs, tmp_path: Path) -> None:  # noqa: F811
    """Cold migrate (confirm), resize to the other host (revert), live-migrate, os-hypervisors
    per host; garbage on an agent's queue; then an agent SIGKILLed: its service down,
    disabled, its server evacuated. The agents serve RPC one minor behind and one ahead of
    the controller's (a rolling upgrade): every move crosses both."""
    own = RPC_VERSION.split(".")
    older, newer = (f"{own[0]}.{int(own[1]) + d}" for d in (-1, 1))
    cloud = start_cloud(procs, tmp_path, pg_url, amqp_url, down_after=DOWN_AFTER,
                        versions=dict(zip(HOSTS, (older, newer), strict=True)))
    cli = Cli(cloud.data / "clouds.yaml")
    image = cli.json("image", "create", "--disk-format", "raw", "--container-format", "bare",
                     "--file", str(_raw(tmp_path)), "--public", "mf-image")["id"]
    sid = cli.json("server", "create", "--image", image, "--flavor", "m1.tiny", "--nic",
                   "none", "mover")["id"]

    # each action through the CLI; its outcome read from the API (the CLI's --wait polls
    # only every 5 s)
    def where() -> tuple[str, str, str]:
        s = cloud.get(f"/compute/v2.1/servers/{sid}")["server"]
        return s["OS-EXT-SRV-ATTR:host"], s["status"], s["flavor"]["original_name"]

    def becomes(status: str) -> tuple[str, str, str]:
        return eventually(lambda: (w := where())[1] == status and w, 60, status, procs)
    first, _, _ = becomes("ACTIVE")
    assert first in HOSTS
    other = next(h for h in HOSTS if h != first)

    # cold migration to the other agent, confirmed
    cli.run("server", "migrate", "mover")
    assert becomes("VERIFY_RESIZE")[0] == other
    cli.run("server", "resize", "confirm", "mover")
    assert becomes("ACTIVE")[0] == other
    # the guest moved: the driver of the source no longer runs it, the destination's does
    guests = fake_guests(tmp_path)
    assert sid in guests[other] and sid not in guests[first], guests

    # a resize lands on the other agent (not the same host, as Nova by default); reverted
    cli.run("server", "resize", "--flavor", "m1.small", "mover")
    assert becomes("VERIFY_RESIZE") == (first, "VERIFY_RESIZE", "m1.small")
    cli.run("server", "resize", "revert", "mover")
    assert becomes("ACTIVE") == (other, "ACTIVE", "m1.tiny")
    assert sid not in fake_guests(tmp_path)[first]

    # live migration between the agents (the fake driver simulates it)
    cli.run("server", "migrate", "--live-migration", "mover")
    eventually(lambda: where()[:2] == (first, "ACTIVE"), 60, "live-migrated", procs)
    guests = fake_guests(tmp_path)
    assert sid in guests[first] and sid not in guests[other], guests

    # os-hypervisors: one per agent, the server counted on its host
    hypervisors = {h["Hypervisor Hostname"] for h in cli.json("hypervisor", "list")}
    assert hypervisors == set(HOSTS), hypervisors
    assert running_vms(cloud) == {first: (1, "up"), other: (0, "up")}

    # garbage on the other agent's queue: logged and dropped, the agent serves on (below)
    speaks = dict(zip(HOSTS, (older, newer), strict=True))
    assert asyncio.run(publish_garbage(amqp_url, f"nubo.host.{other}")) == {speaks[other]}
    eventually(lambda: "malformed message on" in procs.log(other).read_text(), 30,
               "the garbage logged", procs)

    # the agent of the server's host dies: down after service_down_time; the operator
    # disables it and evacuates its server to the other agent
    procs.stop(first, signal.SIGKILL)
    eventually(lambda: running_vms(cloud)[first][1] == "down", DOWN_AFTER * 5,
               f"{first} down", procs)
    cli.run("compute", "service", "set", "--disable", "--disable-reason", "agent dead",
            first, "nova-compute")
    svc = {s["Host"]: s for s in cli.json("compute", "service", "list", "--service",
                                          "nova-compute", "--long")}
    assert svc[first]["Status"] == "disabled" and svc[first]["Disabled Reason"] == "agent dead"
    cli.run("server", "evacuate", "mover")
    eventually(lambda: where()[:2] == (other, "ACTIVE"), 60, "evacuated", procs)
    assert sid in fake_guests(tmp_path)[other]
    assert running_vms(cloud) == {first: (0, "down"), other: (1, "up")}


def running_vms(cloud: Cloud) -> dict[str, tuple[int, str]]:
    """os-hypervisors/detail (2.74, before running_vms left it): host -> (servers, state)."""
    return {h["hypervisor_hostname"]: (h["running_vms"], h["state"])
            for h in cloud.get("/compute/v2.1/os-hypervisors/detail")["hypervisors"]}


async def publish_garbage(url: str, queue: str) -> set[str]:
    """Messages that are not the bus's on `queue`: not JSON, not an object, an envelope
    with no args, an unknown method and wrong arguments (these two answered with faults).
    Returns the RPC versions the faults came from."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        replies = await channel.declare_queue(exclusive=True)
        for body in (b"\xff\x00 not json", b"[1, 2, 3]", b'{"v": "1.2", "method": "spawn"}',
                     json.dumps({"v": RPC_VERSION, "method": "no_such_method",
                                 "args": {}}).encode(),
                     json.dumps({"v": RPC_VERSION, "method": "destroy",
                                 "args": {"instance_id": ["not", "an", "id"],
                                          "unexpected": 1}}).encode()):
            await channel.default_exchange.publish(aio_pika.Message(
                body, reply_to=replies.name, correlation_id=uuid.uuid4().hex), queue)
        faults = []
        async with replies.iterator() as it:
            async for message in it:
                await message.ack()
                faults.append(json.loads(message.body))
                if len(faults) == 2:
                    break
        assert all("fault" in f for f in faults), faults
        return {f["v"] for f in faults}
    finally:
        await connection.close()


def fake_guests(tmp_path: Path) -> dict[str, set[str]]:
    """The instances each agent's fake driver runs (its state file)."""
    return {h: set(json.loads(f.read_text())["instances"]) if f.exists() else set()
            for h in HOSTS for f in [tmp_path / "agents" / h / "fake-hosts" / f"{h}.json"]}


def _raw(tmp_path: Path) -> Path:
    path = tmp_path / "mf.raw"
    path.write_bytes(os.urandom(1 << 16))
    return path
