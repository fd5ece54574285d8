"""The guest's root filesystem tree: busybox, dropbear and its libraries, /etc, nubo-init."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from nubo.guest.initramfs import add_busybox
from nubo.guest.packages import shared_libraries
from nubo.guest.tools import GuestBuildError
from nubo.guest.tree import Tree

LIBDIR = "lib/x86_64-linux-gnu"

INITTAB = """\
::sysinit:/etc/init.d/nubo-init start
::respawn:/sbin/getty -L 115200 console vt100
::ctrlaltdel:/sbin/reboot
::shutdown:/etc/init.d/nubo-init stop
"""

# Dropbear refuses "locked" accounts (`!`) even for key logins, so root's password is `*`.
STATIC_FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n"
                  "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    "etc/group": "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n",
    "etc/shadow": "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n",
    "etc/shells": "/bin/sh\n/bin/ash\n",
    "etc/nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n",
    "etc/hostname": "nubo\n",
    "etc/hosts": "127.0.0.1 localhost\n127.0.1.1 nubo\n",
    "etc/fstab": "LABEL=nubo-root / ext4 rw 0 1\n",
    "etc/inittab": INITTAB,
    "etc/profile": "export PATH=/sbin:/bin:/usr/sbin:/usr/bin\nPS1='\\u@\\h:\\w\\$ '\n",
    "etc/os-release": 'NAME="Nubo test guest"\nID=nubo\nPRETTY_NAME="Nubo test guest"\n',
    "etc/acpi/PWRF/00000080": "#!/bin/sh\nexec poweroff\n",
}
MODES = {"etc/shadow": 0o600, "etc/acpi/PWRF/00000080": 0o755}
DIRS = {"dev": 0o755, "proc": 0o555, "sys": 0o555, "run": 0o755, "tmp": 0o1777,
        "mnt": 0o755, "home": 0o755, "var/log": 0o755, "root": 0o700, "root/.ssh": 0o700,
        "etc/dropbear": 0o700}


def guest_file(name: str) -> bytes:
    """A file shipped in nubo/guest/files (the init scripts)."""
    return resources.files("nubo.guest").joinpath("files", name).read_bytes()


def build_rootfs(tree: Tree, *, unpacked: Path, busybox: Path, epoch: int) -> None:
    """Stage the root filesystem in `tree` from the unpacked guest packages."""
    add_busybox(tree, busybox)
    binaries = {"usr/sbin/dropbear": unpacked / "usr/sbin/dropbear",
                "usr/bin/dropbearkey": unpacked / "usr/bin/dropbearkey",
                "usr/bin/dbclient": unpacked / "usr/bin/dbclient"}
    for rel, src in binaries.items():
        if not src.is_file():
            raise GuestBuildError(f"dropbear-bin did not unpack {rel}")
        tree.copy(rel, src, 0o755)
    tree.symlink("usr/bin/ssh", "dbclient")
    for lib in shared_libraries(unpacked, binaries.values()):
        tree.copy(f"{LIBDIR}/{lib.name}", lib, 0o755 if lib.name.startswith("libc.") else 0o644)
    tree.copy(f"{LIBDIR}/ld-linux-x86-64.so.2", unpacked / "lib64/ld-linux-x86-64.so.2", 0o755)
    tree.symlink("lib64/ld-linux-x86-64.so.2", f"/{LIBDIR}/ld-linux-x86-64.so.2")
    for rel, text in STATIC_FILES.items():
        tree.write(rel, text, MODES.get(rel, 0o644))
    tree.write("etc/init.d/nubo-init", guest_file("nubo-init"), 0o755)
    tree.write("usr/share/udhcpc/default.script", guest_file("udhcpc-script"), 0o755)
    for rel, mode in DIRS.items():
        tree.mkdir(rel, mode)
    tree.symlink("var/run", "/run")
    tree.normalize(epoch)
