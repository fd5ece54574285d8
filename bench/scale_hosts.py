"""1,000 hosts over RabbitMQ: one `nubo controller` and ONE `nubo agent` process that simulates
them all (`nubo agent --virt fake --fake-hosts 1000`: a compute agent per host, each with
its own quorum queue `nubo.host.<host>`, its heartbeat every report_interval and its periodic
inventory report), on a private RabbitMQ node (tests/private_rabbit.py, never the machine's
shared broker) and a throwaway PostgreSQL database. Prints figures, asserts nothing about time.

    NUBO_TEST_PG_URL=postgresql://nubo_test:nubo_test@127.0.0.1:5432/postgres \\
        python bench/scale_hosts.py [--hosts 1000] [--cycles 200] [--clients 10]

Figures:
- hosts_up_s: agent start -> every host `up` in os-services (queues declared, first reports)
- idle broker rate with every host beating: messages/s and bytes/s the broker receives and
  sends (rabbitmqctl list_connections: frames and octets; a message is 3 frames, a method,
  a header and a body, so frames/3 counts messages plus acks and heartbeats as ~1/3 each)
- boot+delete cycles/s with `--clients` concurrent clients, create->ACTIVE p50/p95 while
  cycling
- the scheduler's decision time: the controller's step histogram for
  conductor_schedule_and_build_instances (filters, weighers and the placement claim), mean
- messages and bytes through the broker per boot+delete cycle (the idle rate subtracted: noisy
  while the hosts' periodic reports outweigh the cycles), and the messages the controller
  sent per cycle (its nubo_bus_messages_total: calls and casts; each call has a reply too)

OpenStack's published figures to compare with: about 5 boot+delete cycles/s on 1,000 fake
computes (Nova's "1000 fake computes" scale testing), and RabbitMQ trouble reported past
~700 hypervisors (large-scale SIG, oslo.messaging with many fanout queues).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import free_port, pct, report  # bench/ is on sys.path
from compute import NUBO, S, create
from many_hosts import database, login, stop, wait_ready

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.private_rabbit import PrivateRabbit  # noqa: E402


def broker_totals(rabbit: PrivateRabbit) -> tuple[float, float]:
    """(frames, octets) received plus sent over every connection of the node so far."""
    frames = octets = 0.0
    for line in rabbit.ctl("list_connections", "recv_cnt", "send_cnt", "recv_oct",
                           "send_oct").splitlines():
        cols = line.split()
        if len(cols) == 4 and all(c.isdigit() for c in cols):
            frames += int(cols[0]) + int(cols[1])
            octets += int(cols[2]) + int(cols[3])
    return frames, octets


def drained(rabbit: PrivateRabbit, within: float = 600) -> None:
    """Until the controllers' queue (the hosts' reports) is empty, then 5 s more."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        queues = dict(line.split()[:2] for line in rabbit.ctl(
            "list_queues", "name", "messages").splitlines() if len(line.split()) >= 2)
        if queues.get("nubo.controller") == "0":
            break
        time.sleep(1)
    time.sleep(5)


def controller_messages(base: str) -> float:
    """The bus messages the controller sent so far (calls, casts, broadcasts; each call
    also has a reply)."""
    return sum(float(line.rsplit(" ", 1)[1])
               for line in httpx.get(f"{base}/metrics", timeout=30).text.splitlines()
               if line.startswith("nubo_bus_messages_total{"))


def scheduling_seconds(base: str) -> tuple[float, float]:
    """(sum, count) of the controller's schedule step histogram."""
    text = httpx.get(f"{base}/metrics", timeout=30).text
    found = {"sum": 0.0, "count": 0.0}
    for line in text.splitlines():
        for kind in found:
            if line.startswith(f"nubo_conductor_step_duration_seconds_{kind}{{") \
                    and 'step="conductor_schedule_and_build_instances"' in line \
                    and 'result="Success"' in line:
                found[kind] = float(line.rsplit(" ", 1)[1])
    return found["sum"], found["count"]


