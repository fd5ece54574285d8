"""Build Nubo's test guest image (a CirrOS-like qcow2) from Debian packages, cached by its inputs.

    result = build_test_image(Path("/var/lib/nubo/cache/guest"))
    result.path  # .../images/nubo-test-<key>.qcow2

The image boots from its own disk (SeaBIOS -> syslinux -> kernel), like any cloud image:
p1 FAT16 "NUBOBOOT" (vmlinuz, initrd.img, syslinux.cfg), p2 ext4 "nubo-root". The cache key
hashes the exact package versions, this builder's source files and the host tools' versions;
with fixed timestamps, UUIDs and serials, two clean builds of the same key are the same bytes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from nubo.guest import disk, initramfs, packages, rootfs
from nubo.guest.tools import GuestBuildError, run_capture, tool
from nubo.guest.tree import Tree

Progress = Callable[[str, float], None]

#: Bump when the image changes in a way the hashed sources do not show.
FORMAT = 1
#: Every timestamp in the image (SOURCE_DATE_EPOCH style): 2023-11-14T22:13:20Z.
EPOCH = 1_700_000_000
ROOT_MIB = 64
BOOT_START_MIB = 1
IMAGE_PREFIX = "nubo-test-"
KEEP_IMAGES = 3
#: The kernel command line: serial console last, so /dev/console (and the markers) is ttyS0.
CMDLINE = f"root=LABEL={disk.ROOT_LABEL} rw console=tty0 console=ttyS0,115200n8"
SYSLINUX_CFG = f"""\
SERIAL 0 115200
DEFAULT nubo
PROMPT 0
TIMEOUT 0
LABEL nubo
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND {CMDLINE}
"""
APT_LISTS = Path("/var/lib/apt/lists")


@dataclass(frozen=True)
class BuildResult:
    path: Path
    size: int
    virtual_size: int
    sha256: str
    #: how long this call took (a cache hit: milliseconds)
    seconds: float
    cached: bool
    #: how long building this image took when it was built
    built_seconds: float
    kernel: str
    key: str


def _quiet(_msg: str, _frac: float) -> None:
    pass


def _source_files() -> list[tuple[str, bytes]]:
    """This builder's own code and the guest's scripts (configdrive.py is not an input)."""
    pkg = resources.files("nubo.guest")
    out = []
    for entry in sorted(pkg.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".py") and entry.name not in ("configdrive.py", "__init__.py"):
            out.append((entry.name, entry.read_bytes()))
    for entry in sorted(pkg.joinpath("files").iterdir(), key=lambda e: e.name):
        if entry.is_file():
            out.append((f"files/{entry.name}", entry.read_bytes()))
    return out


def _host_tools() -> list[str]:
    """Versions of the host tools whose output lands in the image."""
    versions = []
    for name, flag in (("qemu-img", "--version"), ("mkfs.ext4", "-V"), ("depmod", "--version")):
        out, err = run_capture([tool(name), flag], timeout=30)
        versions.append(f"{name}: {(out or err).strip().splitlines()[0]}")
    return versions


def _apt_state() -> str:
    """Changes whenever `apt-get update` changed apt's package lists."""
    h = hashlib.sha256()
    try:
        for p in sorted(APT_LISTS.iterdir()):
            if p.is_file():
                st = p.stat()
                h.update(f"{p.name} {st.st_size} {st.st_mtime_ns}\n".encode())
    except OSError:
        return ""
    return h.hexdigest()


