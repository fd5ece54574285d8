"""End-to-end fixtures: a real `nubo up` process on a free port, and the real clients."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from tests.install import clients_venv, missing

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nubo_bin() -> str:
    exe = Path(sys.executable).parent / "nubo"
    return str(exe) if exe.exists() else "nubo"


def clients_bin(name: str) -> str:
    path = clients_venv() / "bin" / name
    if not path.exists():
        found = shutil.which(name)
        if found:
            return found
        missing("clients", f"{name} is not installed in {clients_venv()}")
    return str(path)


@dataclass
class Cloud:
    proc: subprocess.Popen[bytes]
    data_dir: Path
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def clouds_yaml(self) -> Path:
        return self.data_dir / "clouds.yaml"

    def password(self, cloud: str = "nubo") -> str:
        doc = yaml.safe_load(self.clouds_yaml.read_text())
        return str(doc["clouds"][cloud]["auth"]["password"])

    def env(self, cloud: str = "nubo", **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(OS_CLIENT_CONFIG_FILE=str(self.clouds_yaml), OS_CLOUD=cloud, **extra)
        return env


def start_nubo(data_dir: Path, port: int, *extra: str, timeout: float = 30,
               test_image: bool = False, command: list[str] | None = None,
               env_extra: dict[str, str] | None = None) -> Cloud:
    """`command` replaces the `nubo` executable (an older release's code, say)."""
    log = data_dir.parent / f"nubo-{port}.log"
    env = dict(os.environ, NUBO_PASSWORD_HASH_ROUNDS="4", **(env_extra or {}))
    if test_image:   # share the guest build cache with tests/integration/test_guest_image.py
        env["NUBO_GUEST_CACHE_DIR"] = os.environ.get(
            "NUBO_TEST_GUEST_CACHE", f"/tmp/nubo-guest-cache-{os.getuid()}")
    with open(log, "ab") as out:
        proc = subprocess.Popen([*(command or [nubo_bin()]), "up", "--data-dir",
                                 str(data_dir), "--port", str(port), "--virt", "fake",
                                 "--network", "noop",
                                 "--test-image" if test_image else "--no-test-image", *extra],
                                stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    cloud = Cloud(proc, data_dir, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nubo up exited {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{cloud.url}/healthz", timeout=1).status_code == 200 and \
                    cloud.clouds_yaml.exists():
                return cloud
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    stop_nubo(cloud, signal.SIGKILL)
    raise RuntimeError(f"nubo up not ready in {timeout}s:\n{log.read_text()}")


def stop_nubo(cloud: Cloud, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
    if cloud.proc.poll() is None:
        cloud.proc.send_signal(sig)
        try:
            cloud.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(cloud.proc.pid, signal.SIGKILL)
            cloud.proc.wait()
    return cloud.proc.returncode


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    c = start_nubo(tmp_path / "data", free_port())
    try:
        yield c
    finally:
        stop_nubo(c)


@pytest.fixture(scope="module")
def shared_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    c = start_nubo(tmp_path_factory.mktemp("cloud") / "data", free_port())
    try:
        yield c
    finally:
        stop_nubo(c)
