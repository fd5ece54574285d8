"""A private RabbitMQ node for a test that must kill and restart its broker (the machine's
shared one, on 5672, serves other tests and CI and is never touched).

The node runs from /usr/lib/rabbitmq/bin/rabbitmq-server with a node name, AMQP port,
distribution port and epmd of its own (started here, in the foreground, on a port of its own),
and its database, logs, config and plugins file under a temporary directory, as
/work/shared/anchors/start-anchors.sh runs its 'anchor@localhost'. `kill()` is a kill -9 of the
whole node (its session); `start()` again brings it back on the same database, so the durable
quorum queues and their messages survive, as after a power cut. `close()` ends everything it
started, epmd too, and removes the directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class PrivateRabbit:
    def __init__(self) -> None:
        if not SERVER.exists() or shutil.which("epmd") is None \
                and not list(Path("/usr/lib/erlang").glob("erts-*/bin/epmd")):
            pytest.skip("rabbitmq-server (and Erlang's epmd) not installed")
        self.root = Path(tempfile.mkdtemp(prefix="nubo-rabbit-"))
        self.port = _free_port()
        self.dist_port = _free_port()
        self.epmd_port = _free_port()
        self.node = f"nubotest{self.port}@localhost"
        (self.root / "enabled_plugins").write_text("[].\n")
        (self.root / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            # connection counters (rabbitmqctl list_connections) fresh to half a second
            "collect_statistics_interval = 500\n")
        (self.root / "env.conf").write_text("")
        self._epmd: subprocess.Popen[bytes] | None = None
        self._server: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        r = self.root
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(r),
                "LANG": "C.UTF-8", "RABBITMQ_CONF_ENV_FILE": str(r / "env.conf"),
                "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "ERL_EPMD_ADDRESS": "127.0.0.1", "ERL_EPMD_PORT": str(self.epmd_port),
                "RABBITMQ_CONFIG_FILE": str(r / "rabbitmq.conf"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(r / "enabled_plugins"),
                "RABBITMQ_MNESIA_BASE": str(r / "mnesia"),
                "RABBITMQ_LOG_BASE": str(r / "log"),
                "RABBITMQ_PID_FILE": str(r / "rabbit.pid"),
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS":
                    "-kernel inet_dist_use_interface {127,0,0,1}"}

    def start(self, within: float = 90) -> None:
        """Start the node (and its epmd the first time) and wait for its AMQP port."""
        env = self._env()
        if self._epmd is None:
            epmd = shutil.which("epmd") or str(
                next(Path("/usr/lib/erlang").glob("erts-*/bin/epmd")))
            self._epmd = subprocess.Popen([epmd, "-port", str(self.epmd_port), "-address",
                                           "127.0.0.1"], env=env, start_new_session=True,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(self.root / "server.out", "ab") as out:
            self._server = subprocess.Popen([str(SERVER)], env=env, cwd=self.root,
                                            stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + within
        while not _listening(self.port):
            if self._server.poll() is not None or time.monotonic() > deadline:
                log = (self.root / "server.out").read_text(errors="replace")[-3000:]
                self.kill()
                raise AssertionError(f"private RabbitMQ did not start:\n{log}")
            time.sleep(0.2)

    def ctl(self, *args: str, timeout: float = 60) -> str:
        """rabbitmqctl on this node (its name, epmd and cookie); its output."""
        done = subprocess.run([str(SERVER.parent / "rabbitmqctl"), "-q", *args],
                              env=self._env(), cwd=self.root,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"rabbitmqctl {' '.join(args)}: {done.stderr}")
        return done.stdout

    def kill(self) -> None:
        """kill -9 the node: its whole session (the launcher, beam, erl_child_setup)."""
        if self._server is None:
            return
        try:
            os.killpg(self._server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._server.wait()
        self._server = None
        deadline = time.monotonic() + 10
        while _listening(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)

    def close(self) -> None:
        self.kill()
        if self._epmd is not None:
            try:
                os.killpg(self._epmd.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._epmd.wait()
            self._epmd = None
        shutil.rmtree(self.root, ignore_errors=True)
