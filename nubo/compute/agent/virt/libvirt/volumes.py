"""A libvirt domain's volumes: hot-plugging a Cinder volume as a virtio disk (os-volume_
attachments attach/detach) and reading which volume disks a domain has (the reconciler's
question).

A volume reaches the host as os-brick's `local` connection_info (the file backend on the
same host: `data.device_path` is a qcow2 file). It becomes
`<disk type='file' device='disk'>` with the driver format of the connection
(`data.format`, qcow2 by default), `<target dev='vdb' bus='virtio'/>` and `<serial>` the volume
id: the serial is how the guest (/dev/disk/by-id/virtio-<id prefix>) and the reconciler find
it again. Other connection types (iSCSI, NBD) come with volume hosts on the bus.
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import Any
from xml.sax.saxutils import quoteattr

from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.agent.virt.libvirt.disks import InstanceDisks

LibvirtCall = Callable[..., Awaitable[Any]]
#: how long a guest gets to release a hot-unplugged disk (Nova's device_detach_timeout)
DETACH_TIMEOUT = 20.0
_FORMATS = frozenset({"qcow2", "raw"})


def disk_xml(connection_info: dict[str, Any], device: str) -> str:
    """The <disk> element of a volume at target `device` ("vdb"); a SpawnFailed for a
    connection this host cannot use."""
    kind = connection_info.get("driver_volume_type")
    data = connection_info.get("data") or {}
    if kind != "local" or not isinstance(data, dict) or not data.get("device_path"):
        raise SpawnFailed(f"volume connection type {kind!r} is not supported on this host "
                          "(only 'local' for now)")
    fmt = str(data.get("format") or "qcow2")
    if fmt not in _FORMATS:
        raise SpawnFailed(f"volume format {fmt!r} is not supported")
    serial = str(connection_info.get("serial") or data.get("volume_id") or "")
    readonly = "<readonly/>" if data.get("access_mode") == "ro" else ""
    return ("<disk type='file' device='disk'>"
            f"<driver name='qemu' type={quoteattr(fmt)} cache='none'/>"
            f"<source file={quoteattr(str(data['device_path']))}/>"
            f"<target dev={quoteattr(device)} bus='virtio'/>"
            f"<serial>{serial}</serial>{readonly}</disk>")


def volume_disks(domain_xml: str) -> dict[str, str]:
    """Target dev -> serial of the domain's disks that carry a serial (its volumes)."""
    root = ET.fromstring(domain_xml)
    out: dict[str, str] = {}
    for disk in root.iterfind("./devices/disk"):
        target, serial = disk.find("target"), disk.find("serial")
        if target is not None and serial is not None and serial.text:
            out[str(target.get("dev"))] = serial.text
    return out


def _disk_at(domain_xml: str, device: str) -> str | None:
    root = ET.fromstring(domain_xml)
    for disk in root.iterfind("./devices/disk"):
        target = disk.find("target")
        if target is not None and target.get("dev") == device:
            return ET.tostring(disk, encoding="unicode")
    return None


class VolumeEditor:
    """attach/detach/devices on one driver's domains; callers hold the instance's lock."""

    def __init__(self, disks: InstanceDisks, call: LibvirtCall) -> None:
        self.disks, self._call = disks, call

    async def _xmls(self, dom: Any) -> tuple[bool, str, str]:
        import libvirt

        def read() -> tuple[bool, str, str]:
            return (bool(dom.isActive()), dom.XMLDesc(0),
                    dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        return await asyncio.to_thread(read)

    async def attach(self, dom: Any, connection_info: dict[str, Any], device: str) -> None:
        """Into the running guest and its definition (the definition only when it is shut
        off); a disk already at `device` is left alone (if_not_exists)."""
        import libvirt
        xml = disk_xml(connection_info, device)
        active, live, config = await self._xmls(dom)
        flags = 0
        if active and _disk_at(live, device) is None:
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        if _disk_at(config, device) is None:
            flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if flags:
            await self._call("attaching the volume", dom.attachDeviceFlags, xml, flags)
            await self._save(dom)

    async def detach(self, dom: Any, device: str) -> None:
        """Out of the definition and the running guest (if_exists); the guest must release
        a live disk: waited for DETACH_TIMEOUT seconds, asked twice."""
        import libvirt
        active, live, config = await self._xmls(dom)
        in_config = _disk_at(config, device)
        if in_config is not None:
            await self._call("detaching the volume", dom.detachDeviceFlags, in_config,
                             libvirt.VIR_DOMAIN_AFFECT_CONFIG)
            await self._save(dom)
        in_live = _disk_at(live, device) if active else None
        if in_live is None:
            return
        await self._call("detaching the volume", dom.detachDeviceFlags, in_live,
                         libvirt.VIR_DOMAIN_AFFECT_LIVE)
        deadline = time.monotonic() + DETACH_TIMEOUT
        asked_again = False
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            if _disk_at(await asyncio.to_thread(dom.XMLDesc, 0), device) is None:
                return
            if not asked_again and time.monotonic() > deadline - DETACH_TIMEOUT / 2:
                asked_again = True
                try:
                    await asyncio.to_thread(dom.detachDeviceFlags, in_live,
                                            libvirt.VIR_DOMAIN_AFFECT_LIVE)
                except libvirt.libvirtError:
                    pass
        raise SpawnFailed(f"the guest did not release disk {device} within "
                          f"{DETACH_TIMEOUT:g} s (device detach failed)")

    async def devices(self, dom: Any) -> dict[str, str]:
        """The volume disks of the definition and of the running guest (either counts)."""
        active, live, config = await self._xmls(dom)
        found = volume_disks(config)
        if active:
            found.update(volume_disks(live))
        return found

    async def _save(self, dom: Any) -> None:
        """Keep DATA_DIR/instances/<id>/domain.xml (what unrescue and a failed resize
        define again) in step with libvirt's definition, as the NIC editor does."""
        import libvirt
        d = self.disks.dir(await asyncio.to_thread(dom.UUIDString))
        if (d / "rescue.xml").exists() or not d.exists():
            return
        xml = await asyncio.to_thread(dom.XMLDesc, libvirt.VIR_DOMAIN_XML_INACTIVE)
        await asyncio.to_thread((d / "domain.xml").write_text, xml)
