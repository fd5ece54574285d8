"""A staging directory for a guest filesystem, made reproducible before it is packed.

Files are written with the builder's uid and umask; `normalize` then gives every entry a fixed
mode and mtime, so root and non-root builds pack the same bytes. Owners are forced to 0:0 by
the packers (cpio header, debugfs), not here: a non-root builder cannot chown.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

# Names the packers (debugfs command files) can take without quoting.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._+@\[\]-]+$")


class Tree:
    """A directory tree being staged; paths are given relative to its root, with '/'."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        #: explicit modes (permission bits) that `normalize` applies; others get 0755/0644.
        self.modes: dict[str, int] = {}

    def _path(self, rel: str) -> Path:
        rel = rel.strip("/")
        for part in rel.split("/"):
            if not _SAFE_NAME.match(part):
                raise ValueError(f"unsupported file name in guest tree: {rel!r}")
        return self.root / rel

    def mkdir(self, rel: str, mode: int = 0o755) -> None:
        self._path(rel).mkdir(parents=True, exist_ok=True)
        self.modes[rel.strip("/")] = mode

    def write(self, rel: str, data: bytes | str, mode: int = 0o644) -> None:
        path = self._path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        self.modes[rel.strip("/")] = mode

    def copy(self, rel: str, src: Path, mode: int | None = None) -> None:
        """Copy the content of `src` (symlinks followed); mode 0755 if src is executable."""
        path = self._path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        shutil.copyfile(src, path)
        if mode is None:
            mode = 0o755 if os.stat(src).st_mode & 0o111 else 0o644
        self.modes[rel.strip("/")] = mode

    def symlink(self, rel: str, target: str) -> None:
        path = self._path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.exists():
            path.unlink()
        path.symlink_to(target)

    def entries(self) -> Iterator[tuple[str, os.stat_result]]:
        """Every entry below the root (not the root itself), sorted, parents first."""
        def walk(d: Path, prefix: str) -> Iterator[tuple[str, os.stat_result]]:
            for name in sorted(os.listdir(d)):
                p = d / name
                rel = f"{prefix}{name}"
                st = p.lstat()
                yield rel, st
                if stat.S_ISDIR(st.st_mode):
                    yield from walk(p, rel + "/")
        yield from walk(self.root, "")

    def normalize(self, epoch: int, modes: Mapping[str, int] | None = None) -> None:
        """Fixed permission bits and mtimes everywhere: reproducible whatever the umask."""
        explicit = dict(self.modes)
        explicit.update(modes or {})
        for rel, st in list(self.entries()):
            p = self.root / rel
            if not stat.S_ISLNK(st.st_mode):
                if rel in explicit:
                    mode = explicit[rel]
                elif stat.S_ISDIR(st.st_mode) or st.st_mode & 0o111:
                    mode = 0o755
                else:
                    mode = 0o644
                os.chmod(p, mode)
            os.utime(p, (epoch, epoch), follow_symlinks=False)
        os.chmod(self.root, 0o755)
        os.utime(self.root, (epoch, epoch))
