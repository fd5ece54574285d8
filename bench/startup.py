"""Start-up and memory of `nubo up`: prints figures, asserts nothing.

    .venv/bin/python bench/startup.py [--servers 100] [--total 1000] [--hosts 4]
                                      [--hash-rounds 4] [--libvirt]

For each start, three times from the exec of `nubo up` (wall clock):
- `healthz`: the first answer of /healthz, whatever its status (the listener is open);
- `ready`: /healthz answers 200 (the API serves; parts may still converge);
- `api`: a Keystone token issued (POST /identity/v3/auth/tokens, 201) and GET
  /compute/v2.1/servers with it answered 200: what a user waits for.
Beside them, the CPU seconds the process used until `api`: on a busy machine the wall-clock
figure measures the machine, the CPU figure measures Nubo; and `converged`, when /healthz
lists no part as converging any more.

Starts measured with `--virt fake --network noop`: the first one (empty data dir:
migrations, bootstrap), a restart with no server, and a restart with `--servers` servers.
Peak RSS (VmHWM) idle after the first start, and after `--total` fake servers were booted
(on `--hosts` simulated hosts, without networks). Passwords are hashed with `--hash-rounds`
bcrypt rounds (4: logins cost nothing; `nubo up` uses 12).

`--libvirt` adds issue 13's case: `--virt libvirt --network linux`, two real `nubo-test`
guests on the demo network, SIGKILL, then `nubo up` again. It needs root, libvirt, the Linux
dataplane's tools and the test image (built or cached, see `nubo image build-test`); it
removes what it made with `nubo host cleanup --purge`. Take the dataplane's lock around it
when other runs may use the Linux dataplane (`flock LOCKFILE python bench/startup.py ...`).
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
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml
from common import free_port, report  # bench/ is on sys.path

NUBO = str(Path(sys.executable).parent / "nubo")
S = "/compute/v2.1/servers"
FAKE = ("--virt", "fake", "--network", "noop", "--no-test-image")


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Started:
    proc: subprocess.Popen[bytes]
    healthz: float = 0.0       # first answer of /healthz, any status
    ready: float = 0.0         # /healthz 200
    api: float = 0.0           # token issued and GET servers answered
    cpu: float = 0.0           # CPU seconds at `api`
    converged: float = 0.0     # /healthz lists no part converging
    first_parts: str = ""      # the parts /healthz listed in its first answer
    ready_parts: str = ""      # ... and in its first 200

    def figures(self, name: str) -> dict[str, float]:
        return {f"{name}_to_healthz_s": self.healthz, f"{name}_to_ready_s": self.ready,
                f"{name}_to_api_s": self.api, f"{name}_cpu_s": self.cpu,
                f"{name}_to_converged_s": self.converged}


def _password(data: Path, deadline: float) -> str:
    path = data / "clouds.yaml"
    while time.monotonic() < deadline:
        if path.exists():
            return str(yaml.safe_load(path.read_text())["clouds"]["nubo"]["auth"]["password"])
        time.sleep(0.01)
    raise RuntimeError("no clouds.yaml")


def _token_body(password: str) -> dict[str, object]:
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": password, "domain": {"id": "default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}


def _watch_healthz(base: str, st: Started, t0: float, deadline: float) -> None:
    with httpx.Client(base_url=base, timeout=5) as c:
        while time.monotonic() < deadline and st.proc.poll() is None:
            try:
                r = c.get("/healthz")
            except httpx.TransportError:
                time.sleep(0.01)
                continue
            now = time.perf_counter() - t0
            parts = r.json().get("parts", {})
            if not st.healthz:
                st.healthz = now
                st.first_parts = ",".join(f"{k}={v}" for k, v in sorted(parts.items()))
            if r.status_code == 200 and not st.ready:
                st.ready = now
                st.ready_parts = ",".join(f"{k}={v}" for k, v in sorted(parts.items()))
            if r.status_code == 200 and "converging" not in parts.values():
                st.converged = now
                return
            time.sleep(0.01)


def _watch_api(base: str, data: Path, st: Started, t0: float, deadline: float) -> None:
    body = _token_body(_password(data, deadline))
    with httpx.Client(base_url=base, timeout=30) as c:
        while time.monotonic() < deadline and st.proc.poll() is None:
            try:
                r = c.post("/identity/v3/auth/tokens", json=body)
                if r.status_code == 201:
                    s = c.get(S, headers={"X-Auth-Token": r.headers["x-subject-token"]})
                    if s.status_code == 200:
                        st.api = time.perf_counter() - t0
                        st.cpu = cpu_seconds(st.proc.pid)
                        return
            except httpx.TransportError:
                pass
            time.sleep(0.01)


def start(data: Path, port: int, hosts: int, rounds: int = 4, args: tuple[str, ...] = FAKE,
          timeout: float = 300) -> Started:
    """Spawn `nubo up` and wait until it serves the API and its parts have converged."""
    env = {**os.environ, "NUBO_FAKE_HOSTS": str(hosts),
           "NUBO_PASSWORD_HASH_ROUNDS": str(rounds),
           # the guest build cache the tests share (tests/e2e/conftest.py)
           "NUBO_GUEST_CACHE_DIR": os.environ.get(
               "NUBO_TEST_GUEST_CACHE", f"/tmp/nubo-guest-cache-{os.getuid()}")}
    log = open(data.parent / f"nubo-{port}.log", "ab")     # noqa: SIM115 - the child's
    t0 = time.perf_counter()
    proc = subprocess.Popen([NUBO, "up", "--data-dir", str(data), "--port", str(port), *args],
                            env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    log.close()
    st = Started(proc)
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + timeout
    watchers = [threading.Thread(target=_watch_healthz, args=(base, st, t0, deadline)),
                threading.Thread(target=_watch_api, args=(base, data, st, t0, deadline))]
    for w in watchers:
        w.start()
    for w in watchers:
        w.join()
    if proc.poll() is not None or not (st.api and st.converged):
        stop(proc, signal.SIGKILL)
        raise RuntimeError(f"nubo up did not start (exit {proc.returncode}); see "
                           f"{data.parent}/nubo-{port}.log")
    return st


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    proc.wait(120)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def login(base: str, data: Path, cloud: str = "nubo") -> dict[str, str]:
    auth = yaml.safe_load((data / "clouds.yaml").read_text())["clouds"][cloud]["auth"]
    r = httpx.post(f"{base}/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": auth["username"], "password": auth["password"],
            "domain": {"id": "default"}}}},
        "scope": {"project": {"name": auth["project_name"], "domain": {"id": "default"}}}}})
    h = {"X-Auth-Token": r.headers["x-subject-token"], "OpenStack-API-Version": "compute 2.37"}
    pid = r.json()["token"]["project"]["id"]
    if cloud == "nubo":
        httpx.put(f"{base}/compute/v2.1/os-quota-sets/{pid}", headers=h, json={"quota_set": {
            "instances": -1, "cores": -1, "ram": -1}}).raise_for_status()
    return h


def image(base: str, h: dict[str, str]) -> str:
    img = httpx.post(f"{base}/image/v2/images", headers=h, json={
        "name": "bench", "disk_format": "raw", "container_format": "bare"}).json()["id"]
    httpx.put(f"{base}/image/v2/images/{img}/file", headers={
        **h, "Content-Type": "application/octet-stream"}, content=b"\0" * 4096)
    return str(img)


async def boot(base: str, h: dict[str, str], img: str, n: int, clients: int = 10) -> None:
    queue = list(range(n))
    async with httpx.AsyncClient(base_url=base, headers=h, timeout=60) as c:
        async def worker() -> None:
            while queue:
                i = queue.pop()
                r = await c.post(S, json={"server": {"name": f"s{i}", "imageRef": img,
                                                     "flavorRef": "42", "networks": "none"}})
                r.raise_for_status()
        await asyncio.gather(*(worker() for _ in range(clients)))
        while True:
            servers = (await c.get(f"{S}/detail?status=BUILD&limit=1")).json()["servers"]
            if not servers:
                return
            await asyncio.sleep(0.2)


def fake_starts(args: argparse.Namespace, fig: dict[str, float]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data, port = Path(tmp) / "data", free_port()
        base = f"http://127.0.0.1:{port}"
        n = args.servers
        st = start(data, port, args.hosts, args.hash_rounds)
        fig |= st.figures("first_start")
        time.sleep(2)
        fig["peak_rss_idle_mib"] = peak_rss_mib(st.proc.pid)
        stop(st.proc)
        st = start(data, port, args.hosts, args.hash_rounds)
        fig |= st.figures("restart_0_servers")
        h = login(base, data)
        img = image(base, h)
        asyncio.run(boot(base, h, img, n))
        stop(st.proc)
        st = start(data, port, args.hosts, args.hash_rounds)
        fig |= st.figures(f"restart_{n}_servers")
        fig[f"peak_rss_restart_{n}_servers_mib"] = peak_rss_mib(st.proc.pid)
        stop(st.proc, signal.SIGKILL)
        st = start(data, port, args.hosts, args.hash_rounds)
        fig |= st.figures(f"restart_{n}_servers_after_sigkill")
        t = time.perf_counter()
        asyncio.run(boot(base, login(base, data), img, args.total - n))
        fig[f"boot_to_{args.total}_servers_s"] = time.perf_counter() - t
        fig[f"peak_rss_after_{args.total}_servers_mib"] = peak_rss_mib(st.proc.pid)
        stop(st.proc)


def _wait_active(base: str, h: dict[str, str], ids: list[str], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = [httpx.get(f"{base}{S}/{i}", headers=h).json()["server"]["status"] for i in ids]
        if any(s == "ERROR" for s in st):
            raise RuntimeError(f"a guest failed to boot: {st}")
        if all(s == "ACTIVE" for s in st):
            return
        time.sleep(1)
    raise RuntimeError("the guests did not become ACTIVE")


def _wait_booted(base: str, h: dict[str, str], ids: list[str],
                 timeout: float = 600) -> float:
    """Seconds until every guest's console log shows its login prompt."""
    t0 = deadline = time.monotonic()
    deadline += timeout
    waiting = set(ids)
    while waiting and time.monotonic() < deadline:
        for i in sorted(waiting):
            r = httpx.post(f"{base}{S}/{i}/action", headers=h, timeout=60,
                           json={"os-getConsoleOutput": {"length": 50}})
            if r.status_code == 200 and "login:" in r.json()["output"]:
                waiting.discard(i)
        time.sleep(2)
    if waiting:
        raise RuntimeError(f"guests {sorted(waiting)} never reached their login prompt")
    return time.monotonic() - t0


