"""Many hosts: one `nubo controller` on PostgreSQL and RabbitMQ, three `nubo agent --virt fake
--network noop` processes, each its own host, driven with the real openstack CLI.

The agents' database-freedom is checked on the running processes: nothing naming a database
in /proc/<pid>/environ and cmdline, no TCP connection to a database port in /proc/<pid>/net
(while the broker's is there), and neither SQLAlchemy's nor a driver's compiled modules in
/proc/<pid>/maps (while the controller's has them): before the boots and after the restart.

A throwaway PostgreSQL database and RabbitMQ virtual host are made for the test and removed
after it; every process is stopped (SIGKILL if it will not stop) even when the test fails.
service_down_time and report_interval are short (NUBO_SERVICE_DOWN_TIME,
NUBO_REPORT_INTERVAL) so that a killed agent shows down within seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from yarl import URL

from tests.e2e.conftest import clients_bin, free_port, nubo_bin
from tests.install import missing

DOWN_AFTER = 6          # NUBO_SERVICE_DOWN_TIME of the controller
REPORT_INTERVAL = 1     # NUBO_REPORT_INTERVAL of the agents
HOSTS = ("mh-1", "mh-2", "mh-3")
#: what names or reaches a database: never in an agent's environment or arguments
DB_MARKERS = ("postgresql", "mysql", "sqlite", "database_url", "nubo_test:nubo_test")
DB_PORTS = {5432, 3306}
AMQP_PORT = 5672


# -- the throwaway database and virtual host ----------------------------------------------
@pytest.fixture
def pg_url() -> Iterator[str]:
    if not os.environ.get("NUBO_TEST_PG_URL"):
        missing("dbs", "NUBO_TEST_PG_URL is not set")
    from tests.integration.test_databases import throwaway_database
    made = throwaway_database("postgresql")
    loop = asyncio.new_event_loop()
    try:
        yield loop.run_until_complete(made.__aenter__())
    finally:
        loop.run_until_complete(made.__aexit__(None, None, None))
        loop.close()


@pytest.fixture
def amqp_url() -> Iterator[str]:
    from tests.integration.test_bus_amqp import vhost_url
    made = vhost_url.__wrapped__()   # type: ignore[attr-defined]
    try:
        yield next(made)
    finally:
        made.close()


# -- the processes ------------------------------------------------------------------------
@dataclass
class Procs:
    root: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with open(self.log(name), "ab") as out:
            proc = subprocess.Popen([nubo_bin(), *argv], stdout=out, stderr=subprocess.STDOUT,
                                    env=env, start_new_session=True)
        self.running[name] = proc
        return proc

    def log(self, name: str) -> Path:
        return self.root / f"{name}.log"

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}"
                         for p in sorted(self.root.glob("*.log")))

    def stop(self, name: str, sig: int = signal.SIGTERM) -> int:
        proc = self.running.pop(name)
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        return proc.returncode

    def stop_all(self) -> None:
        for name in list(self.running):   # the agents first, the controller last
            if name != "controller":
                self.stop(name)
        if "controller" in self.running:
            self.stop("controller")


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Procs]:
    p = Procs(tmp_path)
    try:
        yield p
    finally:
        p.stop_all()


def agent_env() -> dict[str, str]:
    """The agent's environment: this one without anything that names a database."""
    env = {k: v for k, v in os.environ.items()
           if not any(m in f"{k}={v}".lower() for m in DB_MARKERS)
           and not k.startswith(("NUBO_", "OS_"))}
    return {**env, "NUBO_REPORT_INTERVAL": str(REPORT_INTERVAL)}


def agent_argv(host: str, controller_url: str, transport_url: str, data: Path,
               password_file: Path) -> list[str]:
    return ["agent", "--host", host, "--controller-url", controller_url,
            "--transport-url", transport_url, "--virt", "fake", "--network", "noop",
            "--password-file", str(password_file),
            "--data-dir", str(data / "agents" / host)]


def eventually(check: Callable[[], Any], within: float, what: str, procs: Procs) -> Any:
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"{what} not within {within}s (last: {last!r})\n{procs.logs()}")


@dataclass
class Cli:
    clouds_yaml: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(OS_CLIENT_CONFIG_FILE=str(self.clouds_yaml), OS_CLOUD="nubo")
        r = subprocess.run([clients_bin("openstack"), *args], capture_output=True, text=True,
                           env=env, timeout=180)
        if check and r.returncode != 0:
            raise AssertionError(f"openstack {' '.join(args)} -> {r.returncode}\n{r.stderr}")
        return r

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-f", "json").stdout)

    def states(self) -> dict[str, str]:
        return {s["Host"]: s["State"] for s in self.json("compute", "service", "list",
                                                         "--service", "nova-compute")}

    def server_hosts(self) -> dict[str, tuple[str, str]]:
        """server id -> (host, status)"""
        return {s["ID"]: (s["Host"], s["Status"])
                for s in self.json("server", "list", "--long", "--all-projects")}


