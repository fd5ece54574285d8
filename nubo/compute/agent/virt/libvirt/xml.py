"""Render a DomainConfig as libvirt domain XML (pure: no libvirt needed, tested as data).

Element choices follow Nova's libvirt driver where it has one (SMBIOS sysinfo, clock timers,
ACPI/APIC, Nova's instance metadata) so that guests and tools see the same machine they would
under Nova.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from nubo.compute.agent.virt.libvirt.config import (
    NOVA_NS,
    CpuConfig,
    DiskConfig,
    DomainConfig,
    NicConfig,
    NovaMetadata,
    SmbiosConfig,
)

ET.register_namespace("nova", NOVA_NS)


def _sub(parent: ET.Element, tag: str, text: str | None = None,
         **attrs: str | int | None) -> ET.Element:
    el = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrs.items()
                                     if v is not None})
    if text is not None:
        el.text = text
    return el


def domain_xml(cfg: DomainConfig) -> str:
    dom = ET.Element("domain", {"type": cfg.virt_type})
    _sub(dom, "name", cfg.name)
    _sub(dom, "uuid", cfg.uuid)
    _sub(dom, "title", cfg.display_name)
    if cfg.metadata is not None:
        _metadata(_sub(dom, "metadata"), cfg.metadata, cfg)
    _sub(dom, "memory", str(cfg.memory_mb * 1024), unit="KiB")
    _sub(dom, "currentMemory", str(cfg.memory_mb * 1024), unit="KiB")
    if cfg.hugepage_kb is not None:
        backing = _sub(dom, "memoryBacking")
        pages = _sub(backing, "hugepages")
        nodeset = ",".join(str(c.id) for c in cfg.numa_cells) or None
        _sub(pages, "page", size=cfg.hugepage_kb, unit="KiB", nodeset=nodeset)
    _sub(dom, "vcpu", str(cfg.vcpus), placement="static")
    if cfg.pinning is not None:
        tune = _sub(dom, "cputune")
        for vcpu, host_cpu in enumerate(cfg.pinning.vcpu_pins):
            _sub(tune, "vcpupin", vcpu=vcpu, cpuset=host_cpu)
        emulator = cfg.pinning.emulator_cpus or cfg.pinning.vcpu_pins
        _sub(tune, "emulatorpin", cpuset=",".join(str(c) for c in emulator))
    if cfg.smbios is not None:
        _sysinfo(dom, cfg.smbios)
    _os(dom, cfg)
    features = _sub(dom, "features")
    _sub(features, "acpi")
    _sub(features, "apic")
    _cpu(dom, cfg.cpu, cfg)
    _clock(dom)
    _sub(dom, "on_poweroff", "destroy")
    _sub(dom, "on_reboot", "restart")
    _sub(dom, "on_crash", "destroy")
    _devices(_sub(dom, "devices"), cfg)
    ET.indent(dom)
    return ET.tostring(dom, encoding="unicode")


def _metadata(parent: ET.Element, meta: NovaMetadata, cfg: DomainConfig) -> None:
    def n(tag: str) -> str:
        return f"{{{NOVA_NS}}}{tag}"

    inst = ET.SubElement(parent, n("instance"))
    ET.SubElement(inst, n("package"), {"version": meta.package})
    ET.SubElement(inst, n("name")).text = cfg.display_name
    ET.SubElement(inst, n("creationTime")).text = meta.creation_time
    flavor = ET.SubElement(inst, n("flavor"), {"name": meta.flavor_name})
    for tag, value in (("memory", meta.memory_mb), ("disk", meta.disk_gb),
                       ("swap", meta.swap_mb), ("ephemeral", meta.ephemeral_gb),
                       ("vcpus", meta.vcpus)):
        ET.SubElement(flavor, n(tag)).text = str(value)
    owner = ET.SubElement(inst, n("owner"))
    ET.SubElement(owner, n("user"), {"uuid": meta.owner_user_id}).text = meta.owner_user_name
    ET.SubElement(owner, n("project"),
                  {"uuid": meta.owner_project_id}).text = meta.owner_project_name
    if meta.image_id is not None:
        ET.SubElement(inst, n("root"), {"type": "image", "uuid": meta.image_id})


def _sysinfo(dom: ET.Element, smbios: SmbiosConfig) -> None:
    # Nova's order and names (LibvirtConfigGuestSysinfo): the guest's dmidecode shows these.
    system = _sub(_sub(dom, "sysinfo", type="smbios"), "system")
    for name, value in (("manufacturer", smbios.manufacturer), ("product", smbios.product),
                        ("version", smbios.version), ("serial", smbios.serial),
                        ("uuid", smbios.uuid), ("family", smbios.family)):
        _sub(system, "entry", value, name=name)


def _os(dom: ET.Element, cfg: DomainConfig) -> None:
    os_el = _sub(dom, "os")
    _sub(os_el, "type", "hvm", arch=cfg.arch, machine=cfg.machine_type)
    # libvirt refuses <os><boot> together with per-device boot order: use one or the other.
    if not any(d.boot_order is not None for d in cfg.disks):
        _sub(os_el, "boot", dev="hd")
    if cfg.smbios is not None:
        _sub(os_el, "smbios", mode="sysinfo")


def _cpu(dom: ET.Element, cpu: CpuConfig, cfg: DomainConfig) -> None:
    if cpu.mode is None and cpu.topology is None and not cfg.numa_cells:
        return
    el = _sub(dom, "cpu", mode=cpu.mode)
    if cpu.mode == "custom":
        el.set("match", "exact")
        _sub(el, "model", cpu.model, fallback="forbid")
    if cpu.topology is not None:
        t = cpu.topology
        _sub(el, "topology", sockets=t.sockets, cores=t.cores, threads=t.threads)
    if cfg.numa_cells:
        numa = _sub(el, "numa")
        for cell in cfg.numa_cells:
            _sub(numa, "cell", id=cell.id, cpus=",".join(str(c) for c in cell.cpus),
                 memory=cell.memory_mb * 1024, unit="KiB",
                 memAccess="shared" if cfg.hugepage_kb else None)


def _clock(dom: ET.Element) -> None:
    # Nova's x86 timers: the PIT delays missed ticks, the RTC catches up, no HPET (guests
    # keep better time without it under load).
    clock = _sub(dom, "clock", offset="utc")
    _sub(clock, "timer", name="pit", tickpolicy="delay")
    _sub(clock, "timer", name="rtc", tickpolicy="catchup")
    _sub(clock, "timer", name="hpet", present="no")


def _devices(devices: ET.Element, cfg: DomainConfig) -> None:
    for disk in cfg.disks:
        _disk(devices, disk)
    for nic in cfg.nics:
        _nic(devices, nic)
    if not any(d.bus == "usb" for d in cfg.disks):
        # Nothing uses USB (no tablet, no USB disk): no controller, one less emulated device.
        _sub(devices, "controller", type="usb", model="none")
    _serial(devices, cfg)
    if cfg.vnc_listen is not None:
        graphics = _sub(devices, "graphics", type="vnc",
                        autoport="yes" if cfg.vnc_autoport else "no",
                        port=None if cfg.vnc_autoport else cfg.vnc_port,
                        listen=cfg.vnc_listen)
        _sub(graphics, "listen", type="address", address=cfg.vnc_listen)
    if cfg.video_model is not None:
        _sub(_sub(devices, "video"), "model", type=cfg.video_model)
    if cfg.rng_model is not None:
        rng = _sub(devices, "rng", model=cfg.rng_model)
        _sub(rng, "backend", cfg.rng_backend, model="random")
    # libvirt adds a balloon on its own unless told "none".
    balloon = _sub(devices, "memballoon", model="virtio" if cfg.balloon else "none")
    if cfg.balloon:
        _sub(balloon, "stats", period=10)


def _disk(devices: ET.Element, disk: DiskConfig) -> None:
    el = _sub(devices, "disk", type="file", device=disk.device)
    _sub(el, "driver", name="qemu", type=disk.driver_format, cache=disk.cache)
    _sub(el, "source", file=disk.path)
    _sub(el, "target", dev=disk.target_dev, bus=disk.bus)
    if disk.serial:
        _sub(el, "serial").text = disk.serial
    if disk.readonly or disk.device == "cdrom":
        _sub(el, "readonly")
    if disk.boot_order is not None:
        _sub(el, "boot", order=disk.boot_order)


def interface_xml(nic: NicConfig) -> str:
    """One <interface> on its own, for hot-plugging (attachDeviceFlags)."""
    holder = ET.Element("devices")
    _nic(holder, nic)
    return ET.tostring(holder[0], encoding="unicode")


def _nic(devices: ET.Element, nic: NicConfig) -> None:
    el = _sub(devices, "interface", type="ethernet" if nic.bridge is None else "bridge")
    _sub(el, "mac", address=nic.mac)
    if nic.bridge is not None:
        _sub(el, "source", bridge=nic.bridge)
        _sub(el, "target", dev=nic.target_dev)
    else:
        # The network dataplane made the tap already; libvirt must use it, not create one.
        _sub(el, "target", dev=nic.target_dev, managed="no")
    _sub(el, "model", type=nic.model)
    if nic.model == "virtio":
        # Explicit, so libvirt never tries vhost-net where the host has none.
        _sub(el, "driver", name="vhost" if nic.vhost else "qemu")
    if nic.mtu is not None:
        _sub(el, "mtu", size=nic.mtu)


def _serial(devices: ET.Element, cfg: DomainConfig) -> None:
    if cfg.serial_pty:
        serial = _sub(devices, "serial", type="pty")
        if cfg.serial_log_path is not None:
            # virtlogd copies everything the guest writes to the file console_output reads.
            _sub(serial, "log", file=cfg.serial_log_path, append="off")
        _sub(serial, "target", port=0)
        console = _sub(devices, "console", type="pty")
        _sub(console, "target", type="serial", port=0)
    elif cfg.serial_log_path is not None:
        serial = _sub(devices, "serial", type="file")
        _sub(serial, "source", path=cfg.serial_log_path)
        _sub(serial, "target", port=0)
