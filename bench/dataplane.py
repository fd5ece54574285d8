"""Linux dataplane benchmark (root): prints figures, asserts nothing about time.

    .venv/bin/python bench/dataplane.py [--rules 1000] [--ports 200]

Runs in a throwaway namespace standing in for the host: render and apply of a security group
with N rules on 10 ports (one `nft -j -f` transaction), port plug throughput (persistent taps
into a bridge), dnsmasq start to the first lease in a guest namespace, guest-to-guest RTT.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import report  # bench/ is on sys.path

from nubo.network import names
from nubo.network.agent.dataplane.base import (
    DHCP_OWNER,
    FixedIp,
    NetworkSpec,
    PortSpec,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
    SubnetSpec,
)
from nubo.network.agent.dataplane.linux.apply_links import list_netns
from nubo.network.agent.dataplane.linux.driver import LinuxConfig, LinuxDataplane
from nubo.network.agent.dataplane.linux.procs import apply_nft
from nubo.network.agent.dataplane.linux.render_nft import render_filter

UDHCPC = """#!/bin/sh
[ "$1" = bound ] && ip addr add "$ip/$mask" dev "$interface"
exit 0
"""


def sh(*cmd: str, ns: str | None = None) -> str:
    full = ["ip", "netns", "exec", ns, *cmd] if ns else list(cmd)
    res = subprocess.run(full, capture_output=True, text=True, timeout=60)
    if res.returncode:
        raise RuntimeError(f"{full}: {res.stdout}{res.stderr}")
    return res.stdout


def mac(n: int) -> str:
    return f"fa:16:3e:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}"


async def bench_sg(dp: LinuxDataplane, tag: str, n_rules: int) -> dict[str, float]:
    sg = SecurityGroupSpec("sg", tuple(
        SecurityGroupRuleSpec(f"r{i}", "ingress", "IPv4", "tcp", 1000 + i, 1000 + i,
                              f"10.{i // 256}.{i % 256}.0/24") for i in range(n_rules)))
    ports = [PortSpec(f"{tag}p{i:02d}", f"{tag}net", mac(i), (FixedIp("s", f"10.99.0.{i + 10}"),),
                      "compute:nova", ("sg",)) for i in range(10)]
    renders, applies = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        doc = render_filter(ports, [sg], table=dp.cfg.nft_table)
        t1 = time.perf_counter()
        await asyncio.to_thread(apply_nft, doc, dp.cfg.host_netns)
        renders.append(t1 - t0)
        applies.append(time.perf_counter() - t1)
    return {f"sg {n_rules} rules x 10 ports: render ms": min(renders) * 1000,
            f"sg {n_rules} rules x 10 ports: apply ms": min(applies) * 1000,
            "nft commands in the document": float(len(doc["nftables"]))}


async def bench_plug(dp: LinuxDataplane, tag: str, n: int) -> dict[str, float]:
    net = NetworkSpec(f"{tag}plug", "local", mtu=1500)
    await dp.ensure_network(net)
    ports = [PortSpec(f"{tag}{i:06d}x", net.id, mac(i)) for i in range(n)]
    t0 = time.perf_counter()
    for p in ports:
        await dp.plug_port(p)
    plug = time.perf_counter() - t0
    t0 = time.perf_counter()
    for p in ports:
        await dp.unplug_port(p.id)
    unplug = time.perf_counter() - t0
    await dp.delete_network(net.id)
    return {"port plug (ports/s)": n / plug, "port unplug (ports/s)": n / unplug}


async def bench_dhcp_and_ping(dp: LinuxDataplane, tag: str, work: Path) -> dict[str, float]:
    host = dp.cfg.host_netns or ""
    net = NetworkSpec(f"{tag}dhcp", "local", mtu=1500,
                      subnets=(SubnetSpec("s", "10.98.0.0/24", "10.98.0.1"),))
    dhcp = PortSpec(f"{tag}dhcpport", net.id, mac(1), (FixedIp("s", "10.98.0.2"),), DHCP_OWNER)
    vms = [PortSpec(f"{tag}vm{i}xxxx", net.id, mac(2 + i), (FixedIp("s", f"10.98.0.{10 + i}"),),
                    port_security_enabled=False) for i in range(2)]
    await dp.ensure_network(net)
    guests = []
    for i, p in enumerate(vms):
        ns = f"nb{tag}g{i}"
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", host, "link", "add", names.tap_name(p.id), "type", "veth", "peer", "name",
           "eth0", "netns", ns)
        sh("ip", "link", "set", "eth0", "address", p.mac_address, "up", ns=ns)
        await dp.plug_port(p)
        guests.append(ns)
    await dp.apply_security_groups([dhcp, *vms], [])
    script = work / "udhcpc.sh"
    script.write_text(UDHCPC)
    script.chmod(0o755)
    t0 = time.perf_counter()
    await dp.ensure_dhcp(net, [dhcp, *vms])
    t1 = time.perf_counter()
    sh("busybox", "udhcpc", "-i", "eth0", "-q", "-n", "-t", "20", "-T", "1", "-s", str(script),
       ns=guests[0])
    lease = time.perf_counter() - t0
    sh("busybox", "udhcpc", "-i", "eth0", "-q", "-n", "-t", "20", "-T", "1", "-s", str(script),
       ns=guests[1])
    out = sh("ping", "-c", "50", "-i", "0.01", "-q", "10.98.0.11", ns=guests[0])
    rtt = re.search(r"= [\d.]+/([\d.]+)/", out)
    return {"dnsmasq start (ms)": (t1 - t0) * 1000,
            "dnsmasq start to first lease (ms)": lease * 1000,
            "guest-to-guest ping RTT avg (ms)": float(rtt.group(1)) if rtt else -1.0}


def cleanup(work: Path, tag: str) -> None:
    for pid_file in [*work.glob("dhcp/*/pid"), *work.glob("metadata/*.pid")]:
        subprocess.run(["pkill", "-F", str(pid_file)], capture_output=True)
    for ns in [n for n in list_netns() if tag in n]:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    shutil.rmtree(work, ignore_errors=True)


async def run_all(dp: LinuxDataplane, tag: str, work: Path, rules: int,
                  ports: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    figures |= await bench_sg(dp, tag, rules)
    figures |= await bench_plug(dp, tag, ports)
    figures |= await bench_dhcp_and_ping(dp, tag, work)
    return figures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", type=int, default=1000)
    ap.add_argument("--ports", type=int, default=200)
    args = ap.parse_args()
    tag = secrets.token_hex(3)
    host = f"nb{tag}host"
    work = Path(tempfile.mkdtemp(prefix=f"nubo-bench-{tag}-"))
    work.chmod(0o755)       # dnsmasq reads its files as nobody
    sh("ip", "netns", "add", host)
    dp = LinuxDataplane(LinuxConfig(data_dir=work, host_netns=host,
                                    metadata_url=f"unix:{work}/none.sock"))
    try:
        figures = asyncio.run(run_all(dp, tag, work, args.rules, args.ports))
    finally:
        cleanup(work, tag)
    report(figures)


if __name__ == "__main__":
    main()
