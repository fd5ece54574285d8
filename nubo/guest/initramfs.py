"""The guest's initramfs: busybox, the drivers it needs to find its disks, and /init.

The cloud kernel has ext4 built in but virtio, SCSI/ATA, iso9660/vfat, ACPI button and evdev
as modules; /init loads them all (so the root filesystem needs no modules), finds
LABEL=nubo-root and switches to it. The archive is written here (newc) with fixed inode
numbers, owners and mtimes, so it is byte-for-byte reproducible.
"""

from __future__ import annotations

import gzip
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from nubo.guest.tools import GuestBuildError, run, tool
from nubo.guest.tree import Tree

#: Loaded at boot, with their dependencies: disks (virtio-blk, virtio-scsi, IDE cdrom on `pc`;
#: the cloud kernel has no AHCI), the NIC, config drive filesystems (vfat's default iocharset
#: is ascii), the ACPI power button + evdev for acpid, entropy, balloon and console.
GUEST_MODULES = (
    "virtio_pci", "virtio_blk", "virtio_scsi", "virtio_net", "virtio_rng", "virtio_console",
    "virtio_balloon", "sd_mod", "sr_mod", "ata_piix", "isofs", "vfat", "nls_ascii",
    "nls_cp437", "nls_iso8859_1", "nls_utf8", "button", "evdev",
)


def module_name(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    name = re.sub(r"\.ko(\.(xz|zst|gz))?$", "", name)
    return name.replace("-", "_")


def module_closure(modules_dep: str, names: Iterable[str]) -> list[str]:
    """The module files (as in modules.dep) for `names` and everything they depend on, sorted."""
    deps: dict[str, list[str]] = {}
    by_name: dict[str, str] = {}
    for line in modules_dep.splitlines():
        if ":" not in line:
            continue
        path, rest = line.split(":", 1)
        deps[path] = rest.split()
        by_name[module_name(path)] = path
    unknown = [n for n in names if n.replace("-", "_") not in by_name]
    if unknown:
        raise GuestBuildError(f"the guest kernel has no module {unknown}")
    todo = [by_name[n.replace("-", "_")] for n in names]
    seen: set[str] = set()
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(deps.get(path, []))
    return sorted(seen)


def newc_archive(tree: Tree, epoch: int) -> bytes:
    """A cpio (newc) archive of `tree`: owners 0:0, mtime `epoch`, inodes numbered in order."""
    out = bytearray()

    def entry(ino: int, name: str, mode: int, data: bytes, nlink: int) -> None:
        namez = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, nlink, epoch, len(data), 0, 0, 0, 0, len(namez), 0)
        out.extend(b"070701" + "".join(f"{v:08X}" for v in fields).encode() + namez)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (rel, st) in enumerate(tree.entries(), start=1):
        path = tree.root / rel
        perm = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode):
            entry(ino, rel, stat.S_IFDIR | perm, b"", 2)
        elif stat.S_ISLNK(st.st_mode):
            entry(ino, rel, stat.S_IFLNK | 0o777, os.readlink(path).encode(), 1)
        elif stat.S_ISREG(st.st_mode):
            entry(ino, rel, stat.S_IFREG | perm, path.read_bytes(), 1)
        else:
            raise GuestBuildError(f"cannot archive special file {rel}")
    entry(0, "TRAILER!!!", 0, b"", 1)
    out.extend(b"\0" * (-len(out) % 512))
    return bytes(out)


def add_busybox(tree: Tree, busybox: Path) -> None:
    """busybox as /bin/busybox with a symlink for each applet it was built with."""
    tree.copy("bin/busybox", busybox, 0o755)
    applets = run([busybox, "--list-full"], timeout=30).split()
    if "sbin/init" not in applets or "bin/sh" not in applets:
        raise GuestBuildError(f"{busybox} lacks init or sh")
    for applet in applets:
        if applet != "bin/busybox":
            tree.symlink(applet, "/bin/busybox")


def kernel_modules_dir(kernel_root: Path, kver: str) -> Path:
    moddir = kernel_root / "lib" / "modules" / kver
    if not moddir.is_dir():
        raise GuestBuildError(f"kernel package has no lib/modules/{kver}")
    return moddir


def build_initramfs(tree: Tree, *, kernel_root: Path, kver: str, busybox: Path, init: bytes,
                    epoch: int) -> bytes:
    """Stage the initramfs in `tree` and return it as a gzip-compressed newc archive."""
    moddir = kernel_modules_dir(kernel_root, kver)
    run([tool("depmod"), "-b", kernel_root, kver], timeout=120)
    dep_text = (moddir / "modules.dep").read_text()
    files = module_closure(dep_text, GUEST_MODULES)
    wanted = set(files)
    for rel in files:
        tree.copy(f"lib/modules/{kver}/{rel}", moddir / rel, 0o644)
    dep_lines = [ln for ln in dep_text.splitlines() if ln.split(":", 1)[0] in wanted]
    tree.write(f"lib/modules/{kver}/modules.dep", "\n".join(dep_lines) + "\n")
    tree.write("etc/modules", "\n".join(GUEST_MODULES) + "\n")
    add_busybox(tree, busybox)
    tree.write("init", init, 0o755)
    for d in ("dev", "proc", "sys", "newroot", "run", "tmp"):
        tree.mkdir(d)
    tree.normalize(epoch)
    return gzip.compress(newc_archive(tree, epoch), compresslevel=9, mtime=0)
