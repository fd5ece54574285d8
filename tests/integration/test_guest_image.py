"""The test guest image: built from Debian packages, a valid qcow2, cached, reproducible, and it
boots under plain QEMU/TCG from its own disk with a config drive.

The image cache lives in /tmp/nubo-guest-cache-<uid> across runs (the first build takes
seconds, later ones hit the cache); NUBO_TEST_GUEST_CACHE overrides it. The boot has no NIC
(`-nic none`): the guest skips DHCP, reads the config drive and must reach `ready`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from nubo.guest import BuildResult, build_test_image
from nubo.guest.configdrive import build_config_drive
from tests.install import need_tools

QEMU = "qemu-system-x86_64"
BOOT_TIMEOUT = 120.0
KEY1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3Qta2V5LW9uZS1mb3ItbnViby1ndWVzdA it@nubo"
KEY2 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDtest it2@nubo"
HOSTNAME = "nubo-it-vm"


def _need(*tools: str) -> None:
    need_tools(*tools)     # scripts/lib.sh RUNTIME_PKGS


@pytest.fixture(scope="session")
def guest_cache() -> Path:
    _need("apt-get", "apt-cache", "dpkg-deb", "qemu-img")
    default = Path("/tmp") / f"nubo-guest-cache-{os.getuid()}"
    return Path(os.environ.get("NUBO_TEST_GUEST_CACHE", default))


@pytest.fixture(scope="session")
def image(guest_cache: Path) -> BuildResult:
    return build_test_image(guest_cache)


def qemu_img_info(path: Path) -> dict[str, object]:
    out = subprocess.run(["qemu-img", "info", "--output=json", str(path)], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    return dict(json.loads(out))


def test_image_is_a_valid_compressed_qcow2(image: BuildResult) -> None:
    assert image.path.is_file() and image.path.suffix == ".qcow2"
    check = subprocess.run(["qemu-img", "check", "-f", "qcow2", str(image.path)],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    info = qemu_img_info(image.path)
    assert info["format"] == "qcow2"
    assert info["virtual-size"] == image.virtual_size
    assert image.size == image.path.stat().st_size < image.virtual_size
    assert image.kernel.endswith("-cloud-amd64")


def test_second_build_hits_the_cache(image: BuildResult, guest_cache: Path) -> None:
    again = build_test_image(guest_cache)
    assert again.cached
    assert (again.path, again.sha256, again.key) == (image.path, image.sha256, image.key)
    assert again.seconds < 2.0


def test_clean_rebuild_is_byte_identical(image: BuildResult, guest_cache: Path,
                                         tmp_path: Path) -> None:
    """A forced build into an empty cache (packages reused) gives the same bytes."""
    rebuilt = build_test_image(tmp_path / "cache", debs_dir=guest_cache / "debs", force=True)
    assert not rebuilt.cached
    assert rebuilt.key == image.key
    assert rebuilt.sha256 == image.sha256


class Qmp:
    """Just enough QMP to press the ACPI power button."""

    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.settimeout(timeout)
                self.sock.connect(str(path))
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.file = self.sock.makefile("rwb")
        self._read()  # greeting
        self.execute("qmp_capabilities")

    def _read(self) -> dict[str, object]:
        while True:
            msg = json.loads(self.file.readline())
            if "event" not in msg:
                return dict(msg)

    def execute(self, command: str) -> dict[str, object]:
        self.file.write(json.dumps({"execute": command}).encode() + b"\n")
        self.file.flush()
        reply = self._read()
        assert "return" in reply, reply
        return reply

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@contextmanager
def qemu_vm(workdir: Path, disk: Path, config_drive: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A q35/TCG VM booting `disk` from SeaBIOS, config drive on virtio-blk (the cloud kernel
    has no AHCI), no NIC, serial console to workdir/console.log. Always killed on exit."""
    argv = [QEMU, "-machine", "q35", "-accel", "tcg", "-m", "256", "-smp", "1",
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-nic", "none",
            "-drive", f"file={disk},if=virtio,format=qcow2",
            "-drive", f"file={config_drive},if=virtio,format=raw,readonly=on",
            "-device", "virtio-rng-pci",
            "-serial", f"file:{workdir / 'console.log'}",
            "-qmp", f"unix:{workdir / 'qmp.sock'},server=on,wait=off"]
    with (workdir / "qemu.log").open("wb") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def wait_for(log: Path, proc: subprocess.Popen[bytes], done: tuple[str, ...],
             timeout: float) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if any(marker in text for marker in done):
            return text
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"none of {done} within {timeout:.0f}s (qemu exit {proc.poll()}); "
                         f"console tail:\n{text[-3000:]}")


def markers(console: str) -> list[str]:
    return [ln.strip() for ln in console.splitlines() if ln.startswith("nubo-guest:")]


def test_boots_from_its_disk_with_a_config_drive(image: BuildResult, tmp_path: Path) -> None:
    _need(QEMU)
    overlay = tmp_path / "disk.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                    str(image.path), str(overlay)], check=True, timeout=30)
    meta = {"uuid": "5d2c1a7e-0000-4000-8000-000000000001", "name": HOSTNAME,
            "hostname": f"{HOSTNAME}.novalocal",
            "public_keys": {"one": KEY1 + "\n", "two": KEY2},
            "keys": [{"name": "one", "type": "ssh", "data": KEY1 + "\n"}]}
    user_data = "#!/bin/sh\necho userdata-was-here $(hostname)\nexit 0\n"
    drive = build_config_drive(tmp_path / "config.iso", meta, user_data=user_data)
    console = tmp_path / "console.log"

    t0 = time.monotonic()
    with qemu_vm(tmp_path, overlay, drive) as proc:
        text = wait_for(console, proc, ("nubo-guest: ready", "nubo-guest: degraded"),
                        BOOT_TIMEOUT)
        boot_to_ready = time.monotonic() - t0
        lines = markers(text)
        assert any(m.startswith("nubo-guest: initramfs root=") for m in lines), lines
        assert any(m.startswith("nubo-guest: dhcp skipped no-nic") for m in lines), lines
        assert any(m.startswith("nubo-guest: metadata ok source=configdrive uuid=5d2c1a7e-"
                                f"0000-4000-8000-000000000001 hostname={HOSTNAME} keys=2 ")
                   for m in lines), lines
        assert any(m.startswith("nubo-guest: sshd ok port=22 hostkey=ssh-ed25519 AAAA")
                   for m in lines), lines
        assert f"userdata: userdata-was-here {HOSTNAME}" in text
        assert any(m.startswith("nubo-guest: userdata ran rc=0") for m in lines), lines
        assert any(m.startswith(f"nubo-guest: ready ip=none hostname={HOSTNAME}")
                   for m in lines), lines
        print(f"boot-to-ready {boot_to_ready:.1f}s (TCG)")

        # The ACPI power button (what `virsh shutdown` presses) powers the guest off cleanly.
        qmp = Qmp(tmp_path / "qmp.sock")
        try:
            qmp.execute("system_powerdown")
        finally:
            qmp.close()
        proc.wait(timeout=60)
        assert proc.returncode == 0
        assert "nubo-guest: shutdown" in console.read_text(errors="replace")
