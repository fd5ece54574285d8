"""Real guests on the Linux dataplane (root): prints figures, asserts nothing about time.

    .venv/bin/python bench/guest_network.py [--servers 2]

Against a real `nubo up --virt libvirt --network linux` (TCG here), as the demo user, servers
of `nubo-test` on the `private` network are booted one after the other; for each:
  create_to_active     POST /servers until the API shows ACTIVE
  create_to_lease      POST /servers until dnsmasq wrote the port's lease (its lease file,
                       polled every 20 ms): the guest's first DHCP lease
  create_to_dhcp_marker  until the guest's `dhcp ok` console marker is seen (console polled
                       every 0.5 s, so up to 0.5 s late)
  create_to_ready      until the `ready` marker (metadata fetched over HTTP, sshd up)
Then, with two guests up, the ICMP RTT from inside vm1 (ssh from the qdhcp namespace) to
vm2, and from the qdhcp namespace (the host side) to vm2, 20 pings each.

The host is cleaned as tests/e2e/test_guest_networking.py does it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml
from common import free_port, report  # bench/ is on sys.path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nubo.network import names  # noqa: E402
from tests.e2e.conftest import Cloud, start_nubo, stop_nubo  # noqa: E402
from tests.e2e.test_guest_networking import (  # noqa: E402
    HostBefore,
    Made,
    _cleanup_domains,
    _what_was_made,
    clean_host,
)

S = "/compute/v2.1/servers"
N = "/networking/v2.0"
RTT = re.compile(r"min/avg/max(?:/mdev)? = ([\d.]+)/([\d.]+)/([\d.]+)")


def token(c: Cloud, cloud: str) -> str:
    auth = yaml.safe_load(c.clouds_yaml.read_text())["clouds"][cloud]["auth"]
    r = httpx.post(f"{c.url}/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": auth["username"], "password": auth["password"],
            "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": auth["project_name"], "domain": {"name": "Default"}}}}})
    r.raise_for_status()
    return r.headers["x-subject-token"]


def lease_seen(data: Path, mac: str) -> bool:
    for f in data.rglob("leases"):
        try:
            if mac in f.read_text().lower():
                return True
        except OSError:
            pass
    return False


def boot(api: httpx.Client, data: Path, name: str, image: str, flavor: str,
         net: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    r = api.post(S, json={"server": {"name": name, "imageRef": image, "flavorRef": flavor,
                                     "key_name": "k", "networks": [{"uuid": net}]}})
    if r.status_code != 202:
        raise RuntimeError(f"POST /servers: {r.status_code} {r.text}")
    sid = r.json()["server"]["id"]
    out: dict[str, Any] = {"id": sid}
    mac = ""
    next_console = 0.0
    while "create_to_ready" not in out:
        now = time.perf_counter() - t0
        if now > 300:
            raise RuntimeError(f"{name} not ready in 300 s: {out}")
        if "create_to_active" not in out:
            srv = api.get(f"{S}/{sid}").json()["server"]
            if srv["status"] == "ERROR":
                raise RuntimeError(f"{name} failed: {srv.get('fault')}")
            if srv["status"] == "ACTIVE":
                out["create_to_active"] = now
        if not mac:
            ports = api.get(f"{N}/ports", params={"device_id": sid}).json()["ports"]
            mac = ports[0]["mac_address"].lower() if ports else ""
        if mac and "create_to_lease" not in out and lease_seen(data, mac):
            out["create_to_lease"] = now
        if now >= next_console:
            next_console = now + 0.5
            log = api.post(f"{S}/{sid}/action", json={"os-getConsoleOutput": {}}).json().get(
                "output", "")
            if "create_to_dhcp_marker" not in out and "nubo-guest: dhcp ok" in log:
                out["create_to_dhcp_marker"] = now
            if "nubo-guest: degraded" in log:
                raise RuntimeError(f"{name} came up degraded:\n{log}")
            if "nubo-guest: ready" in log:
                out["create_to_ready"] = now
                found = re.search(r"dhcp ok ([\d.]+)", log)
                out["ip"] = found.group(1) if found else ""
                key = re.search(r"hostkey=(ssh-\S+ \S+)", log)
                out["hostkey"] = key.group(1) if key else ""
        time.sleep(0.02)
    return out


def rtt(output: str) -> tuple[float, float, float]:
    found = RTT.search(output)
    if not found:
        raise RuntimeError(f"no RTT in ping output: {output}")
    return float(found.group(1)), float(found.group(2)), float(found.group(3))


def measure(c: Cloud, tmp: Path, servers: int) -> dict[str, float]:
    out: dict[str, float] = {}
    key = tmp / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    with httpx.Client(base_url=c.url, headers={"X-Auth-Token": token(c, "nubo-demo")},
                      timeout=120) as api:
        while True:          # the test image registers in the background after start
            imgs = api.get("/image/v2/images", params={"name": "nubo-test"}).json()["images"]
            if imgs and imgs[0]["status"] == "active":
                break
            time.sleep(1)
        flavor = next(f["id"] for f in api.get("/compute/v2.1/flavors").json()["flavors"]
                      if f["name"] == "m1.nano")
        net = api.get(f"{N}/networks", params={"name": "private"}).json()["networks"][0]["id"]
        api.post("/compute/v2.1/os-keypairs", json={"keypair": {
            "name": "k", "public_key": Path(f"{key}.pub").read_text()}}).raise_for_status()
        sg = api.get(f"{N}/security-groups", params={"name": "default"}).json()[
            "security_groups"][0]["id"]
        api.post(f"{N}/security-group-rules", json={"security_group_rule": {
            "security_group_id": sg, "direction": "ingress", "protocol": "tcp",
            "port_range_min": 22, "port_range_max": 22}}).raise_for_status()
        runs = [boot(api, c.data_dir, f"vm{i + 1}", imgs[0]["id"], flavor, net)
                for i in range(servers)]
        out["servers"] = float(servers)
        for k in ("create_to_active", "create_to_lease", "create_to_dhcp_marker",
                  "create_to_ready"):
            out[f"first_{k}_s"] = runs[0].get(k, -1.0)    # includes the image cache fetch
            warm = sorted(r.get(k, -1.0) for r in (runs[1:] or runs))
            out[f"{k}_median_s"] = warm[len(warm) // 2]
        if servers >= 2:
            ns = names.dhcp_ns(net)
            kh = tmp / "known_hosts"
            kh.write_text(f"vm1 {runs[0]['hostkey']}\n")
            r = subprocess.run(
                ["ip", "netns", "exec", ns, "ssh", "-i", str(key), "-o", "BatchMode=yes",
                 "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={kh}",
                 "-o", "HostKeyAlias=vm1", "-o", "LogLevel=ERROR", f"root@{runs[0]['ip']}",
                 f"ping -c 20 -i 0.2 {runs[1]['ip']}"], capture_output=True, text=True,
                timeout=120)
            lo, avg, hi = rtt(r.stdout + r.stderr)
            out.update(guest_to_guest_rtt_min_ms=lo, guest_to_guest_rtt_avg_ms=avg,
                       guest_to_guest_rtt_max_ms=hi)
            api.post(f"{N}/security-group-rules", json={"security_group_rule": {
                "security_group_id": sg, "direction": "ingress", "protocol": "icmp",
                "remote_ip_prefix": "10.0.0.0/26"}}).raise_for_status()   # from qdhcp
            time.sleep(2)
            r = subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", "20", "-i", "0.2",
                                runs[1]["ip"]], capture_output=True, text=True, timeout=60)
            lo, avg, hi = rtt(r.stdout)
            out.update(qdhcp_to_guest_rtt_min_ms=lo, qdhcp_to_guest_rtt_avg_ms=avg,
                       qdhcp_to_guest_rtt_max_ms=hi)
        for r in runs:
            api.delete(f"{S}/{r['id']}")
        for _ in range(240):
            if not api.get(S).json()["servers"]:
                break
            time.sleep(0.5)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="nubo-gn-") as tmp:
        os.chmod(tmp, 0o755)        # dnsmasq runs as nobody and reads files under it
        data = Path(tmp) / "data"
        before = HostBefore()
        c: Cloud | None = None
        made: Made | None = None
        try:
            c = start_nubo(data, free_port(), "--virt", "libvirt", "--network", "linux",
                           test_image=True, timeout=120)
            figures = measure(c, Path(tmp), args.servers)
        finally:
            if c is not None:
                made = _what_was_made(c)
            _cleanup_domains(data)
            if c is not None:
                stop_nubo(c)
            clean_host(data, before, made)
    report(figures)


if __name__ == "__main__":
    main()
