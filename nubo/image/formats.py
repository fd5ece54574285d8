"""What an uploaded image really is, and whether it is safe to keep.

The content must match the declared `disk_format` (oslo.utils' format inspector reads the
headers), must pass the inspector's safety checks (no qcow2 backing or external data file,
no VMDK extents outside the file...), and, where qemu-img is installed, qemu-img must agree,
run under the same resource limits Nova uses.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from oslo_utils.imageutils import format_inspector as fi

LOG = logging.getLogger("nubo.image.formats")

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
#: what the inspector may report for each declared format ("gpt": a raw disk with GPT)
ACCEPTED = {"raw": {"raw", "gpt", "iso"}, "qcow2": {"qcow2"}, "vmdk": {"vmdk"},
            "vhd": {"vhd"}, "vhdx": {"vhdx"}, "vdi": {"vdi"}, "iso": {"iso"},
            "ami": {"raw", "gpt"}, "ari": {"raw"}, "aki": {"raw"}}
QEMU_IMG_FORMAT = {"raw": "raw", "qcow2": "qcow2", "vmdk": "vmdk", "vhd": "vpc",
                   "vhdx": "vhdx", "vdi": "vdi", "iso": "raw", "ami": "raw", "ari": "raw",
                   "aki": "raw"}


class ImageRejected(Exception):
    """The data is not what it claims to be, or is unsafe; the message says why."""


@dataclass(frozen=True)
class Inspection:
    format: str
    virtual_size: int | None


def inspect(path: Path, disk_format: str) -> Inspection:
    try:
        inspector = fi.detect_file_format(str(path))
    except fi.ImageFormatError as exc:
        raise ImageRejected(f"Image data is not a valid image: {exc}") from None
    detected = str(inspector) if inspector is not None else "raw"
    if detected not in ACCEPTED.get(disk_format, {disk_format}):
        raise ImageRejected(f"Image content is {detected} but disk_format is {disk_format}: "
                            "upload the data in the declared format or fix disk_format.")
    if inspector is None:
        return Inspection("raw", _qemu_img_check(path, disk_format))
    try:
        inspector.safety_check()
    except fi.SafetyCheckFailed as exc:
        raise ImageRejected(f"Image is unsafe and was refused: {exc}") from None
    # The raw inspector only knows the bytes it looked at; a raw image is as big as its file.
    virtual = path.stat().st_size if detected in ("raw", "gpt", "iso") else (
        inspector.virtual_size or None)
    qemu_size = _qemu_img_check(path, disk_format)
    return Inspection(detected, virtual or qemu_size)


def _qemu_img_check(path: Path, disk_format: str) -> int | None:
    qemu_img = shutil.which("qemu-img")
    if qemu_img is None:
        return None
    cmd = [qemu_img, "info", "--output=json", "-f", QEMU_IMG_FORMAT.get(disk_format, "raw"),
           str(path)]
    prlimit = shutil.which("prlimit")
    if prlimit:   # as Nova: 1 GiB of address space and 30 s of CPU at most
        cmd = [prlimit, "--as=1073741824", "--cpu=30", "--", *cmd]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)
        info = json.loads(out.stdout)
    except (subprocess.SubprocessError, ValueError) as exc:
        raise ImageRejected(f"qemu-img could not read the image as {disk_format}.") from exc
    if info.get("backing-filename") or info.get("full-backing-filename"):
        raise ImageRejected("Image is unsafe and was refused: it has a backing file.")
    data = (info.get("format-specific") or {}).get("data") or {}
    if data.get("data-file"):
        raise ImageRejected("Image is unsafe and was refused: it has an external data file.")
    size = info.get("virtual-size")
    return int(size) if isinstance(size, int) else None