def tcp_remote_ports(pid: int) -> set[int]:
    """The remote ports of the TCP connections the process `pid` holds open (its socket fds
    looked up in /proc/<pid>/net/tcp and tcp6 by inode)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            cols = line.split()
            if cols[9] in inodes and cols[3] == "01":     # ESTABLISHED
                ports.add(int(cols[2].rsplit(":", 1)[1], 16))
    return ports


def assert_no_database(pid: int, host: str) -> None:
    """The agent `pid` has nothing naming a database in its environment or arguments, and
    no TCP connection to a database port, while it has the broker's."""
    seen = (Path(f"/proc/{pid}/environ").read_bytes().replace(b"\0", b"\n")
            + b"\n" + Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" "))
    text = seen.decode(errors="replace").lower()
    assert not [m for m in DB_MARKERS if m in text], text
    assert host in text and "--transport-url" in text   # we did read the right process
    ports = tcp_remote_ports(pid)
    assert AMQP_PORT in ports, ports
    assert not ports & DB_PORTS, ports
    # nor the database code: SQLAlchemy's and the drivers' compiled modules never mapped
    assert not database_libraries(pid), database_libraries(pid)


def database_libraries(pid: int) -> set[str]:
    """The compiled modules of SQLAlchemy and the database drivers mapped in `pid`."""
    return {line.split()[-1] for line in Path(f"/proc/{pid}/maps").read_text().splitlines()
            if any(f"/{lib}/" in line for lib in ("sqlalchemy", "asyncpg", "aiomysql"))}


# -- the story ----------------------------------------------------------------------------
def test_controller_and_three_agents(pg_url: str, amqp_url: str, procs: Procs,
                                     tmp_path: Path) -> None:
    data = tmp_path / "controller"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    controller_env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
                      "NUBO_PASSWORD_HASH_ROUNDS": "4",
                      "NUBO_SERVICE_DOWN_TIME": str(DOWN_AFTER),
                      "NUBO_TRANSPORT_URL": amqp_url}
    procs.start("controller", ["controller", "--data-dir", str(data), "--port", str(port),
                               "--database-url", pg_url, "--no-test-image",
                               "--volume-driver", "fake"], controller_env)

    def ready() -> bool:
        try:
            r = httpx.get(f"{url}/healthz", timeout=2)
        except httpx.TransportError:
            return False
        assert procs.running["controller"].poll() is None, procs.logs()
        return r.status_code == 200 and r.json()["parts"]["compute"] == "ready"
    eventually(ready, 60, "the controller ready", procs)
    cli = Cli(data / "clouds.yaml")
    password_file = data / "keys" / "service_password"

    def start_agent(host: str) -> subprocess.Popen[bytes]:
        return procs.start(host, agent_argv(host, url, amqp_url, tmp_path, password_file),
                           agent_env())
    for host in HOSTS:
        start_agent(host)
    eventually(lambda: cli.states() == dict.fromkeys(HOSTS, "up"), 60,
               "the three hosts up in `compute service list`", procs)

    # the agents hold no database credentials and no database connection, but the broker's
    for host in HOSTS:
        assert_no_database(procs.running[host].pid, host)
    # (the check sees them where they are: in the controller)
    libs = database_libraries(procs.running["controller"].pid)
    assert any("/sqlalchemy/" in x for x in libs) and any("/asyncpg/" in x for x in libs)

    # a second agent for a live host is refused; one with a bad login exits with one line
    dup = subprocess.run([nubo_bin(), *agent_argv("mh-1", url, amqp_url, tmp_path / "dup",
                                                  password_file)],
                         capture_output=True, text=True, env=agent_env(), timeout=60)
    assert dup.returncode == 3, dup.stderr
    assert "served by another live agent" in dup.stderr.strip().splitlines()[-1]

    # a multi-create of 9 spreads over the hosts (its servers are placed one at a time,
    # each seeing the claims before it) and goes ACTIVE
    cli.run("quota", "set", "--instances", "20", "--cores", "40", "admin")
    image = cli.json("image", "create", "--disk-format", "raw", "--container-format", "bare",
                     "--file", str(_raw_image(tmp_path)), "--public", "mh-image")["id"]
    cli.run("server", "create", "--image", image, "--flavor", "m1.tiny", "--network",
            "private", "--min", "9", "--max", "9", "--wait", "mh")
    booted = [s["ID"] for s in cli.json("server", "list", "--name", "^mh-[0-9]+$")]
    assert len(booted) == 9
    placed = cli.server_hosts()
    assert {placed[s][1] for s in booted} == {"ACTIVE"}, placed
    spread = Counter(placed[s][0] for s in booted)
    assert set(spread) == set(HOSTS), spread
    assert max(spread.values()) - min(spread.values()) <= 1, spread

    # a server group with anti-affinity: 3 servers on 3 different hosts
    group = cli.json("server", "group", "create", "--policy", "anti-affinity", "mh-anti")["id"]
    cli.run("server", "create", "--image", image, "--flavor", "m1.tiny", "--network",
            "private", "--hint", f"group={group}", "--min", "3", "--max", "3", "--wait",
            "mh-anti")
    members = cli.json("server", "group", "show", group)["members"]
    members = members.split(", ") if isinstance(members, str) else members
    placed = cli.server_hosts()
    assert len(members) == 3
    assert sorted(placed[m][0] for m in members) == sorted(HOSTS), placed
    assert {placed[m][1] for m in members} == {"ACTIVE"}

    # SIGKILL one agent: its service goes down after service_down_time, the others stay up
    victim = "mh-2"
    on_victim = sorted(s for s, (h, _) in placed.items() if h == victim)
    assert on_victim
    procs.stop(victim, signal.SIGKILL)
    killed = time.monotonic()
    states = eventually(lambda: (s := cli.states()).get(victim) == "down" and s, DOWN_AFTER * 4,
                        f"{victim} down", procs)
    assert time.monotonic() - killed >= DOWN_AFTER - 2 * REPORT_INTERVAL
    assert {h: states[h] for h in HOSTS if h != victim} == {"mh-1": "up", "mh-3": "up"}

    # restart it: up again, its servers still there, and its driver still has them
    start_agent(victim)
    eventually(lambda: cli.states() == dict.fromkeys(HOSTS, "up"), 30, f"{victim} up again",
               procs)
    placed = cli.server_hosts()
    assert {s: placed[s] for s in on_victim} == dict.fromkeys(on_victim, (victim, "ACTIVE"))
    cli.run("server", "stop", on_victim[0])
    eventually(lambda: cli.json("server", "show", on_victim[0])["status"] == "SHUTOFF", 30,
               f"a server of the restarted {victim} stopped by its agent", procs)

    # after all that, still no database in any agent
    for host in HOSTS:
        assert_no_database(procs.running[host].pid, host)

    # a clean stop of everything
    for host in HOSTS:
        assert procs.stop(host) == 0, procs.logs()
    assert procs.stop("controller") == 0, procs.logs()


