"""An instance's disks, all under DATA_DIR/instances/<id>/ (Nova's layout):

  disk         root: a qcow2 overlay on the cached base image, grown to the flavor's disk
  disk.eph0    the flavor's ephemeral disk (blank qcow2), if any
  disk.swap    the flavor's swap disk (blank qcow2), if any
  disk.config  the config drive (ISO 9660 `config-2`), when asked for or forced
  console.log  the serial console
  base         the name of the base image the root disk uses (the image cache counts these)
  root.json    instead of disk and base, for a volume-backed instance: its root volume
               (path, format, serial: the volume's file on this host, from its connection)

The size checks come first and say what to change, so a bad request leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nubo.compute.agent.virt.base import InstanceSpec, SpawnFailed
from nubo.compute.agent.virt.libvirt.imagecache import BaseImage, base_name, run
from nubo.guest.configdrive import build_config_drive, user_data_bytes

GiB = 1024 ** 3


@dataclass(frozen=True)
class DiskSet:
    root: Path
    ephemeral: Path | None
    swap: Path | None
    config: Path | None
    #: a root disk that is a volume: its format and serial (its volume id)
    root_format: str = "qcow2"
    root_serial: str | None = None


def root_volume_source(block_device: dict[str, Any]) -> tuple[Path, str, str]:
    """(path, format, serial) of a root volume's `local` connection; SpawnFailed for one
    this host cannot open."""
    info = block_device.get("connection_info") or {}
    data = info.get("data") or {}
    if info.get("driver_volume_type") != "local" or not data.get("device_path"):
        raise SpawnFailed(f"root volume connection type {info.get('driver_volume_type')!r} "
                          "is not supported on this host (only 'local' for now)")
    fmt = str(data.get("format") or "qcow2")
    if fmt not in ("qcow2", "raw"):
        raise SpawnFailed(f"root volume format {fmt!r} is not supported")
    return (Path(str(data["device_path"])), fmt,
            str(info.get("serial") or data.get("volume_id") or ""))


def root_size(spec: InstanceSpec, base: BaseImage) -> int:
    """The root disk's size in bytes; SpawnFailed saying what to change when it cannot fit."""
    flavor_gb = int(spec.flavor.get("disk") or 0)
    min_disk = int(spec.image.get("min_disk") or 0)
    name = spec.image.get("name") or spec.image.get("id")
    if flavor_gb == 0:             # Nova: a 0 GB flavor disk means "the image's size"
        return base.virtual_size
    if min_disk > flavor_gb:
        raise SpawnFailed(f"Flavor's disk is too small for requested image: image {name} "
                          f"needs min_disk {min_disk} GB, the flavor has {flavor_gb} GB; "
                          f"choose a flavor with a larger disk")
    if base.virtual_size > flavor_gb * GiB:
        raise SpawnFailed(f"Flavor's disk is too small for requested image: image {name} "
                          f"has a virtual size of {base.virtual_size / GiB:.2f} GiB, the "
                          f"flavor's root disk is {flavor_gb} GB; choose a flavor with a "
                          f"larger disk")
    return flavor_gb * GiB


def check_memory(spec: InstanceSpec) -> None:
    min_ram = int(spec.image.get("min_ram") or 0)
    ram = int(spec.flavor.get("ram") or 0)
    if min_ram and ram < min_ram:
        raise SpawnFailed(f"Flavor's memory is too small for requested image: image "
                          f"{spec.image.get('name') or spec.image.get('id')} needs min_ram "
                          f"{min_ram} MB, the flavor has {ram} MB; choose a larger flavor")


def meta_data(spec: InstanceSpec) -> dict[str, Any]:
    """openstack/latest/meta_data.json as Nova writes it."""
    doc: dict[str, Any] = {"uuid": spec.id, "name": spec.display_name,
                           "hostname": spec.display_name.lower().replace(" ", "-")[:63]
                           or spec.name, "launch_index": 0, "availability_zone": "nova",
                           "project_id": "", "meta": dict(spec.metadata), "devices": []}
    if spec.key_data:
        doc["public_keys"] = {"key-0": spec.key_data}
        doc["keys"] = [{"name": "key-0", "type": "ssh", "data": spec.key_data}]
    return doc


