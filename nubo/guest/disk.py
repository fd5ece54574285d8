"""The guest disk: MBR (syslinux mbr.bin), p1 FAT16 boot partition, p2 ext4 root, as qcow2.

No loop device, no mount, no root: the FAT partition is made with mtools and made bootable
with the mtools-based `syslinux` installer, the ext4 one with `mkfs.ext4 -d`, and the two are
concatenated behind an MBR written here. Fixed UUIDs, serials, hash seeds and timestamps make
the result reproducible.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from nubo.guest.tools import GuestBuildError, run, run_capture, tool
from nubo.guest.tree import Tree

SECTOR = 512
MIB = 1024 * 1024
#: Fixed identities, so that two builds of the same inputs are the same bytes.
DISK_SIGNATURE = 0x4E55424F  # "NUBO"
FAT_SERIAL = "4e55424f"
ROOT_UUID = "6e75626f-2d72-4f6f-9474-2d6775657374"
ROOT_LABEL = "nubo-root"
BOOT_LABEL = "NUBOBOOT"
FAT16_LBA = 0x0E
LINUX = 0x83


@dataclass(frozen=True)
class Partition:
    image: Path
    start_mib: int
    size_mib: int
    type: int
    bootable: bool = False


def _chs(lba: int) -> bytes:
    """CHS address for the 255-head, 63-sector translation, clamped as tools do past 8 GiB."""
    cyl, rem = divmod(lba, 255 * 63)
    head, sect = divmod(rem, 63)
    if cyl > 1023:
        cyl, head, sect = 1023, 254, 62
    return bytes([head, ((cyl >> 2) & 0xC0) | (sect + 1), cyl & 0xFF])


def mbr(boot_code: bytes, parts: list[Partition]) -> bytes:
    """The first sector: boot code, a fixed disk signature and the partition table."""
    if len(boot_code) > 440:
        raise GuestBuildError(f"mbr.bin is {len(boot_code)} bytes, more than 440")
    if len(parts) > 4:
        raise GuestBuildError("an MBR has at most 4 primary partitions")
    sector = bytearray(SECTOR)
    sector[:len(boot_code)] = boot_code
    struct.pack_into("<I", sector, 440, DISK_SIGNATURE)
    for i, p in enumerate(parts):
        first = p.start_mib * MIB // SECTOR
        count = p.size_mib * MIB // SECTOR
        entry = (bytes([0x80 if p.bootable else 0]) + _chs(first) + bytes([p.type])
                 + _chs(first + count - 1) + struct.pack("<II", first, count))
        sector[446 + 16 * i:462 + 16 * i] = entry
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


def assemble(raw: Path, boot_code: bytes, parts: list[Partition]) -> int:
    """Write the raw disk (sparse where the partitions are zero); return its size."""
    end = max(p.start_mib + p.size_mib for p in parts)
    with raw.open("wb") as out:
        out.write(mbr(boot_code, parts))
        for p in parts:
            if p.image.stat().st_size != p.size_mib * MIB:
                raise GuestBuildError(f"{p.image.name} is not {p.size_mib} MiB")
            out.seek(p.start_mib * MIB)
            with p.image.open("rb") as f:
                while chunk := f.read(MIB):
                    if chunk.count(0) == len(chunk):
                        out.seek(len(chunk), os.SEEK_CUR)
                    else:
                        out.write(chunk)
        out.truncate(end * MIB)
    return end * MIB


def make_boot_fat(image: Path, *, size_mib: int, start_mib: int, files: Mapping[str, Path],
                  syslinux_root: Path, epoch: int) -> None:
    """p1: FAT16 "NUBOBOOT" holding `files`, with syslinux's ldlinux installed by mtools.

    Uses the mtools and syslinux unpacked from their Debian packages (`syslinux_root`), so
    the boot loader's version is part of the image's inputs.
    """
    bindir = syslinux_root / "usr" / "bin"
    for t in ("mformat", "mcopy", "mattrib", "syslinux"):
        if not (bindir / t).exists():
            raise GuestBuildError(f"{t} missing from the unpacked syslinux/mtools packages")
    env = {"PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
           "MTOOLS_SKIP_CHECK": "1", "MTOOLSRC": os.devnull, "SOURCE_DATE_EPOCH": str(epoch),
           "TZ": "UTC"}
    with image.open("wb") as f:
        f.truncate(size_mib * MIB)
    # 64 heads x 32 sectors: 1 MiB cylinders; hidden sectors = where p1 starts on the disk.
    run([bindir / "mformat", "-i", image, "-v", BOOT_LABEL, "-N", FAT_SERIAL,
         "-H", str(start_mib * MIB // SECTOR), "-h", "64", "-s", "32", "-t", str(size_mib), "::"],
        env=env, timeout=60)
    for name, src in sorted(files.items()):
        os.utime(src, (epoch, epoch))
        run([bindir / "mcopy", "-m", "-i", image, src, f"::/{name}"], env=env, timeout=60)
    run([bindir / "syslinux", "--install", image], env=env, timeout=60)


# Our own mke2fs.conf: the host's /etc/mke2fs.conf must not change the filesystem we make.
MKE2FS_CONF = """\
[defaults]
\tbase_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
\tdefault_mntopts = acl,user_xattr
\tenable_periodic_fsck = 0
\tblocksize = 4096
\tinode_size = 256
\tinode_ratio = 16384