def _raw_image(tmp_path: Path) -> Path:
    path = tmp_path / "mh.raw"
    path.write_bytes(os.urandom(1 << 16))
    return path


def test_agent_with_a_bad_transport_url_exits_with_one_clear_line(amqp_url: str,
                                                                  tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("x")
    wrong_login = str(URL(amqp_url).with_password("not-the-password"))
    vhost = URL(amqp_url).path[1:]
    cases = {
        wrong_login: "refused the login of user",
        f"amqp://guest:guest@127.0.0.1:{free_port()}/{vhost}": "cannot reach RabbitMQ at",
        str(URL(amqp_url).with_path(f"/no-such-{uuid.uuid4().hex[:6]}")):
            "refused access to virtual host",
    }
    for transport_url, said in cases.items():
        done = subprocess.run([nubo_bin(), *agent_argv("mh-bad", "http://127.0.0.1:1",
                                                       transport_url, tmp_path, secret)],
                              capture_output=True, text=True, env=agent_env(), timeout=60)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2 and len(lines) == 1, done.stderr
        last = lines[0]
        assert last.startswith("nubo agent: error: ") and said in last, last
        assert "not-the-password" not in done.stderr


def test_controller_with_a_bad_transport_url_fails_its_start(amqp_url: str,
                                                             tmp_path: Path) -> None:
    """The listener opens first (as `nubo up`'s), the bus next: a login the broker refuses
    ends the start with exit 1 and the broker's reason, before any database is touched."""
    port = free_port()
    done = subprocess.run(
        [nubo_bin(), "controller", "--data-dir", str(tmp_path / "data"), "--port", str(port),
         "--database-url", "postgresql://nobody:nothing@127.0.0.1:1/none", "--no-test-image",
         "--transport-url", str(URL(amqp_url).with_password("not-the-password"))],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "NUBO_PASSWORD_HASH_ROUNDS": "4"})
    assert done.returncode == 1, done.stderr
    assert "start failed: RabbitMQ at" in done.stderr
    assert "refused the login of user" in done.stderr and "Traceback" not in done.stderr
    assert "not-the-password" not in done.stderr
