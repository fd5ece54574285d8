"""What one network sync round costs, step by step (root): prints figures, asserts nothing.

    .venv/bin/python bench/network_sync_round.py [--existing 50] [--rounds 20]

The real NetworkSync and Linux dataplane on a throwaway SQLite database, in a namespace
standing in for the host (the machine's links and nft tables are not touched). A network with
a DHCP subnet and `--existing` bound compute ports is reconciled once; then, `--rounds` times,
one more bound port is made (as Nova binds it) and one round is run by hand. Each round is
split into its steps: the DHCP-port check, the desired-state build (with its SQL statement
count), each dataplane call, the port-status write; plus what the round ran as subprocesses.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from common import report  # bench/ is on sys.path
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nubo.core.context import RequestContext  # noqa: E402
from nubo.core.db import Database  # noqa: E402
from nubo.network.agent.dataplane.linux import apply_links  # noqa: E402
from nubo.network.agent.dataplane.linux.apply_links import list_netns  # noqa: E402
from nubo.network.agent.dataplane.linux.driver import LinuxConfig, LinuxDataplane  # noqa: E402
from nubo.network.service import networks, ports, quotas, subnets  # noqa: E402
from nubo.network.service.hostsync import loop as sync_loop  # noqa: E402
from nubo.network.service.hostsync.loop import NetworkSync  # noqa: E402
from nubo.network.service.hostsync.wiring import local_sync  # noqa: E402

HOST = "bench-host"
CTX = RequestContext(request_id="req-bench", project_id="p-bench",
                     roles=("admin", "member", "reader"))
DP_CALLS = ("set_hosts", "ensure_network", "plug_port", "unplug_port",
            "apply_security_groups", "ensure_dhcp", "ensure_router", "set_floating_ips",
            "delete_network", "delete_router")


class Clock:
    """Seconds spent per step in the current round, and SQL statements / subprocesses."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)

    def wrap(self, name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        async def timed(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return await fn(*a, **kw)
            finally:
                self.spent[name] += time.perf_counter() - t
                self.count[name] += 1
        return timed


def instrument(clock: Clock, sync: NetworkSync, dp: LinuxDataplane, db: Database) -> None:
    for name in DP_CALLS:
        setattr(dp, name, clock.wrap(f"dataplane.{name}", getattr(dp, name)))
    sync_loop.ensure_dhcp_ports = clock.wrap(  # type: ignore[assignment]
        "ensure_dhcp_ports", sync_loop.ensure_dhcp_ports)
    sync_loop.build_desired = clock.wrap(  # type: ignore[assignment]
        "build_desired", sync_loop.build_desired)
    sync._port_status = clock.wrap("port_status", sync._port_status)  # type: ignore[method-assign]

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _sql(*_a: Any) -> None:
        clock.count["sql statements"] += 1

    real_run = subprocess.run

    def counted(*a: Any, **kw: Any) -> Any:
        cmd = a[0] if a else kw.get("args")
        words = [w for w in cmd if not str(w).startswith("-")] if isinstance(cmd, list) else []
        # `ip netns exec <ns> <prog>` counts as <prog>
        prog = words[4] if words[:2] == ["ip", "netns"] and len(words) > 4 else (
            words[0] if words else "?")
        clock.count[f"subprocess {Path(str(prog)).name}"] += 1
        return real_run(*a, **kw)
    apply_links.subprocess.run = counted  # type: ignore[attr-defined]


async def make(db: Database, existing: int) -> str:
    async with db.write() as s:
        # the bench's project makes more ports than Neutron's default quota (500) allows
        await quotas.set_limits(s, CTX.project_id or "", {"port": -1})
        net = await networks.create_network(s, CTX, {
            "name": "bench", "provider:network_type": "local"}, (1, 1000))
        await subnets.create_subnet(s, CTX, {"network_id": net.id, "ip_version": 4,
                                             "cidr": "10.77.0.0/16"})
    for _ in range(existing):
        await bound_port(db, net.id)
    return str(net.id)


async def bound_port(db: Database, net_id: str) -> str:
    async with db.write() as s:
        port = await ports.create_port(s, CTX, {
            "network_id": net_id, "device_owner": "compute:nova",
            "device_id": secrets.token_hex(8), "binding:host_id": HOST})
        port.status = "DOWN"
        return str(port.id)


async def run(work: Path, host_ns: str, existing: int, rounds: int) -> dict[str, float]:
    db = Database(f"sqlite:///{work / 'nubo.db'}")
    await db.migrate()
    dp = LinuxDataplane(LinuxConfig(data_dir=work / "dp", host_netns=host_ns,
                                    metadata_url=f"unix:{work / 'none.sock'}"))
    events: list[str] = []

    async def on_vif(_instance: str, port_id: str, _status: str) -> None:
        events.append(port_id)
    sync = local_sync(db, dp, [HOST], real=True, on_vif_event=on_vif)[0]
    try:
        net_id = await make(db, existing)
        t = time.perf_counter()
        first = await sync.run_round()
        full = time.perf_counter() - t
        assert first.full and not first.errors, first
        clock = Clock()
        instrument(clock, sync, dp, db)
        totals: list[float] = []
        sql = 0
        for _ in range(rounds):
            await bound_port(db, net_id)
            before = clock.count["sql statements"]
            t = time.perf_counter()
            res = await sync.run_round()
            totals.append(time.perf_counter() - t)
            sql += clock.count["sql statements"] - before
            assert not res.errors and len(res.activated) == 1, res
        assert len(events) == existing + rounds, len(events)
        out = {"existing ports": float(existing), "first (full) round ms": full * 1000,
               "round ms (mean)": sum(totals) / rounds * 1000,
               "round ms (min)": min(totals) * 1000, "sql statements per round": sql / rounds}
        for k in sorted(clock.spent):
            out[f"{k} ms"] = clock.spent[k] / rounds * 1000
        for k in sorted(clock.count):
            if k.startswith("subprocess"):
                out[f"{k} per round"] = clock.count[k] / rounds
        return out
    finally:
        await dp.close()
        await db.dispose()


def cleanup(work: Path, tag: str) -> None:
    for pid_file in [*work.glob("dp/dhcp/*/pid"), *work.glob("dp/metadata/*.pid")]:
        subprocess.run(["pkill", "-F", str(pid_file)], capture_output=True)
    for ns in [n for n in list_netns() if tag in n or n.startswith(("qdhcp-", "qrouter-"))
               and (work / "dp" / "dhcp" / n.removeprefix("qdhcp-")).exists()]:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--existing", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    tag = secrets.token_hex(3)
    host = f"nb{tag}host"
    work = Path(tempfile.mkdtemp(prefix=f"nubo-bench-{tag}-"))
    work.chmod(0o755)       # dnsmasq reads its files as nobody
    subprocess.run(["ip", "netns", "add", host], check=True)
    try:
        figures = asyncio.run(run(work, host, args.existing, args.rounds))
    finally:
        cleanup(work, tag)
    report(figures)


if __name__ == "__main__":
    main()
