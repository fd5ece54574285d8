"""A libvirt domain's NICs on the network dataplane's taps, and hot-plugging them
(os-interface attach/detach).

Every NIC is `<interface type='ethernet'>` with `<target dev='tapXXXX' managed='no'/>`: the
dataplane creates the tap (a persistent tuntap on the network's bridge) when the port is
bound to this host and removes it when the port goes, so libvirt only opens it for QEMU and
never creates, renames or deletes it (nor sets its MAC: the host side keeps the kernel's
random address, never the guest's).
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nubo.compute.agent.virt.base import SpawnFailed, VifSpec
from nubo.compute.agent.virt.libvirt.config import NicConfig
from nubo.compute.agent.virt.libvirt.xml import interface_xml
from nubo.network.names import tap_name

if TYPE_CHECKING:
    from nubo.compute.agent.virt.libvirt.driver import LibvirtDriver

SYS_NET = Path("/sys/class/net")
#: how long a guest gets to release a hot-unplugged NIC (Nova's device_detach_timeout)
DETACH_TIMEOUT = 20.0


def vif_dev(vif: VifSpec) -> str:
    """The host device of a VIF: the dataplane's tap for the port unless told otherwise."""
    return vif.dev or tap_name(vif.port_id)


def tap_missing(nics: Iterable[NicConfig]) -> str:
    """The unmanaged taps (with their guest MAC) that do not exist on this host, or ''."""
    return ", ".join(f"tap {n.target_dev} (MAC {n.mac})" for n in nics
                     if n.bridge is None and not (SYS_NET / n.target_dev).exists())


def interfaces(domain_xml: str) -> list[ET.Element]:
    return ET.fromstring(domain_xml).findall("devices/interface")


def _mac(el: ET.Element) -> str:
    mac = el.find("mac")
    return (mac.get("address") or "").lower() if mac is not None else ""


def _dev(el: ET.Element) -> str:
    target = el.find("target")
    return (target.get("dev") or "") if target is not None else ""


def _model(els: list[ET.Element]) -> str:
    """The NIC model the guest already has (the image's hw_vif_model), virtio if none."""
    for el in els:
        model = el.find("model")
        if model is not None and model.get("type"):
            return str(model.get("type"))
    return "virtio"


class InterfaceEditor:
    """attach/detach on one driver's domains; callers hold the instance's lock."""

    def __init__(self, driver: LibvirtDriver) -> None:
        self.d = driver

    async def _xmls(self, dom: Any) -> tuple[bool, str, str]:
        import libvirt

        def read() -> tuple[bool, str, str]:
            return (bool(dom.isActive()), dom.XMLDesc(0),
                    dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        return await asyncio.to_thread(read)

    async def attach(self, dom: Any, vif: VifSpec) -> None:
        """Plug the NIC into the running guest and its definition (only the definition
        when it is shut off); a NIC with this MAC already there is not added again."""
        import libvirt
        active, live, config = await self._xmls(dom)
        mac = vif.mac.lower()
        flags = 0
        if active and mac not in {_mac(e) for e in interfaces(live)}:
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        if mac not in {_mac(e) for e in interfaces(config)}:
            flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if not flags:
            return
        nic = self.d.nic_config(vif, _model(interfaces(config)))
        missing = tap_missing([nic])
        if missing:
            raise SpawnFailed(f"the network dataplane has not plugged port {vif.port_id} on "
                              f"{self.d.host}: no {missing}")
        await self.d._libvirt("attaching the interface", dom.attachDeviceFlags,
                              interface_xml(nic), flags)
        await self._save(dom)

    async def detach(self, dom: Any, port_id: str) -> None:
        """Unplug the port's NIC from the guest and its definition (if_exists). The guest
        must release a live NIC (ACPI hot-unplug): asked again halfway, then given up."""
        import libvirt
        dev = tap_name(port_id)
        active, live, config = await self._xmls(dom)
        in_config = [e for e in interfaces(config) if _dev(e) == dev]
        if in_config:
            await self.d._libvirt("detaching the interface", dom.detachDeviceFlags,
                                  ET.tostring(in_config[0], encoding="unicode"),
                                  libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        in_live = [e for e in interfaces(live) if _dev(e) == dev] if active else []
        if in_live:
            await self._detach_live(dom, ET.tostring(in_live[0], encoding="unicode"), dev)
        if in_config or in_live:
            await self._save(dom)

    async def _detach_live(self, dom: Any, xml: str, dev: str) -> None:
        import libvirt
        deadline = time.monotonic() + DETACH_TIMEOUT
        asked_again = False
        await self.d._libvirt("detaching the interface", dom.detachDeviceFlags, xml,
                              libvirt.VIR_DOMAIN_AFFECT_LIVE)
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            if not any(_dev(e) == dev for e in interfaces(
                    await asyncio.to_thread(dom.XMLDesc, 0))):
                return
            if not asked_again and time.monotonic() > deadline - DETACH_TIMEOUT / 2:
                asked_again = True      # the guest may have missed the first request
                try:
                    await asyncio.to_thread(dom.detachDeviceFlags, xml,
                                            libvirt.VIR_DOMAIN_AFFECT_LIVE)
                except libvirt.libvirtError:
                    pass                # "already in the process of unplug": keep waiting
        raise SpawnFailed(f"the guest did not release NIC {dev} within "
                          f"{DETACH_TIMEOUT:g} s (device detach failed)")

    async def _save(self, dom: Any) -> None:
        """Keep DATA_DIR/instances/<id>/domain.xml (what unrescue and a failed resize
        define again) in step with libvirt's definition."""
        import libvirt
        d = self.d.disks.dir(await asyncio.to_thread(dom.UUIDString))
        if (d / "rescue.xml").exists():     # the definition is the rescue one meanwhile
            return
        xml = await asyncio.to_thread(dom.XMLDesc, libvirt.VIR_DOMAIN_XML_INACTIVE)
        await asyncio.to_thread((d / "domain.xml").write_text, xml)
