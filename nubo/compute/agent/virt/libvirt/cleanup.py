"""Remove one data dir's guests from libvirt and stop the daemons a node started
(`nubo host cleanup`).

A domain is this data dir's when it is named like Nubo's (instance-%08x) and a disk of it lies
under DATA_DIR/instances: a domain of another cloud or of anyone else is never touched. The
libvirtd and virtlogd a node started (their pid files /run/libvirt/nubo-*.pid, see host.py)
are stopped only when the data dir noted them as its node's (DATA_DIR/libvirt-daemons.json,
written when the node started or adopted them) and no domain is left on that libvirtd.
When no libvirtd runs (a node stops the one it started) but guests of this data dir still
do (QEMU does not need libvirtd), a libvirtd is started to destroy them as libvirt would, and
stopped again.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from nubo.compute.agent.virt.libvirt.host import URI, LibvirtHost, _open, _pid_alive

NAME = re.compile(r"instance-[0-9a-f]{8}")
#: where libvirtd (qemu:///system) keeps the definitions of persistent domains
DEFINITIONS = Path("/etc/libvirt/qemu")


def _disks(xml: str) -> list[Path]:
    root = ET.fromstring(xml)
    return [Path(src.get("file") or "") for src in root.iterfind("./devices/disk/source")
            if src.get("file")]


def is_ours(name: str, xml: str, data_dir: Path) -> bool:
    """Named like Nubo's domains, with a disk under DATA_DIR/instances."""
    instances = data_dir.resolve() / "instances"
    return NAME.fullmatch(name) is not None and any(
        d.is_relative_to(instances) for d in _disks(xml))


def qemu_processes(data_dir: Path) -> dict[int, str]:
    """Running QEMU guests of this data dir (pid -> domain name): named like Nubo's domains,
    with a disk under DATA_DIR/instances (libvirt's command line names both)."""
    instances = str(data_dir.resolve() / "instances") + "/"
    out: dict[int, str] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if not args or "qemu-system" not in Path(args[0]).name:
            continue
        name = next((a.split(",")[0].removeprefix("guest=") for a in args
                     if a.startswith("guest=")), "")
        if NAME.fullmatch(name) and any(instances in a for a in args):
            out[int(proc.name)] = name
    return out


def defined_domains(data_dir: Path, definitions: Path = DEFINITIONS) -> list[str]:
    """This data dir's domains that libvirt keeps defined (shut off, or with their QEMU
    gone), read from its definition files: a libvirtd is needed to undefine them."""
    found: list[str] = []
    for path in sorted(definitions.glob("instance-*.xml")):
        try:
            xml = path.read_text()
            if is_ours(path.stem, xml, data_dir):
                found.append(path.stem)
        except (OSError, ET.ParseError):
            continue
    return found


def destroy_domains(data_dir: Path, uri: str = URI) -> tuple[list[str], int]:
    """Destroy and undefine this data dir's domains; (their names, domains left)."""
    try:
        import libvirt
    except ImportError:
        return [], 0
    try:
        conn: Any = _open(uri)
    except libvirt.libvirtError:
        return [], 0
    removed: list[str] = []
    try:
        for dom in conn.listAllDomains(0):
            if not is_ours(dom.name(), dom.XMLDesc(0), data_dir):
                continue
            try:
                if dom.isActive():
                    dom.destroy()
            except libvirt.libvirtError:
                if dom.isActive():      # not one that stopped meanwhile: a real failure
                    raise
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                              | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                              | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
            removed.append(dom.name())
        left = len(conn.listAllDomains(0))
    finally:
        conn.close()
    return removed, left


def _record(data_dir: Path) -> Path:
    return data_dir / "libvirt-daemons.json"


def record_started(data_dir: Path, host: LibvirtHost) -> None:
    """Note in the data dir which daemons its node started (name -> pid), for cleanup."""
    pids = {name: pid for name, pid_file in host.started.items()
            if (pid := _pid_alive(pid_file)) is not None}
    path = _record(data_dir)
    if pids:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(pids))
    else:
        path.unlink(missing_ok=True)


def stop_started_daemons(data_dir: Path, host: LibvirtHost | None = None) -> list[str]:
    """Stop the libvirtd/virtlogd this data dir's node started, by their pid files, when
    they are still the processes it noted (never a daemon another node or the system
    started); names stopped."""
    h = host or LibvirtHost()
    try:
        noted = {str(k): int(v) for k, v in json.loads(_record(data_dir).read_text()).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return []
    h.adopt()
    for name, pid_file in list(h.started.items()):
        if noted.get(name) != _pid_alive(pid_file):
            del h.started[name]
    stopped = sorted(h.started)
    h.stop()
    _record(data_dir).unlink(missing_ok=True)
    return stopped