async def cycles(base: str, token: str, n: int, clients: int) -> dict[str, float]:
    """`n` boot+delete cycles by `clients` concurrent clients: cycles/s, create->ACTIVE."""
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=base, headers={
            "X-Auth-Token": token, "OpenStack-API-Version": "compute 2.37"},
            limits=limits, timeout=300) as c:
        img = (await c.post("/image/v2/images", json={
            "name": "scale", "disk_format": "raw", "container_format": "bare"})).json()
        await c.put(f"/image/v2/images/{img['id']}/file", content=b"\0" * 4096,
                    headers={"Content-Type": "application/octet-stream"})
        flavors = (await c.get("/compute/v2.1/flavors")).json()["flavors"]
        flavor = next(f["id"] for f in flavors if f["name"] == "m1.nano")
        body = {"server": {"name": "s", "imageRef": img["id"], "flavorRef": flavor,
                           "networks": "none"}}
        todo = iter(range(n))
        active: list[float] = []
        errors = 0

        async def client() -> None:
            nonlocal errors
            for _ in todo:
                t = time.perf_counter()
                sid = await create(c, body)
                while True:
                    srv = (await c.get(f"{S}/{sid}")).json()["server"]
                    if srv["status"] in ("ACTIVE", "ERROR") and \
                            srv["OS-EXT-STS:task_state"] is None:
                        break
                    await asyncio.sleep(0.05)
                active.append(time.perf_counter() - t)
                errors += srv["status"] == "ERROR"
                await c.delete(f"{S}/{sid}")
                while True:
                    if (await c.get(f"{S}/{sid}")).status_code == 404:
                        break
                    await asyncio.sleep(0.05)
        t = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - t
    return {"cycles": float(n), "cycle_s": elapsed, "cycles_per_s": n / elapsed,
            "create_to_active_p50_ms": pct(active, .5),
            "create_to_active_p95_ms": pct(active, .95), "boots_error": float(errors)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--keep-log", type=Path, default=None,
                    help="copy the controller's and the agent's output there")
    ap.add_argument("--idle", type=float, default=20.0,
                    help="seconds the idle broker rate is measured over")
    args = ap.parse_args()
    admin = os.environ.get("NUBO_TEST_PG_URL")
    if not admin:
        sys.exit("NUBO_TEST_PG_URL (an admin URL of a PostgreSQL server) is needed")
    figures = Figures({"hosts": float(args.hosts)})
    rabbit = PrivateRabbit()
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp, database(admin) as pg:
        logs = open(Path(tmp) / "procs.log", "ab")  # noqa: SIM115 - closed below
        try:
            rabbit.start()
            data, port = Path(tmp) / "data", free_port()
            base = f"http://127.0.0.1:{port}"
            env = {**os.environ, "NUBO_PASSWORD_HASH_ROUNDS": "4",
                   "NUBO_TRANSPORT_URL": rabbit.url}
            procs.append(subprocess.Popen(
                [NUBO, "controller", "--data-dir", str(data), "--port", str(port),
                 "--database-url", pg, "--no-test-image"], env=env, stdout=logs,
                stderr=logs))
            wait_ready(base, procs)
            agent_env = {k: v for k, v in os.environ.items() if "DATABASE" not in k}
            t = time.perf_counter()
            procs.append(subprocess.Popen(
                [NUBO, "agent", "--host", "sim", "--controller-url", base, "--virt", "fake",
                 "--network", "noop", "--fake-hosts", str(args.hosts), "--password-file",
                 str(data / "keys" / "service_password"), "--data-dir",
                 str(Path(tmp) / "sim")],
                env={**agent_env, "NUBO_TRANSPORT_URL": rabbit.url}, stdout=logs,
                stderr=logs))
            token = login(base, data, args.hosts)
            figures["hosts_up_s"] = time.perf_counter() - t
            figures["agent_rss_mib"] = _rss_mib(procs[1].pid)
            figures["controller_rss_mib"] = _rss_mib(procs[0].pid)

            drained(rabbit)    # the start's burst of reports handled
            f0, o0, t0 = *broker_totals(rabbit), time.perf_counter()
            time.sleep(args.idle)
            f1, o1, t1 = *broker_totals(rabbit), time.perf_counter()
            idle_frames, idle_octets = (f1 - f0) / (t1 - t0), (o1 - o0) / (t1 - t0)
            figures["idle_broker_msgs_per_s"] = idle_frames / 3
            figures["idle_broker_kib_per_s"] = idle_octets / 1024

            s0, n0 = scheduling_seconds(base)
            m0 = controller_messages(base)
            f0, o0, t0 = *broker_totals(rabbit), time.perf_counter()
            got = asyncio.run(cycles(base, token, args.cycles, args.clients))
            f1, o1, t1 = *broker_totals(rabbit), time.perf_counter()
            s1, n1 = scheduling_seconds(base)
            figures["controller_sent_msgs_per_cycle"] = (
                controller_messages(base) - m0) / args.cycles
            figures.update(got)
            figures["schedule_mean_ms"] = (s1 - s0) / max(n1 - n0, 1) * 1000
            figures["broker_msgs_per_s_while_cycling"] = (f1 - f0) / (t1 - t0) / 3
            busy_frames = (f1 - f0) - idle_frames * (t1 - t0)
            busy_octets = (o1 - o0) - idle_octets * (t1 - t0)
            figures["broker_msgs_per_cycle"] = busy_frames / 3 / args.cycles
            figures["broker_bytes_per_cycle"] = busy_octets / args.cycles
        finally:
            for p in procs[1:]:
                p.send_signal(signal.SIGTERM)
            stop(procs)
            logs.close()
            if args.keep_log is not None:
                shutil.copy(Path(tmp) / "procs.log", args.keep_log)
                shutil.copy(Path(tmp) / "data" / "logs" / "nubo.log",
                            f"{args.keep_log}.controller")
            rabbit.close()
    report(figures)


class Figures(dict[str, float]):
    """The figures, each also printed as soon as it is measured (a long run stopped early
    still says what it measured)."""

    def __setitem__(self, key: str, value: float) -> None:
        super().__setitem__(key, value)
        print(f"  {key} = {value:.2f}", flush=True)

    def update(self, other: dict[str, float]) -> None:  # type: ignore[override]
        for k, v in other.items():
            self[k] = v


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