[fs_types]
\text4 = {
\t\tfeatures = has_journal,extent,huge_file,flex_bg,metadata_csum,dir_nlink,extra_isize
\t}
\tsmall = {
\t\tinode_ratio = 16384
\t}
"""


def make_root_ext4(image: Path, *, size_mib: int, tree: Tree, epoch: int,
                   scratch: Path) -> None:
    """p2: ext4 "nubo-root" from the staged tree, owned by root, with fixed times and UUIDs.

    mkfs.ext4 -d copies the builder's uid and the host's ctime; debugfs then sets every inode
    to 0:0 and ctime `epoch`, so a non-root build equals a root one.
    """
    conf = scratch / "mke2fs.conf"
    conf.write_text(MKE2FS_CONF)
    env = {"E2FSPROGS_FAKE_TIME": str(epoch), "MKE2FS_CONFIG": str(conf), "TZ": "UTC"}
    with image.open("wb") as f:
        f.truncate(size_mib * MIB)
    run([tool("mkfs.ext4"), "-q", "-F", "-L", ROOT_LABEL, "-U", ROOT_UUID, "-m", "0",
         "-N", "4096", "-J", "size=4",
         "-E", f"hash_seed={ROOT_UUID},root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0,"
               "nodiscard",
         "-d", tree.root, image], env=env, timeout=120)
    cmds = [f"set_inode_field / ctime {epoch}"]
    for rel, _ in tree.entries():
        for field, value in (("uid", 0), ("gid", 0), ("ctime", epoch)):
            cmds.append(f"set_inode_field /{rel} {field} {value}")
    script = scratch / "debugfs.cmds"
    script.write_text("\n".join(cmds) + "\n")
    # debugfs exits 0 even when a command fails: its stderr says so.
    _, err = run_capture([tool("debugfs"), "-w", "-f", script, image], env=env, timeout=120)
    errors = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("debugfs ")]
    if errors:
        raise GuestBuildError(f"debugfs on the root filesystem: {errors[:5]}")


def to_qcow2(raw: Path, out: Path) -> None:
    """Compressed qcow2 (zlib, readable by every QEMU)."""
    run([tool("qemu-img"), "convert", "-q", "-f", "raw", "-O", "qcow2", "-c",
         "-o", "compression_type=zlib", raw, out], timeout=300)


def virtual_size(image: Path) -> int:
    info = json.loads(run([tool("qemu-img"), "info", "--output=json", image], timeout=30))
    return int(info["virtual-size"])
