"""Appliers for documents that are not netlink: nftables rulesets and the supervised processes
(dnsmasq, metadata proxies). Blocking: call them in a worker thread.

Processes are found by pid files under the data dir and checked against /proc/<pid>/cmdline,
so a Nubo restart (or kill -9) finds them again and a recycled pid is never mistaken for them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nubo.network.agent.dataplane.base import METADATA_IP, DataplaneError
from nubo.network.agent.dataplane.linux.apply_links import run
from nubo.network.agent.dataplane.linux.rundir import make_readable_dirs


def apply_nft(doc: dict[str, Any], netns: str | None = None) -> None:
    """Commit a rendered document in one `nft -j -f` transaction (all or nothing)."""
    run(["nft", "-j", "-f", "-"], netns, input=json.dumps(doc))


def delete_nft_table(family: str, table: str, netns: str | None = None) -> None:
    run(["nft", "delete", "table", family, table], netns, check=False)


def write_atomic(path: Path, text: str) -> bool:
    """Write a file by rename (readers never see half of it); False when already so."""
    if path.exists() and path.read_text() == text:
        return False
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return True


def read_pid(pid_file: Path, must_contain: str) -> int | None:
    """The pid in the file when that process is alive and its command line names `must_contain`."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, ValueError):
        return None
    return pid if must_contain in cmdline else None


def stop(pid_file: Path, must_contain: str, timeout: float = 3.0) -> bool:
    """Terminate the process named by the pid file (if alive); True when one was stopped."""
    pid = read_pid(pid_file, must_contain)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while read_pid(pid_file, must_contain) == pid and time.monotonic() < deadline:
            time.sleep(0.02)
        if read_pid(pid_file, must_contain) == pid:
            os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return pid is not None


def _wait_pid(pid_file: Path, must_contain: str, what: str, log: Path | None = None) -> int:
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        pid = read_pid(pid_file, must_contain)
        if pid is not None:
            return pid
        time.sleep(0.02)
    detail = log.read_text()[-500:] if log and log.exists() else ""
    raise DataplaneError(f"{what} did not start {detail}".strip())


def _check_traversable(path: Path) -> None:
    """dnsmasq drops root for `nobody` and re-reads its hosts file on SIGHUP as that user:
    a data dir others cannot enter would make every reload fail silently."""
    for p in [path, *path.resolve().parents]:
        if not p.stat().st_mode & 0o001:
            raise DataplaneError(f"{p} is not searchable by others (mode "
                                 f"{oct(p.stat().st_mode & 0o777)}); dnsmasq runs as nobody and "
                                 f"reads {path} (chmod o+x {p})")


TAG_MARK = ",set:"


class Dnsmasq:
    """One dnsmasq per network, in its qdhcp namespace, files under `dir`."""

    def __init__(self, dir: Path, netns: str) -> None:
        self.dir, self.netns = dir, netns
        self.pid_file = dir / "pid"

    def ensure(self, args: Sequence[str], hosts: str, opts: str) -> str:
        """Start, reload (SIGHUP) or restart (changed command line); returns what it did."""
        make_readable_dirs(self.dir)
        _check_traversable(self.dir)
        host_file = self.dir / "host"
        old_hosts = host_file.read_text() if host_file.exists() else ""
        changed = write_atomic(host_file, hosts) | write_atomic(self.dir / "opts", opts)
        cmdline = "\n".join(args) + "\n"
        same_args = write_atomic(self.dir / "cmdline", cmdline) is False
        pid = read_pid(self.pid_file, str(self.dir))
        # dnsmasq (2.86-2.90 at least) dies on SIGHUP when its hosts file tags a host
        # (`set:`, for a port's extra DHCP options) that has a lease: such a change restarts
        # it instead (the lease file keeps the leases).
        tagged = TAG_MARK in old_hosts or TAG_MARK in hosts
        if pid is not None and same_args and not (changed and tagged):
            if changed:
                os.kill(pid, signal.SIGHUP)
                return "reloaded"
            return "unchanged"
        if pid is not None:
            stop(self.pid_file, str(self.dir))
        (self.dir / "leases").touch()
        run(["dnsmasq", *args], self.netns)      # daemonizes once it has bound its sockets
        _wait_pid(self.pid_file, str(self.dir), f"dnsmasq in {self.netns}")
        return "started"

    def stop(self) -> bool:
        return stop(self.pid_file, str(self.dir))


class MetadataProxy:
    """The metadata proxy of one namespace (router or isolated network)."""

    def __init__(self, pid_file: Path, netns: str, target: str, router_id: str | None = None,
                 network_id: str | None = None, port: int = 80) -> None:
        self.pid_file, self.netns, self.target = pid_file, netns, target
        self.router_id, self.network_id, self.port = router_id, network_id, port
        self.tag = f"--pid-file={pid_file}"

    def ensure(self) -> str:
        if read_pid(self.pid_file, self.tag) is not None:
            return "unchanged"
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        cmd = ["setsid", "-f", "ip", "netns", "exec", self.netns, sys.executable, "-m",
               "nubo.network.agent.dataplane.linux.metadata_proxy",
               f"--listen={METADATA_IP}:{self.port}",
               f"--target={self.target}", self.tag]
        cmd += [f"--router-id={self.router_id}"] if self.router_id else []
        cmd += [f"--network-id={self.network_id}"] if self.network_id else []
        log = self.pid_file.with_suffix(".log")
        with open(log, "ab") as out:
            # setsid -f: the proxy is not our child (no zombie) and outlives a Nubo restart.
            subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, check=True,
                           env={**os.environ, "PYTHONPATH": _package_root()}, timeout=30)
        _wait_pid(self.pid_file, self.tag, f"metadata proxy in {self.netns}", log)
        return "started"

    def stop(self) -> bool:
        return stop(self.pid_file, self.tag)


def _package_root() -> str:
    """So that the proxy imports this very copy of Nubo (an editable install or a checkout)."""
    root = str(Path(__file__).resolve().parents[5])
    extra = os.environ.get("PYTHONPATH")
    return f"{root}:{extra}" if extra else root