def _resolve(cache_dir: Path) -> list[packages.Package]:
    """Kernel + guest + build packages at their candidate versions.

    apt-cache takes ~0.5 s a call here, so the answer is remembered until apt's lists change.
    """
    state = _apt_state()
    memo = cache_dir / "resolved.json"
    if state:
        try:
            data = json.loads(memo.read_text())
            if data["apt_state"] == state:
                return [packages.Package(**p) for p in data["packages"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    kernel = packages.kernel_package()
    pkgs = packages.resolve([kernel, *packages.GUEST_PACKAGES, *packages.BUILD_PACKAGES])
    if state:
        _write_atomic(memo, json.dumps({"apt_state": state,
                                        "packages": [asdict(p) for p in pkgs]}).encode())
    return pkgs


def cache_key(pkgs: list[packages.Package]) -> str:
    h = hashlib.sha256(f"nubo-guest format {FORMAT}\n".encode())
    for p in pkgs:
        h.update(f"pkg {p.name} {p.version} {p.arch} {p.sha256}\n".encode())
    for name, data in _source_files():
        h.update(f"src {name} {hashlib.sha256(data).hexdigest()}\n".encode())
    for line in _host_tools():
        h.update(f"tool {line}\n".encode())
    return h.hexdigest()[:16]


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def _locked(cache_dir: Path) -> Iterator[None]:
    """One build at a time per cache directory (parallel test workers, two CLIs)."""
    with (cache_dir / ".lock").open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _cached(images: Path, key: str, t0: float) -> BuildResult | None:
    meta = images / f"{IMAGE_PREFIX}{key}.json"
    path = images / f"{IMAGE_PREFIX}{key}.qcow2"
    try:
        data = json.loads(meta.read_text())
        if path.stat().st_size != data["size"]:
            return None
        return BuildResult(path=path, size=data["size"], virtual_size=data["virtual_size"],
                           sha256=data["sha256"], seconds=round(time.monotonic() - t0, 3),
                           cached=True, built_seconds=data["built_seconds"],
                           kernel=data["kernel"], key=key)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cached_test_image(cache_dir: Path) -> BuildResult | None:
    """The test image for the current packages if it is already in the cache, else None
    (no download, no build: a few milliseconds once apt's answer is remembered)."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    images = Path(cache_dir) / "images"
    if not images.is_dir():
        return None
    t0 = time.monotonic()
    return _cached(images, cache_key(_resolve(Path(cache_dir))), t0)


def build_test_image(cache_dir: Path, progress: Progress | None = None, *,
                     debs_dir: Path | None = None, force: bool = False) -> BuildResult:
    """The test guest image for the current packages: from the cache, or built (~5-15 s).

    `debs_dir` (default `cache_dir/debs`) keeps the downloaded packages; `force` rebuilds
    even when the image is cached. Raises GuestBuildError naming what is missing.
    """
    report = progress or _quiet
    t0 = time.monotonic()
    if platform.machine() not in ("x86_64", "AMD64"):
        raise GuestBuildError("the test image is x86-64 and its build runs x86-64 binaries "
                              f"(busybox, ld.so): build it on an x86-64 host, not "
                              f"{platform.machine()}")
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    images = cache_dir / "images"
    images.mkdir(exist_ok=True)
    debs_dir = Path(debs_dir) if debs_dir else cache_dir / "debs"
    report("resolving packages", 0.0)
    pkgs = _resolve(cache_dir)
    key = cache_key(pkgs)
    if not force and (hit := _cached(images, key, t0)):
        report("cached", 1.0)
        return hit
    with _locked(cache_dir):
        if not force and (hit := _cached(images, key, t0)):
            report("cached", 1.0)
            return hit
        for stale in cache_dir.glob("build-*"):  # left by a killed build; we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
        missing = packages.missing_debs(pkgs, debs_dir)
        if missing:
            report(f"downloading {len(missing)} packages", 0.05)
        debs = dict(zip((p.name for p in pkgs), packages.download(pkgs, debs_dir), strict=True))
        work = Path(tempfile.mkdtemp(prefix="build-", dir=cache_dir))
        try:
            kernel, out = _build(work, pkgs, debs, report)
            final = images / f"{IMAGE_PREFIX}{key}.qcow2"
            report("checksum", 0.97)
            seconds = round(time.monotonic() - t0, 2)
            result = BuildResult(path=final, size=out.stat().st_size,
                                 virtual_size=disk.virtual_size(out), sha256=_sha256(out),
                                 seconds=seconds, cached=False, built_seconds=seconds,
                                 kernel=kernel, key=key)
            os.replace(out, final)
            meta = {k: v for k, v in asdict(result).items()
                    if k not in ("path", "cached", "seconds")}
            _write_atomic(images / f"{IMAGE_PREFIX}{key}.json", json.dumps(meta).encode())
        finally:
            shutil.rmtree(work, ignore_errors=True)
        _prune(images, debs_dir, pkgs, keep=final)
    report("done", 1.0)
    return result


def _build(work: Path, pkgs: list[packages.Package], debs: dict[str, Path],
           report: Progress) -> tuple[str, Path]:
    """Every step from unpacked packages to the qcow2 in `work`; returns (kernel, qcow2)."""
    kpkg = pkgs[0].name
    kver = kpkg.removeprefix("linux-image-")
    report("unpacking packages", 0.15)
    kroot, groot, broot = work / "kernel", work / "guest", work / "build"
    packages.unpack(debs[kpkg], kroot)
    for name in packages.GUEST_PACKAGES:
        packages.unpack(debs[name], groot)
    for name in packages.BUILD_PACKAGES:
        packages.unpack(debs[name], broot)
    vmlinuz = kroot / "boot" / f"vmlinuz-{kver}"
    if not vmlinuz.is_file():
        raise GuestBuildError(f"{kpkg} has no boot/vmlinuz-{kver}")
    busybox = groot / "bin" / "busybox"

    report("initramfs", 0.35)
    boot = work / "boot"
    boot.mkdir()
    initrd = initramfs.build_initramfs(
        Tree(work / "initramfs"), kernel_root=kroot, kver=kver, busybox=busybox,
        init=rootfs.guest_file("initramfs-init"), epoch=EPOCH)
    (boot / "initrd.img").write_bytes(initrd)
    shutil.copyfile(vmlinuz, boot / "vmlinuz")
    (boot / "syslinux.cfg").write_text(SYSLINUX_CFG)

    report("root filesystem", 0.5)
    tree = Tree(work / "rootfs")
    rootfs.build_rootfs(tree, unpacked=groot, busybox=busybox, epoch=EPOCH)
    root_img = work / "root.img"
    disk.make_root_ext4(root_img, size_mib=ROOT_MIB, tree=tree, epoch=EPOCH, scratch=work)

    report("boot partition", 0.65)
    files = {n: boot / n for n in ("vmlinuz", "initrd.img", "syslinux.cfg")}
    payload = sum(p.stat().st_size for p in files.values())
    boot_mib = max(16, -(-payload * 5 // 4) // disk.MIB + 2)
    boot_img = work / "boot.img"
    disk.make_boot_fat(boot_img, size_mib=boot_mib, start_mib=BOOT_START_MIB, files=files,
                       syslinux_root=broot, epoch=EPOCH)

    report("disk", 0.75)
    mbr_bin = broot / "usr" / "lib" / "syslinux" / "mbr" / "mbr.bin"
    parts = [disk.Partition(boot_img, BOOT_START_MIB, boot_mib, disk.FAT16_LBA, bootable=True),
             disk.Partition(root_img, BOOT_START_MIB + boot_mib, ROOT_MIB, disk.LINUX)]
    raw = work / "disk.raw"
    disk.assemble(raw, mbr_bin.read_bytes(), parts)
    report("compressing qcow2", 0.8)
    out = work / "disk.qcow2"
    disk.to_qcow2(raw, out)
    return kver, out


def _prune(images: Path, debs_dir: Path, pkgs: list[packages.Package], keep: Path) -> None:
    """Keep the newest few images and, of our packages, only the versions in use."""
    old = sorted(images.glob(f"{IMAGE_PREFIX}*.qcow2"), key=lambda p: p.stat().st_mtime,
                 reverse=True)
    for p in [p for p in old if p != keep][KEEP_IMAGES - 1:]:
        p.unlink(missing_ok=True)
        p.with_suffix(".json").unlink(missing_ok=True)
    current = {p.filename for p in pkgs}
    names = {p.name for p in pkgs}
    for deb in debs_dir.glob("*.deb"):
        name = deb.name.split("_", 1)[0]
        if deb.name not in current and (name in names or name.startswith("linux-image-")):
            deb.unlink(missing_ok=True)
