"""Running the host tools the guest build needs, with timeouts and errors a person can act on."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

#: host tool -> the Debian package that provides it (scripts/lib.sh RUNTIME_PKGS installs them).
HOST_TOOLS = {
    "apt-get": "apt",
    "apt-cache": "apt",
    "dpkg-deb": "dpkg",
    "depmod": "kmod",
    "mkfs.ext4": "e2fsprogs",
    "debugfs": "e2fsprogs",
    "qemu-img": "qemu-utils",
}

# Debian keeps mkfs.ext4, debugfs and depmod in /sbin, which a non-root PATH may lack.
_SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


class GuestBuildError(Exception):
    """The guest image could not be built; the message says what is missing or what failed."""


def tool(name: str) -> str:
    """The path of host tool `name`, or a GuestBuildError naming the package to install."""
    path = shutil.which(name) or shutil.which(name, path=os.pathsep.join(_SBIN))
    if not path:
        pkg = HOST_TOOLS.get(name, name)
        raise GuestBuildError(
            f"host tool {name!r} not found: install the Debian package {pkg!r} "
            f"(scripts/up.sh does this), e.g. `apt-get install --no-install-recommends {pkg}`")
    return path


def run(argv: Sequence[str | Path], *, timeout: float, cwd: Path | None = None,
        env: Mapping[str, str] | None = None, input: bytes | None = None) -> str:
    """Run a command (no shell); return its stdout, or raise GuestBuildError with its stderr."""
    return run_capture(argv, timeout=timeout, cwd=cwd, env=env, input=input)[0]


def run_capture(argv: Sequence[str | Path], *, timeout: float, cwd: Path | None = None,
                env: Mapping[str, str] | None = None,
                input: bytes | None = None) -> tuple[str, str]:
    """As `run`, returning (stdout, stderr) for tools that report errors but exit 0."""
    args = [str(a) for a in argv]
    full_env = None
    if env is not None:
        full_env = dict(os.environ)
        full_env.update(env)
    try:
        proc = subprocess.run(args, cwd=cwd, env=full_env, input=input, capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        raise GuestBuildError(f"{args[0]} timed out after {timeout:.0f}s: {' '.join(args)}") from e
    except FileNotFoundError as e:
        raise GuestBuildError(f"{args[0]} not found") from e
    if proc.returncode != 0:
        err = (proc.stderr or proc.stdout).decode(errors="replace").strip()
        raise GuestBuildError(f"{' '.join(args)} failed (exit {proc.returncode}): {err[-2000:]}")
    return proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
