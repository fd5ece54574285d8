"""The Debian packages the guest is made of: resolve, download into a cache, unpack.

Nothing is installed on the host: `apt-get download` fetches the .deb files and `dpkg-deb -x`
unpacks them into a scratch tree. apt's own metadata (version, SHA256) keys the image cache.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nubo.guest.tools import GuestBuildError, run, tool

ARCH = "amd64"
#: The metapackage whose dependency is the kernel we boot (LZ4, virtio built in or as modules).
KERNEL_META = "linux-image-cloud-amd64"
#: What the guest runs: busybox for everything, dropbear and the libraries it links against
#: (libtomcrypt1 needs libgmp10, which is not a direct dependency of dropbear-bin).
GUEST_PACKAGES = ("busybox-static", "dropbear-bin", "libtomcrypt1", "libtommath1", "libgmp10",
                  "zlib1g", "libcrypt1", "libc6")
#: Used only while building: mbr.bin, the syslinux boot loader and the mtools it drives.
BUILD_PACKAGES = ("syslinux", "syslinux-common", "mtools")

_TIMEOUT_APT = 60.0
_TIMEOUT_DOWNLOAD = 600.0


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    arch: str
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        """The name `apt-get download` saves the package under (the epoch's ':' as %3a)."""
        return f"{self.name}_{self.version.replace(':', '%3a')}_{self.arch}.deb"


def kernel_package() -> str:
    """The versioned kernel package the cloud kernel metapackage depends on."""
    out = run([tool("apt-cache"), "depends", f"{KERNEL_META}:{ARCH}"], timeout=_TIMEOUT_APT)
    for line in out.splitlines():
        m = re.match(r"\s*Depends:\s*(linux-image-\S+)", line)
        if m:
            return m.group(1).split(":")[0]
    raise GuestBuildError(f"apt-cache: {KERNEL_META} depends on no linux-image package; "
                          "run `apt-get update`")


def resolve(names: Iterable[str]) -> list[Package]:
    """The candidate version of each package, from apt's lists (no network)."""
    wanted = list(names)
    try:
        out = run([tool("apt-cache"), "show", "--no-all-versions",
                   *(f"{n}:{ARCH}" for n in wanted)], timeout=_TIMEOUT_APT)
    except GuestBuildError as e:
        raise GuestBuildError(f"cannot resolve the guest's Debian packages {wanted} "
                              f"(run `apt-get update`?): {e}") from e
    found: dict[str, Package] = {}
    for stanza in out.split("\n\n"):
        fields = dict(re.findall(r"^([A-Za-z0-9-]+): ?(.*)$", stanza, re.M))
        if "Package" not in fields or fields.get("Architecture") not in (ARCH, "all"):
            continue
        found.setdefault(fields["Package"], Package(
            name=fields["Package"], version=fields["Version"], arch=fields["Architecture"],
            size=int(fields.get("Size", "0")), sha256=fields.get("SHA256", "")))
    missing = [n for n in wanted if n not in found]
    if missing:
        raise GuestBuildError(f"apt knows no {ARCH} package {missing}; run `apt-get update`")
    return [found[n] for n in wanted]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _verified(path: Path, pkg: Package) -> bool:
    if not path.is_file() or path.stat().st_size != pkg.size:
        return False
    return not pkg.sha256 or _sha256(path) == pkg.sha256


def missing_debs(pkgs: Iterable[Package], debs_dir: Path) -> list[Package]:
    """Packages not yet in the download cache (checked by size; content is checked on download)."""
    return [p for p in pkgs if not (debs_dir / p.filename).is_file()
            or (debs_dir / p.filename).stat().st_size != p.size]


def download(pkgs: Iterable[Package], debs_dir: Path) -> list[Path]:
    """Fetch the exact versions into `debs_dir` unless already there; return their paths."""
    pkgs = list(pkgs)
    debs_dir.mkdir(parents=True, exist_ok=True)
    todo = missing_debs(pkgs, debs_dir)
    if todo:
        argv = [tool("apt-get"), "download", "-q"]
        if os.geteuid() == 0:
            # apt drops to `_apt`, which may not be able to write here.
            argv += ["-o", "APT::Sandbox::User=root"]
        argv += [f"{p.name}:{p.arch}={p.version}" if p.arch != "all" else f"{p.name}={p.version}"
                 for p in todo]
        try:
            run(argv, cwd=debs_dir, timeout=_TIMEOUT_DOWNLOAD)
        except GuestBuildError as e:
            raise GuestBuildError(f"apt-get download of the guest packages failed: {e}") from e
        for p in todo:
            if not _verified(debs_dir / p.filename, p):
                (debs_dir / p.filename).unlink(missing_ok=True)
                raise GuestBuildError(f"downloaded {p.filename} does not match apt's size/SHA256")
    return [debs_dir / p.filename for p in pkgs]


def unpack(deb: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    run([tool("dpkg-deb"), "-x", deb, dest], timeout=120)


def shared_libraries(tree: Path, binaries: Iterable[Path]) -> list[Path]:
    """The shared libraries (inside `tree`) that `binaries` need, as the packaged ld.so says.

    Fails if one resolves outside the unpacked packages: the guest would lack it.
    """
    loader = tree / "lib64" / "ld-linux-x86-64.so.2"
    if not loader.exists():
        raise GuestBuildError("libc6 was not unpacked: no lib64/ld-linux-x86-64.so.2")
    libdirs = [tree / "lib" / "x86_64-linux-gnu", tree / "usr" / "lib" / "x86_64-linux-gnu"]
    libpath = ":".join(str(d) for d in libdirs)
    result: dict[str, Path] = {}
    for binary in binaries:
        out = run([loader, "--library-path", libpath, "--list", binary], timeout=30)
        for line in out.splitlines():
            m = re.match(r"\s*(\S+) => (\S+) \(0x[0-9a-f]+\)", line)
            if not m or m.group(1).startswith("/"):
                if "not found" in line:
                    raise GuestBuildError(f"{binary.name}: library not found: {line.strip()}")
                continue
            lib = Path(m.group(2))
            try:
                lib.relative_to(tree)
            except ValueError:
                raise GuestBuildError(f"{binary.name} needs {m.group(1)}, which resolved outside "
                                      f"the unpacked packages ({lib}): add its package") from None
            result[m.group(1)] = lib
    return [result[k] for k in sorted(result)]
