"""Base images for instance overlays, fetched once from the image service and shared.

A base lives at DATA_DIR/instances/_base/<sha1(image id)> (Nova's layout), with a small
`.json` beside it saying its format and virtual size. The instances using a base are counted
from the instance directories themselves (each has a `base` file naming its base), so the
count survives restarts and a crash cannot leave it wrong. `cleanup` removes bases no
instance uses and that nobody used for longer than `max_unused_age` seconds.

Images are checked before use with `qemu-img info`: only raw and qcow2 are booted (others
are converted to raw), and a qcow2 that points at a backing file of its own is refused, as
Nova's format inspector refuses it (it could read any file of the host).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nubo.compute.agent.virt.base import SpawnFailed

LOG = logging.getLogger("nubo.compute.libvirt")
Fetch = Callable[[str, Path], Awaitable[None]]
#: formats qemu-img converts to raw for us; anything else is refused
CONVERTIBLE = {"vmdk", "vdi", "vhd", "vpc", "vhdx"}


@dataclass(frozen=True)
class BaseImage:
    image_id: str
    path: Path
    format: str            # "qcow2" or "raw"
    virtual_size: int      # bytes


async def run(*cmd: str, timeout: float = 600) -> str:
    """Run a tool off the event loop; its stderr becomes the error."""
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except (TimeoutError, asyncio.CancelledError):
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode:
        raise OSError(f"{cmd[0]} {cmd[1]} failed: {err.decode(errors='replace').strip()}")
    return out.decode(errors="replace")


async def qemu_img_info(path: Path, fmt: str | None = None) -> dict[str, Any]:
    args = ["qemu-img", "info", "--output=json"] + (["-f", fmt] if fmt else []) + [str(path)]
    return dict(json.loads(await run(*args, timeout=60)))


def base_name(image_id: str) -> str:
    return hashlib.sha1(image_id.encode()).hexdigest()


class ImageCache:
    def __init__(self, instances_dir: Path, fetch: Fetch, max_unused_age: float = 86400.0,
                 force_raw: bool = False) -> None:
        self.instances_dir = instances_dir
        self.base_dir = instances_dir / "_base"
        self.fetch = fetch
        self.max_unused_age = max_unused_age
        self.force_raw = force_raw
        self._locks: dict[str, asyncio.Lock] = {}

    def _meta_path(self, name: str) -> Path:
        return self.base_dir / f"{name}.json"

    async def get(self, image: dict[str, Any]) -> BaseImage:
        """The base for `image` (id + disk_format...), fetched and checked on first use.
        Concurrent calls for one image fetch it once."""
        image_id = str(image.get("id") or "")
        if not image_id:
            raise SpawnFailed("the server has no image to boot from (volume boot is not "
                              "supported by the libvirt driver yet)")
        name = base_name(image_id)
        async with self._locks.setdefault(name, asyncio.Lock()):
            base = self._load(image_id, name)
            if base is None:
                base = await self._fetch(image, name)
            os.utime(self._meta_path(name))      # last used: the age cleanup counts from here
            return base

    def _load(self, image_id: str, name: str) -> BaseImage | None:
        path, meta = self.base_dir / name, self._meta_path(name)
        if not (path.exists() and meta.exists()):
            return None
        doc = json.loads(meta.read_text())
        return BaseImage(image_id, path, doc["format"], int(doc["virtual_size"]))

    async def _fetch(self, image: dict[str, Any], name: str) -> BaseImage:
        image_id = str(image["id"])
        self.base_dir.mkdir(parents=True, exist_ok=True)
        part = self.base_dir / f".{name}.part"
        conv = self.base_dir / f".{name}.raw"
        try:
            t0 = time.monotonic()
            await self.fetch(image_id, part)
            fmt, vsize = await self._check(image, part)
            if fmt not in ("raw", "qcow2") or (self.force_raw and fmt != "raw"):
                await run("qemu-img", "convert", "-f", fmt, "-O", "raw", str(part), str(conv))
                os.replace(conv, part)
                fmt = "raw"
            os.replace(part, self.base_dir / name)
            self._meta_path(name).write_text(json.dumps(
                {"image_id": image_id, "format": fmt, "virtual_size": vsize}))
            LOG.info("image cache: fetched image %s as %s (%.1f s)", image_id, fmt,
                     time.monotonic() - t0)
        except OSError as exc:
            raise SpawnFailed(f"could not get image {image_id} onto this host: {exc}") from exc
        finally:
            for leftover in (part, conv):
                leftover.unlink(missing_ok=True)
        return BaseImage(image_id, self.base_dir / name, fmt, vsize)

    async def _check(self, image: dict[str, Any], path: Path) -> tuple[str, int]:
        """The image's real format and virtual size; refuses what must not boot."""
        declared = str(image.get("disk_format") or "")
        try:
            info = await qemu_img_info(path)
        except (OSError, ValueError) as exc:
            raise SpawnFailed(f"image {image['id']} is not a disk image qemu-img can read: "
                              f"{exc}") from exc
        fmt = str(info.get("format"))
        if info.get("backing-filename"):
            raise SpawnFailed(f"image {image['id']} is a {fmt} with a backing file; upload "
                              f"a standalone image (qemu-img convert -O qcow2)")
        if declared in ("iso", "aki", "ari", "ami"):
            raise SpawnFailed(f"image {image['id']} has disk_format {declared}, which the "
                              f"libvirt driver cannot boot as a root disk; use qcow2 or raw")
        if declared and declared != fmt and not (declared == "vhd" and fmt == "vpc"):
            raise SpawnFailed(f"image {image['id']} says disk_format {declared} but its data "
                              f"is {fmt}; fix the image's disk_format")
        if fmt not in ("raw", "qcow2") and fmt not in CONVERTIBLE:
            raise SpawnFailed(f"image {image['id']} is in format {fmt}, which cannot boot "
                              f"here; use qcow2 or raw")
        return fmt, int(info["virtual-size"])

    # ------------------------------------------------------------------ use counting

    def users(self) -> dict[str, int]:
        """base name -> how many instance directories use it."""
        counts: dict[str, int] = {}
        if not self.instances_dir.exists():
            return counts
        for ref in self.instances_dir.glob("*/base"):
            try:
                name = ref.read_text().strip()
            except OSError:
                continue
            counts[name] = counts.get(name, 0) + 1
        return counts

    def cleanup(self, now: float | None = None) -> list[str]:
        """Remove bases nobody uses that were last used more than max_unused_age ago;
        returns the image ids removed."""
        now = time.time() if now is None else now
        used = self.users()
        removed: list[str] = []
        for meta in self.base_dir.glob("*.json") if self.base_dir.exists() else []:
            name = meta.stem
            lock = self._locks.get(name)
            if used.get(name) or (lock is not None and lock.locked()):
                continue
            try:
                if now - meta.stat().st_mtime < self.max_unused_age:
                    continue
                image_id = json.loads(meta.read_text()).get("image_id", name)
            except (OSError, ValueError):
                continue
            (self.base_dir / name).unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            removed.append(image_id)
            LOG.info("image cache: removed base of image %s (unused)", image_id)
        return removed
