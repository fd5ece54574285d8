"""What the install step provides must not turn into a skip.

scripts/test.sh installs the clients venv (openstack CLI, Tempest), the runtime packages
(scripts/lib.sh RUNTIME_PKGS: qemu, libvirt, dnsmasq, nftables, noVNC, ...) and the databases,
and then exports a NUBO_TEST_REQUIRE_* variable for each. A test that finds such a piece
missing calls `missing`: a skip on a machine where nobody promised it, a failure where the
install step did (a skip there would hide a broken install and the tests it should run).
"""

from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path
from typing import Literal, NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[1]

Piece = Literal["clients", "runtime", "dbs", "guest_tools"]
REQUIRE: dict[Piece, str] = {
    "clients": "NUBO_TEST_REQUIRE_CLIENTS",
    "runtime": "NUBO_TEST_REQUIRE_RUNTIME",
    "dbs": "NUBO_TEST_REQUIRE_DBS",
    "guest_tools": "NUBO_TEST_REQUIRE_GUEST_TOOLS",
}


def required(piece: Piece) -> bool:
    return os.environ.get(REQUIRE[piece]) == "1"


def missing(piece: Piece, what: str) -> NoReturn:
    """Skip, or fail when the install step was to provide `what`."""
    if required(piece):
        pytest.fail(f"{what}, but {REQUIRE[piece]}=1: the install step (scripts/test.sh) "
                    "provides it")
    pytest.skip(f"{what} (scripts/test.sh installs it)")


def clients_venv() -> Path:
    """The clients virtualenv: $NUBO_CLIENTS_VENV (scripts/test.sh exports it), else the
    project's own .venv-clients."""
    return Path(os.environ.get("NUBO_CLIENTS_VENV") or ROOT / ".venv-clients")


def clients_site_packages() -> str | None:
    found = sorted(glob.glob(str(clients_venv() / "lib" / "python3*" / "site-packages")))
    return found[-1] if found else None


def need_tools(*tools: str, piece: Piece = "runtime") -> None:
    """The commands a test runs; `missing` for those not on PATH."""
    absent = [t for t in tools if shutil.which(t) is None]
    if absent:
        missing(piece, f"{', '.join(absent)} not installed")


def need_libvirt() -> None:
    """A libvirt this process can drive. Without root it is a skip whatever was installed
    (libvirtd runs the guests as root here); with root the install step provides it."""
    if os.geteuid() != 0:
        pytest.skip("libvirt not usable: needs root (libvirtd runs guests as root here)")
    try:
        from nubo.compute.agent.virt.libvirt.driver import libvirt_usable
    except ImportError as exc:
        missing("runtime", f"libvirt-python missing: {exc}")
    why = libvirt_usable()
    if why:
        missing("runtime", f"libvirt not usable: {why}")