def _test_image(base: str, h: dict[str, str], timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = httpx.get(f"{base}/image/v2/images?name=nubo-test", headers=h).json()["images"]
        if found and found[0]["status"] == "active":
            return str(found[0]["id"])
        time.sleep(2)
    raise RuntimeError("the nubo-test image did not become active")


def libvirt_restart(args: argparse.Namespace, fig: dict[str, float]) -> None:
    """Two real guests on the Linux dataplane, SIGKILL, `nubo up` again."""
    cloud_args = ("--virt", "libvirt", "--network", "linux", "--test-image")
    tmp = Path(tempfile.mkdtemp(prefix="nubo-bs-", dir="/tmp"))
    tmp.chmod(0o755)                 # dnsmasq runs as nobody and reads the data dir
    data, port = tmp / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    st: Started | None = None
    try:
        st = start(data, port, 1, args.hash_rounds, cloud_args, timeout=600)
        fig |= st.figures("libvirt_first_start")
        h = login(base, data, "nubo-demo")
        img = _test_image(base, h)
        net = httpx.get(f"{base}/networking/v2.0/networks?name=private",
                        headers=h).json()["networks"][0]["id"]
        ids = [httpx.post(f"{base}{S}", headers=h, json={"server": {
            "name": f"bench-{i}", "imageRef": img, "flavorRef": "1",
            "networks": [{"uuid": net}]}}).json()["server"]["id"] for i in range(2)]
        _wait_active(base, h, ids)
        # TCG guests that are still booting take both cores: measure the restart once they
        # sit at their login prompt, as guests of a cloud being restarted mostly do
        booted = _wait_booted(base, h, ids)
        print(f"libvirt: guests at their login prompt {booted:.1f} s after ACTIVE",
              file=sys.stderr)
        stop(st.proc, signal.SIGKILL)
        st = start(data, port, 1, args.hash_rounds, cloud_args, timeout=600)
        fig |= st.figures("libvirt_restart_2_guests_after_sigkill")
        print(f"libvirt restart: /healthz said {st.first_parts} first, {st.ready_parts} "
              f"when it answered 200", file=sys.stderr)
        _wait_active(base, login(base, data, "nubo-demo"), ids)
        h = login(base, data, "nubo-demo")
        for i in ids:
            httpx.delete(f"{base}{S}/{i}", headers=h)
        gone = time.monotonic() + 120        # stopped mid-delete, libvirt keeps a definition
        while any(httpx.get(f"{base}{S}/{i}", headers=h).status_code != 404 for i in ids):
            if time.monotonic() > gone:
                raise RuntimeError("the bench's guests were not deleted within 120 s")
            time.sleep(0.5)
    finally:
        if st is not None:
            stop(st.proc)
        subprocess.run([NUBO, "host", "cleanup", "--data-dir", str(data), "--purge"],
                       stdout=subprocess.DEVNULL, check=False)
        for log in tmp.glob("nubo-*.log"):      # the two starts' logs, for a look after
            shutil.copy(log, f"/tmp/nubo-startup-libvirt-{log.name}")
            print(f"log kept: /tmp/nubo-startup-libvirt-{log.name}", file=sys.stderr)
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=100)
    ap.add_argument("--total", type=int, default=1000)
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--hash-rounds", type=int, default=4)
    ap.add_argument("--libvirt", action="store_true",
                    help="also two real guests on --virt libvirt --network linux")
    ap.add_argument("--only-libvirt", action="store_true", help="only that case")
    args = ap.parse_args()
    fig: dict[str, float] = {}
    if not args.only_libvirt:
        fake_starts(args, fig)
    if args.libvirt or args.only_libvirt:
        libvirt_restart(args, fig)
    report(fig)


if __name__ == "__main__":
    main()
