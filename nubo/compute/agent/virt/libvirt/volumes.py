"""A libvirt domain's volumes: hot-plugging a Cinder volume as a virtio disk (os-volume_
attachments attach/detach) and reading which volume disks a domain has (the reconciler's
question).

A volume reaches the host as os-brick's `local` connection_info (the file backend on the
same host: `data.device_path` is a qcow2 file). It becomes
`<disk type='file' device='disk'>` with the driver format of the connection
(`data.format`, qcow2 by default), `<target dev='vdb' bus='virtio'/>` and `<serial>` the volume
id: the serial is how the guest (/dev/disk/by-id/virtio-<id prefix>) and the reconciler find
it again.

A volume on another host arrives as Cinder's `iscsi` connection_info (target_portal,
target_iqn, target_lun, CHAP auth_username/auth_password). It becomes
`<disk type='network'><source protocol='iscsi' name='IQN/LUN'><host .../></source>` with
`<auth>` naming a libvirt secret (usage type iscsi) that holds the CHAP password: QEMU's
user-space initiator (libiscsi, Debian's qemu-block-extra) opens it, no kernel iSCSI. The
secret is defined with the attach and undefined with the detach.
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.agent.virt.libvirt.disks import InstanceDisks

LibvirtCall = Callable[..., Awaitable[Any]]
#: how long a guest gets to release a hot-unplugged disk (Nova's device_detach_timeout)
DETACH_TIMEOUT = 20.0
_FORMATS = frozenset({"qcow2", "raw"})


def secret_usage(volume_id: str) -> str:
    """The usage name of the libvirt secret holding a volume's CHAP password."""
    return f"nubo-volume-{volume_id}"


def secret_xml(usage: str) -> str:
    return ("<secret ephemeral='no' private='yes'><description>CHAP password of "
            f"{escape(usage)}</description><usage type='iscsi'>"
            f"<target>{escape(usage)}</target></usage></secret>")


def iscsi_secret(connection_info: dict[str, Any]) -> tuple[str, str] | None:
    """(usage, password) of an iscsi connection with CHAP; None for any other."""
    data = connection_info.get("data") or {}
    if connection_info.get("driver_volume_type") != "iscsi" or not isinstance(data, dict) \
            or data.get("auth_method") != "CHAP":
        return None
    vid = str(connection_info.get("serial") or data.get("volume_id") or "")
    return secret_usage(vid), str(data.get("auth_password") or "")


def _split_portal(portal: str) -> tuple[str, str]:
    host, sep, port = portal.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise SpawnFailed(f"iSCSI portal {portal!r} is not host:port")
    return host.strip("[]"), port


def _iscsi_disk(connection_info: dict[str, Any], data: dict[str, Any], device: str,
                serial: str, readonly: str) -> str:
    for key in ("target_iqn", "target_portal"):
        if not data.get(key):
            raise SpawnFailed(f"iscsi volume connection without {key}")
    host, port = _split_portal(str(data["target_portal"]))
    name = f"{data['target_iqn']}/{int(data.get('target_lun') or 0)}"
    auth = ""
    secret = iscsi_secret(connection_info)
    if secret is not None:
        auth = (f"<auth username={quoteattr(str(data.get('auth_username') or ''))}>"
                f"<secret type='iscsi' usage={quoteattr(secret[0])}/></auth>")
    elif data.get("auth_method"):
        raise SpawnFailed(f"iSCSI auth method {data['auth_method']!r} is not supported")
    return ("<disk type='network' device='disk'>"
            "<driver name='qemu' type='raw' cache='none'/>"
            f"<source protocol='iscsi' name={quoteattr(name)}>"
            f"<host name={quoteattr(host)} port={quoteattr(port)}/></source>{auth}"
            f"<target dev={quoteattr(device)} bus='virtio'/>"
            f"<serial>{escape(serial)}</serial>{readonly}</disk>")


def disk_xml(connection_info: dict[str, Any], device: str) -> str:
    """The <disk> element of a volume at target `device` ("vdb"); a SpawnFailed for a
    connection this host cannot use."""
    kind = connection_info.get("driver_volume_type")
    data = connection_info.get("data") or {}
    serial = str(connection_info.get("serial") or
                 (data.get("volume_id") if isinstance(data, dict) else "") or "")
    readonly = "<readonly/>" if isinstance(data, dict) and data.get("access_mode") == "ro" \
        else ""
    if kind == "iscsi" and isinstance(data, dict):
        return _iscsi_disk(connection_info, data, device, serial, readonly)
    if kind != "local" or not isinstance(data, dict) or not data.get("device_path"):
        raise SpawnFailed(f"volume connection type {kind!r} is not supported on this host "
                          "(only 'local' and 'iscsi')")
    fmt = str(data.get("format") or "qcow2")
    if fmt not in _FORMATS:
        raise SpawnFailed(f"volume format {fmt!r} is not supported")
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


def _secret_usage_of(disk: str) -> str | None:
    el = ET.fromstring(disk).find("./auth/secret")
    return None if el is None or el.get("type") != "iscsi" else el.get("usage")


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
            secret = iscsi_secret(connection_info)
            if secret is not None:
                await self._call("defining the volume's CHAP secret", self._define_secret,
                                 dom, *secret)
            try:
                await self._call("attaching the volume", dom.attachDeviceFlags, xml, flags)
            except SpawnFailed:
                if secret is not None:      # nothing half-made: the secret goes too
                    await asyncio.to_thread(self._undefine_secret, dom, secret[0])
                raise
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
        usage = _secret_usage_of(in_config or in_live or "<disk/>")
        if in_live is not None:
            await self._detach_live(dom, device, in_live)
        if usage is not None:
            await asyncio.to_thread(self._undefine_secret, dom, usage)

    async def _detach_live(self, dom: Any, device: str, in_live: str) -> None:
        import libvirt
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

    @staticmethod
    def _define_secret(dom: Any, usage: str, password: str) -> None:
        """The libvirt secret (usage type iscsi) the disk's <auth> names, with the CHAP
        password as its value; one already there gets the new value (may_exist)."""
        import libvirt
        conn = dom.connect()
        try:
            secret = conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_ISCSI, usage)
        except libvirt.libvirtError:
            secret = conn.secretDefineXML(secret_xml(usage), 0)
        secret.setValue(password.encode(), 0)

    @staticmethod
    def _undefine_secret(dom: Any, usage: str) -> None:
        import libvirt
        try:
            dom.connect().secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_ISCSI,
                                              usage).undefine()
        except libvirt.libvirtError:
            pass            # already gone (if_exists)

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
