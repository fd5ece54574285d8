"""The lines `nubo up` prints once it serves: shell commands that work as printed.

Lines indented by two spaces are commands a user pastes into a shell, in order; notes are in
parentheses. The `openstack` CLI is usually not on the PATH of a fresh machine: scripts/up.sh
installs it in the project's `.venv-clients` and passes its directory (`NUBO_CLIENTS_BIN`), and
the export line puts it on PATH.
"""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

#: the install hint when no `openstack` command can be found
CLIENT_HINT = ("no `openstack` command found: ./scripts/up.sh installs it in .venv-clients, "
               "or: pip install python-openstackclient")


@dataclass(frozen=True)
class TestImageState:
    """Where the background build of the `nubo-test` image stands."""

    __test__ = False        # not a pytest test class, whatever its name

    status: str          # "queued", "saving", "active", "failed", "off"
    message: str = ""
    fraction: float = 0.0


def ready_banner(base_url: str, identity_url: str, clouds: Path | None, first: bool,
                 data_dir: Path, clients_bin: Path | None,
                 test_image: TestImageState | None = None,
                 converging: list[str] | None = None) -> list[str]:
    lines = [f"Nubo is ready at {base_url} (identity: {identity_url}/v3)"]
    others = [p for p in converging or [] if p != "test-image"]
    if others:     # the test image has a line of its own
        lines.append(f"  (still converging: {', '.join(others)}; requests that need them "
                     f"wait for them; {base_url}/healthz lists each part until it is ready)")
    if not clouds:
        lines.append(f"  ({data_dir}/clouds.yaml is missing; the admin password was set "
                     "on first start)")
        return lines
    export = f"  export OS_CLIENT_CONFIG_FILE={shlex.quote(str(clouds))} OS_CLOUD=nubo"
    hint = None
    if clients_bin is not None and (clients_bin / "openstack").exists():
        export += f" PATH={shlex.quote(str(clients_bin))}:$PATH"
    elif shutil.which("openstack") is None:
        hint = f"  ({CLIENT_HINT})"
    lines += [export, "  openstack token issue"]
    if hint:
        lines.append(hint)
    lines.append(f"  (the dashboard: {base_url}/, log in as admin or demo)")
    if first:
        lines.append(f"  (admin and demo passwords are in {clouds})")
    if test_image is not None and test_image.status in ("queued", "saving"):
        lines.append(f"  (the test image nubo-test is still being built: {test_image.message}, "
                     f"{int(test_image.fraction * 100)}%; `openstack image list` shows it "
                     f"{test_image.status}, then active; progress follows on this terminal)")
    elif test_image is not None and test_image.status == "failed":
        lines.append(f"  (the test image nubo-test could not be built: {test_image.message})")
    return lines
