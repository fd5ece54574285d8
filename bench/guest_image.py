"""Test guest image benchmark: prints figures, asserts nothing about time.

    .venv/bin/python bench/guest_image.py [--debs-dir DIR] [--boots 1]

Measures, in throwaway directories: a cold build that downloads the packages (skipped with
--debs-dir, which reuses a download cache), a cold build with the packages already
downloaded, a cached build, the image's size, and boot-to-ready under QEMU/TCG (q35, disk
boot through SeaBIOS and syslinux, config drive on virtio-blk, no NIC): seconds from
starting qemu to the guest's `nubo-guest: ready` console line.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nubo.guest import BuildResult, build_test_image
from nubo.guest.configdrive import build_config_drive

MARKERS = ("nubo-guest: ready", "nubo-guest: degraded")


def boot_once(image: BuildResult, work: Path, timeout: float = 180.0) -> tuple[float, str]:
    """Seconds from starting qemu to ready/degraded, and that console line."""
    overlay = work / "disk.qcow2"
    overlay.unlink(missing_ok=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                    str(image.path), str(overlay)], check=True, timeout=30)
    drive = build_config_drive(work / "config.iso", {"uuid": "bench", "hostname": "bench",
                                                     "public_keys": {}})
    console = work / "console.log"
    console.unlink(missing_ok=True)
    argv = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "256",
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-nic", "none",
            "-drive", f"file={overlay},if=virtio,format=qcow2",
            "-drive", f"file={drive},if=virtio,format=raw,readonly=on",
            "-device", "virtio-rng-pci", "-serial", f"file:{console}"]
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while time.monotonic() - t0 < timeout:
            text = console.read_text(errors="replace") if console.exists() else ""
            for line in text.splitlines():
                if line.startswith(MARKERS):
                    return time.monotonic() - t0, line.strip()
            if proc.poll() is not None:
                raise SystemExit(f"qemu exited with {proc.returncode}")
            time.sleep(0.05)
        raise SystemExit(f"no ready/degraded line within {timeout:.0f}s")
    finally:
        proc.kill()
        proc.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--debs-dir", type=Path,
                    help="reuse this package download cache (no download figure)")
    ap.add_argument("--boots", type=int, default=1)
    args = ap.parse_args()
    for tool in ("qemu-img", "qemu-system-x86_64"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (scripts/lib.sh RUNTIME_PKGS installs it)")

    with tempfile.TemporaryDirectory(prefix="nubo-bench-guest-") as tmp:
        root = Path(tmp)
        debs = args.debs_dir or root / "debs"
        if args.debs_dir is None:
            r = build_test_image(root / "c1", debs_dir=debs)
            print(f"cold build, with downloads   {r.seconds:6.2f} s")
        r = build_test_image(root / "c2", debs_dir=debs)
        print(f"cold build, packages cached  {r.seconds:6.2f} s")
        c = build_test_image(root / "c2", debs_dir=debs)
        print(f"cached build                 {c.seconds * 1000:6.1f} ms (cached={c.cached})")
        print(f"image                        {r.size} bytes qcow2 ({r.size / 2**20:.1f} MiB), "
              f"virtual {r.virtual_size} bytes ({r.virtual_size / 2**20:.0f} MiB)")
        print(f"kernel                       {r.kernel}")
        print(f"sha256                       {r.sha256}")
        for i in range(args.boots):
            seconds, line = boot_once(r, root)
            uptime = re.search(r"uptime=([0-9.]+)", line)
            print(f"boot-to-ready (TCG, q35) #{i + 1}  {seconds:6.2f} s "
                  f"(guest uptime {uptime.group(1) if uptime else '?'} s): {line}")


if __name__ == "__main__":
    main()
