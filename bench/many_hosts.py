"""Boots through RabbitMQ: one `nubo controller` and 3 `nubo agent --virt fake` processes,
against `nubo up --virt fake --fake-hosts 3` (the in-process bus), both on PostgreSQL.
Prints figures, asserts nothing about time.

    python bench/many_hosts.py [--servers 130] [--clients 10]
    NUBO_TEST_PG_URL=postgresql://nubo_test:nubo_test@127.0.0.1:5432/postgres (an admin URL:
    a throwaway database is made per run and dropped after); RabbitMQ on 127.0.0.1:5672,
    guest/guest, a throwaway virtual host made with rabbitmqctl (as root) and deleted after.

The figures (bench/compute.py's `run`): create->ACTIVE p50/p95 one at a time (30 boots),
then boots/s with concurrent clients, for each setup.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml
from common import free_port, report  # bench/ is on sys.path
from compute import NUBO, run
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nubo.core.db import async_url  # noqa: E402

AGENTS = 3


async def _admin(admin: str, *statements: str) -> None:
    engine = create_async_engine(async_url(admin), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as c:
            for statement in statements:
                await c.execute(text(statement))
    finally:
        await engine.dispose()


@contextmanager
def database(admin: str) -> Iterator[str]:
    name = f"nubo_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(admin, f"CREATE DATABASE {name}"))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
                           f"DROP DATABASE IF EXISTS {name}"))


@contextmanager
def vhost() -> Iterator[str]:
    name = f"nubo-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True)
    try:
        subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*",
                        ".*", ".*"], check=True)
        yield f"amqp://guest:guest@127.0.0.1:5672/{name}"
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=False)


def wait_ready(base: str, procs: list[subprocess.Popen[bytes]]) -> None:
    """Until the API serves and its compute part is ready."""
    while True:
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"{p.args!r} exited {p.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).json().get("parts", {}).get(
                    "compute") == "ready":
                break
        except (httpx.TransportError, ValueError):
            pass
        time.sleep(0.1)


def login(base: str, data: Path, hosts: int) -> str:
    pw = yaml.safe_load((data / "clouds.yaml").read_text())["clouds"]["nubo"]["auth"]["password"]
    r = httpx.post(f"{base}/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "admin", "password": pw, "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    token = r.headers["x-subject-token"]
    pid = r.json()["token"]["project"]["id"]
    h = {"X-Auth-Token": token}
    httpx.put(f"{base}/compute/v2.1/os-quota-sets/{pid}", headers=h, json={"quota_set": {
        "instances": -1, "cores": -1, "ram": -1}})
    while True:
        svcs = httpx.get(f"{base}/compute/v2.1/os-services?binary=nova-compute",
                         headers=h).json()["services"]
        if sum(s["state"] == "up" for s in svcs) >= hosts:
            return token
        time.sleep(0.2)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def measure(tmp: Path, pg: str, amqp: str | None, servers: int, clients: int
            ) -> dict[str, float]:
    data, port = tmp / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NUBO_PASSWORD_HASH_ROUNDS": "4", "NUBO_DATABASE_URL": pg}
    procs: list[subprocess.Popen[bytes]] = []
    logs = open(tmp / "procs.log", "ab")  # noqa: SIM115 - closed below
    try:
        if amqp is None:
            procs.append(subprocess.Popen(
                [NUBO, "up", "--data-dir", str(data), "--port", str(port), "--virt", "fake",
                 "--network", "noop", "--fake-hosts", str(AGENTS), "--no-test-image"],
                env=env, stdout=logs, stderr=logs))
        else:
            procs.append(subprocess.Popen(
                [NUBO, "controller", "--data-dir", str(data), "--port", str(port),
                 "--transport-url", amqp, "--no-test-image"], env=env, stdout=logs,
                stderr=logs))
        wait_ready(base, procs)
        if amqp is not None:
            agent_env = {k: v for k, v in os.environ.items() if "DATABASE" not in k}
            for i in range(AGENTS):
                procs.append(subprocess.Popen(
                    [NUBO, "agent", "--host", f"bench-{i}", "--controller-url", base,
                     "--transport-url", amqp, "--password-file",
                     str(data / "keys" / "service_password"),
                     "--data-dir", str(tmp / f"agent-{i}")], env=agent_env, stdout=logs,
                    stderr=logs))
        token = login(base, data, AGENTS)
        return asyncio.run(run(base, token, servers, clients))
    finally:
        stop(procs)
        logs.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=130)
    ap.add_argument("--clients", type=int, default=10)
    args = ap.parse_args()
    admin = os.environ.get("NUBO_TEST_PG_URL")
    if not admin:
        sys.exit("NUBO_TEST_PG_URL (an admin URL of a PostgreSQL server) is needed")
    figures: dict[str, float] = {}
    for label in ("inprocess", "amqp"):
        with tempfile.TemporaryDirectory() as tmp, database(admin) as pg:
            if label == "amqp":
                with vhost() as amqp:
                    got = measure(Path(tmp), pg, amqp, args.servers, args.clients)
            else:
                got = measure(Path(tmp), pg, None, args.servers, args.clients)
        for k in ("create_to_active_p50_ms", "create_to_active_p95_ms", "boots_per_s",
                  "boots_active", "boots_error"):
            figures[f"{label}_{k}"] = got[k]
    report(figures)


if __name__ == "__main__":
    main()
