"""Does KVM work here? Decided by booting a Linux kernel under `-accel kvm`, never by the
existence of /dev/kvm (on our machines it exists, and nested guests hang right after the
kernel decompresses: a real-mode boot sector still runs, so only a kernel is a fair test).

The kernel booted has no root disk: it must print its panic "VFS: Unable to mount root"
within a few seconds (a working KVM needs well under one). The verdict is cached per boot id
in the data dir, so each machine boot probes once.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

LOG = logging.getLogger("nubo.compute.libvirt")
QEMU = "qemu-system-x86_64"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
#: a line the kernel prints only after it ran all of its early init
DONE_MARKERS = (b"Unable to mount root", b"Kernel panic", b"Run /init")
PROBE_TIMEOUT = 8.0


@dataclass(frozen=True)
class Verdict:
    virt_type: str           # "kvm" or "qemu" (TCG)
    reason: str              # why not KVM ("" when KVM)
    boot_id: str = ""
    seconds: float = 0.0

    @property
    def line(self) -> str:
        return "virt: KVM" if self.virt_type == "kvm" else \
            f"virt: QEMU TCG (KVM probe failed: {self.reason})"


def _boot_id() -> str:
    try:
        return BOOT_ID.read_text().strip()
    except OSError:
        return ""


def find_kernel(cache_dir: Path, guest_cache: Path | None) -> Path | None:
    """A bootable x86 Linux kernel: the host's own, else the one the guest image builder
    downloaded (unpacked once from its .deb into `cache_dir`)."""
    release = platform.release()
    for cand in (Path(f"/boot/vmlinuz-{release}"), Path("/boot/vmlinuz"), Path("/vmlinuz")):
        if cand.is_file() and os.access(cand, os.R_OK):
            return cand
    unpacked = cache_dir / "probe-vmlinuz"
    if unpacked.is_file():
        return unpacked
    debs = sorted((guest_cache / "debs").glob("linux-image-*.deb")) if guest_cache else []
    for deb in debs:
        try:
            data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)],
                                  capture_output=True, check=True, timeout=60).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        with tempfile.TemporaryFile() as f:
            f.write(data)
            f.seek(0)
            with tarfile.open(fileobj=f) as tar:
                member = next((m for m in tar.getmembers()
                               if m.name.lstrip("./").startswith("boot/vmlinuz-")), None)
                src = tar.extractfile(member) if member else None
                if src is None:
                    continue
                cache_dir.mkdir(parents=True, exist_ok=True)
                tmp = unpacked.with_suffix(".tmp")
                tmp.write_bytes(src.read())
                tmp.replace(unpacked)
                return unpacked
    return None


def run_probe(kernel: Path, timeout: float = PROBE_TIMEOUT, accel: str = "kvm") -> str:
    """'' when the kernel ran under `accel` to its end, else why not."""
    cmd = [QEMU, "-accel", accel, "-display", "none", "-nodefaults", "-no-user-config",
           "-serial", "stdio", "-m", "128", "-no-reboot", "-kernel", str(kernel),
           "-append", "console=ttyS0 panic=-1 quiet loglevel=3"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        assert proc.stdout is not None
        os.set_blocking(proc.stdout.fileno(), False)
        while time.monotonic() < deadline:
            chunk = proc.stdout.read() or b""
            out += chunk
            if any(m in out for m in DONE_MARKERS):
                return ""
            if proc.poll() is not None and not chunk:
                tail = out.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
                return f"qemu exited {proc.returncode}: {tail[0][:200]}"
            time.sleep(0.05)
        if b"KVM internal error" in out:
            return "KVM internal error (emulation failure), as with broken nested KVM"
        return f"a Linux kernel did not finish booting within {timeout:.0f} s under KVM"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def decide(data_dir: Path, guest_cache: Path | None = None, force: str | None = None
           ) -> Verdict:
    """KVM or TCG for this machine boot; `force` ("kvm"/"qemu") skips the probe."""
    boot_id = _boot_id()
    if force in ("kvm", "qemu"):
        return Verdict(force, "" if force == "kvm" else "TCG forced by configuration",
                       boot_id)
    cache = data_dir / "cache" / "kvm-probe.json"
    try:
        doc = json.loads(cache.read_text())
        if doc.get("boot_id") == boot_id and boot_id:
            return Verdict(**doc)
    except (OSError, ValueError, TypeError):
        pass
    t0 = time.monotonic()
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        reason = "/dev/kvm is missing or not accessible"
    elif not shutil.which(QEMU):
        reason = f"{QEMU} is not installed"
    else:
        kernel = find_kernel(data_dir / "cache", guest_cache)
        reason = ("no Linux kernel to probe with (no /boot/vmlinuz, no guest image cache)"
                  if kernel is None else run_probe(kernel))
        if kernel is None:      # not a verdict to keep: the next start may have a kernel
            return Verdict("qemu", reason, boot_id)
    verdict = Verdict("qemu" if reason else "kvm", reason, boot_id,
                      round(time.monotonic() - t0, 2))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(asdict(verdict)))
    return verdict
