"""The system libvirtd: connect to it, or configure and start one where none runs.

Our machines have no systemd, so `nubo up` starts `virtlogd` and `libvirtd` itself when
`qemu:///system` does not answer (after making qemu.conf run guests as root without a
security driver or cgroups, as DESIGN.md's machine facts say), remembers which daemons it
started (their pid files) and stops only those. A libvirtd somebody else runs is used and
left alone.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOG = logging.getLogger("nubo.compute.libvirt")
URI = "qemu:///system"
QEMU_CONF = Path("/etc/libvirt/qemu.conf")
RUN_DIR = Path("/run/libvirt")
#: qemu.conf settings a daemon we start needs here (no cgroups, no AppArmor, root guests)
QEMU_SETTINGS = {"user": '"root"', "group": '"root"', "security_driver": '"none"',
                 "cgroup_controllers": "[ ]"}


class LibvirtUnavailable(RuntimeError):
    """No libvirtd answers and none could be started; the message says why."""


def configure_qemu_conf(text: str, settings: dict[str, str] | None = None) -> str:
    """qemu.conf with each setting set once (pure; applying it twice changes nothing).

    An existing uncommented `key = ...` line is replaced in place; otherwise the setting is
    appended."""
    out = text
    for key, value in (settings or QEMU_SETTINGS).items():
        line = f"{key} = {value}"
        pattern = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=.*$", re.MULTILINE)
        if pattern.search(out):
            out = pattern.sub(line, out, count=1)
        else:
            out = out + ("" if out.endswith("\n") or not out else "\n") + line + "\n"
    return out


def _open(uri: str) -> Any:
    import libvirt

    # libvirt prints every error to stderr by default; we report them ourselves
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    return libvirt.open(uri)


def _pid_alive(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class LibvirtHost:
    """The connection to the local libvirtd, starting one if needed (`ensure`)."""

    uri: str = URI
    qemu_conf: Path = QEMU_CONF
    run_dir: Path = RUN_DIR
    start_timeout: float = 15.0
    #: daemons this process started: name -> pid file
    started: dict[str, Path] = field(default_factory=dict)

    def connect(self) -> Any:
        """A connection to a running libvirtd (libvirt.libvirtError when none answers)."""
        return _open(self.uri)

    def reachable(self) -> bool:
        try:
            self.connect().close()
            return True
        except Exception:  # noqa: BLE001 - libvirt missing or no daemon: both mean no
            return False

    def can_start(self) -> str | None:
        """Why this process could not start a libvirtd (None: it can)."""
        if os.geteuid() != 0:
            return "not root, and no libvirtd answers on " + self.uri
        missing = [b for b in ("libvirtd", "virtlogd", "qemu-system-x86_64", "qemu-img")
                   if not shutil.which(b)]
        if missing:
            return f"{', '.join(missing)} not installed (scripts/lib.sh RUNTIME_PKGS)"
        try:
            import libvirt  # noqa: F401
        except ImportError:
            return "the libvirt-python module is not installed (pip install libvirt-python)"
        return None

    def ensure(self) -> Any:
        """A connection; starts virtlogd + libvirtd first when none answers."""
        try:
            conn = self.connect()
            self.adopt()
            return conn
        except ImportError as exc:
            raise LibvirtUnavailable(f"libvirt-python is not installed: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - libvirtError: nothing listens
            first = exc
        why = self.can_start()
        if why:
            raise LibvirtUnavailable(f"cannot reach {self.uri} ({first}); {why}")
        self._prepare()
        for name in ("virtlogd", "libvirtd"):
            self._start(name)
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                conn = self.connect()
                LOG.info("started libvirtd (%s) for this node", self.uri)
                return conn
            except Exception as exc:  # noqa: BLE001
                if time.monotonic() > deadline:
                    self.stop()
                    raise LibvirtUnavailable(f"libvirtd started but {self.uri} does not "
                                             f"answer: {exc}") from exc
                time.sleep(0.1)

    def _prepare(self) -> None:
        """The user, directories and qemu.conf a hand-started libvirtd needs (idempotent)."""
        if subprocess.run(["getent", "group", "libvirt-qemu"], capture_output=True).returncode:
            subprocess.run(["groupadd", "--system", "libvirt-qemu"], check=True)
        if subprocess.run(["getent", "passwd", "libvirt-qemu"],
                          capture_output=True).returncode:
            subprocess.run(["useradd", "--system", "-g", "libvirt-qemu", "-d",
                            "/var/lib/libvirt", "-s", "/usr/sbin/nologin", "libvirt-qemu"],
                           check=True)
        for d in (Path("/var/log/libvirt/qemu"), self.run_dir, Path("/var/lib/libvirt/qemu")):
            d.mkdir(parents=True, exist_ok=True)
        old = self.qemu_conf.read_text() if self.qemu_conf.exists() else ""
        new = configure_qemu_conf(old)
        if new != old:
            tmp = self.qemu_conf.with_name(self.qemu_conf.name + ".nubo-tmp")
            tmp.write_text(new)
            os.replace(tmp, self.qemu_conf)
            LOG.info("configured %s for a libvirtd without systemd", self.qemu_conf)

    def adopt(self) -> None:
        """Daemons a node started before it was killed (kill -9 skips its stop) are this
        node's to stop now, so that they do not outlive every node."""
        for name in ("virtlogd", "libvirtd"):
            pid_file = self.run_dir / f"nubo-{name}.pid"
            if _pid_alive(pid_file):
                self.started.setdefault(name, pid_file)

    def _start(self, name: str) -> None:
        pid_file = self.run_dir / f"nubo-{name}.pid"
        if _pid_alive(pid_file):
            self.started.setdefault(name, pid_file)     # ours from a start that was killed
            return
        other = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True)
        if (other.returncode == 0 and name == "virtlogd"
                and (self.run_dir / "virtlogd-sock").exists()):
            # somebody else's virtlogd serves libvirtd just as well, as long as its socket is
            # there (a virtlogd whose socket another one's exit removed serves nobody)
            return
        res = subprocess.run([name, "-d", "-p", str(pid_file)], capture_output=True,
                             text=True, timeout=30)
        if res.returncode != 0:
            raise LibvirtUnavailable(f"{name} -d failed: {(res.stderr or res.stdout).strip()}")
        self.started[name] = pid_file

    def stop(self) -> None:
        """Stop the daemons this process started (libvirtd first), nothing else. Guests keep
        running: QEMU does not depend on libvirtd, the next libvirtd finds them again."""
        for name in ("libvirtd", "virtlogd"):
            pid_file = self.started.pop(name, None)
            pid = _pid_alive(pid_file) if pid_file else None
            if pid is None:
                continue
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _pid_alive(pid_file) and time.monotonic() < deadline:  # type: ignore[arg-type]
                time.sleep(0.05)
            LOG.info("stopped %s (pid %d) that this node had started", name, pid)