class InstanceDisks:
    def __init__(self, instances_dir: Path) -> None:
        self.instances_dir = instances_dir

    def dir(self, instance_id: str) -> Path:
        return self.instances_dir / instance_id

    def backup_dir(self, instance_id: str) -> Path:
        """The pre-resize copy of the instance directory, until confirm or revert."""
        return self.instances_dir / f"{instance_id}_resize"

    async def create(self, spec: InstanceSpec, base: BaseImage, config_drive: bool) -> DiskSet:
        """Every disk of a new instance; on failure the directory is removed again."""
        size = root_size(spec, base)
        check_memory(spec)
        d = self.dir(spec.id)
        d.mkdir(parents=True, exist_ok=True)
        try:
            (d / "base").write_text(base_name(base.image_id))
            root = d / "disk"
            await run("qemu-img", "create", "-q", "-f", "qcow2", "-F", base.format, "-b",
                      str(base.path), str(root), str(size), timeout=120)
            eph, swap = await self._extra_disks(spec, d)
            config = None
            if config_drive:
                config = await asyncio.to_thread(self._config_drive, spec, d / "disk.config")
            (d / "flavor.json").write_text(json.dumps(spec.flavor, sort_keys=True))
            return DiskSet(root, eph, swap, config)
        except BaseException:
            await asyncio.to_thread(shutil.rmtree, d, True)
            raise

    async def create_on_volume(self, spec: InstanceSpec, root: dict[str, Any],
                               config_drive: bool) -> DiskSet:
        """The disks of a volume-backed instance: its root is the volume (nothing copied),
        the flavor's ephemeral and swap disks and the config drive as for any."""
        path, fmt, serial = root_volume_source(root)
        check_memory(spec)
        d = self.dir(spec.id)
        d.mkdir(parents=True, exist_ok=True)
        try:
            (d / "root.json").write_text(json.dumps({"path": str(path), "format": fmt,
                                                     "serial": serial}))
            eph, swap = await self._extra_disks(spec, d)
            config = None
            if config_drive:
                config = await asyncio.to_thread(self._config_drive, spec, d / "disk.config")
            (d / "flavor.json").write_text(json.dumps(spec.flavor, sort_keys=True))
            return DiskSet(path, eph, swap, config, fmt, serial)
        except BaseException:
            await asyncio.to_thread(shutil.rmtree, d, True)
            raise

    async def _extra_disks(self, spec: InstanceSpec, d: Path) -> tuple[Path | None,
                                                                           Path | None]:
        eph_gb = int(spec.flavor.get("ephemeral") or 0)
        swap_mb = int(spec.flavor.get("swap") or 0)
        eph = d / "disk.eph0" if eph_gb else None
        swap = d / "disk.swap" if swap_mb else None
        if eph is not None:
            await run("qemu-img", "create", "-q", "-f", "qcow2", str(eph), f"{eph_gb}G")
        if swap is not None:
            await run("qemu-img", "create", "-q", "-f", "qcow2", str(swap), f"{swap_mb}M")
        return eph, swap

    def _config_drive(self, spec: InstanceSpec, dest: Path) -> Path:
        # the spec carries Nova's base64 user_data; the drive holds what the guest runs
        return build_config_drive(dest, meta_data(spec),
                                  user_data=user_data_bytes(spec.user_data),
                                  network_data={"links": [], "networks": [], "services": []})

    def existing(self, instance_id: str) -> DiskSet | None:
        d = self.dir(instance_id)

        def opt(name: str) -> Path | None:
            return d / name if (d / name).exists() else None
        if (d / "root.json").exists():
            root = json.loads((d / "root.json").read_text())
            return DiskSet(Path(root["path"]), opt("disk.eph0"), opt("disk.swap"),
                           opt("disk.config"), str(root["format"]), root.get("serial"))
        if not (d / "disk").exists():
            return None
        return DiskSet(d / "disk", opt("disk.eph0"), opt("disk.swap"), opt("disk.config"))

    def flavor(self, instance_id: str, backup: bool = False) -> dict[str, Any] | None:
        d = self.backup_dir(instance_id) if backup else self.dir(instance_id)
        try:
            return dict(json.loads((d / "flavor.json").read_text()))
        except (OSError, ValueError):
            return None

    async def resize(self, spec: InstanceSpec) -> DiskSet:
        """Move the instance's disks to the backup directory and make new ones from copies,
        grown to the new flavor (a disk is never shrunk: that would lose data)."""
        d, bak = self.dir(spec.id), self.backup_dir(spec.id)
        old_gb = int((self.flavor(spec.id) or {}).get("disk") or 0)
        new_gb = int(spec.flavor.get("disk") or 0)
        if new_gb and old_gb and new_gb < old_gb:
            raise SpawnFailed(f"Resize error: unable to resize the disk down from {old_gb} GB "
                              f"to {new_gb} GB; choose a flavor with at least {old_gb} GB")
        await asyncio.to_thread(shutil.rmtree, bak, True)
        d.rename(bak)
        try:
            d.mkdir()
            for name in ("disk", "base", "disk.config"):
                if (bak / name).exists():
                    await asyncio.to_thread(shutil.copy2, bak / name, d / name)
            if new_gb:
                await run("qemu-img", "resize", "-q", str(d / "disk"), f"{new_gb}G")
            eph, swap = await self._extra_disks(spec, d)
            (d / "flavor.json").write_text(json.dumps(spec.flavor, sort_keys=True))
        except BaseException:
            await self.restore(spec.id)
            raise
        config = d / "disk.config"
        return DiskSet(d / "disk", eph, swap, config if config.exists() else None)

    async def restore(self, instance_id: str) -> bool:
        """Revert: the backup becomes the instance directory again."""
        d, bak = self.dir(instance_id), self.backup_dir(instance_id)
        if not bak.exists():
            return False
        await asyncio.to_thread(shutil.rmtree, d, True)
        bak.rename(d)
        return True

    async def remove(self, instance_id: str) -> None:
        for d in (self.dir(instance_id), self.backup_dir(instance_id)):
            await asyncio.to_thread(shutil.rmtree, d, True)
