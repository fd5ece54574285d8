"""Where dnsmasq's files live: somewhere dnsmasq can read them.

dnsmasq starts as root, then drops to `nobody` (Debian: `dnsmasq`) and re-reads its hosts and
options files on every SIGHUP as that user. Neutron keeps them under its state path, which its
packaging makes searchable by others (0755). Nubo's data dir is whatever the operator gives:
a `mktemp -d` (0700) or a home directory is not searchable, and every reload would fail.
So the files stay under the data dir when every directory up to / lets others through, and
otherwise go to a runtime dir of that data dir, /run/nubo-<hash of its path> (root's, 0755,
gone with a reboot, when the processes are gone too; the full reconcile writes them again).
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from nubo.network.agent.dataplane.base import DataplaneError

RUN_ROOT = Path("/run")


def searchable_by_others(path: Path) -> bool:
    """Whether a process of another user can reach `path` (every existing directory on the
    way has the others' x bit; directories not made yet will be made 0755)."""
    path = path.absolute()
    for p in [path, *path.parents]:
        try:
            mode = p.stat().st_mode
        except FileNotFoundError:
            continue
        if not mode & stat.S_IXOTH:
            return False
    return True


def runtime_dir(data_dir: Path, root: Path = RUN_ROOT) -> Path:
    """The data dir's own runtime dir (one per data dir: two clouds on a host never share)."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return root / f"nubo-{digest}"


def dhcp_root(data_dir: Path, root: Path = RUN_ROOT) -> Path:
    """The directory that holds one directory of dnsmasq files per network."""
    if searchable_by_others(data_dir):
        return data_dir / "dhcp"
    return runtime_dir(data_dir, root) / "dhcp"


def make_readable_dirs(path: Path) -> None:
    """Make `path` and any missing parents 0755 whatever the umask; refuse a directory on
    the way that is a symlink or not ours (someone else could swap what dnsmasq reads)."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir(exist_ok=True)
        os.chmod(d, 0o755)
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
        raise DataplaneError(f"{path} is not a directory of this user (uid {os.geteuid()}); "
                             "it is not used for dnsmasq's files")
    os.chmod(path, 0o755)
