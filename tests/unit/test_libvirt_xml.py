"""The libvirt domain builder: flavor/image -> DomainConfig parts, DomainConfig -> XML (as data)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from nubo.compute.agent.virt.libvirt.config import (
    NOVA_NS,
    CpuConfig,
    CpuTopology,
    DiskConfig,
    DomainConfig,
    DomainConfigError,
    HostCapabilities,
    InvalidCpuTopology,
    InvalidNumaTopology,
    NicConfig,
    NotEnoughHostCpus,
    NovaMetadata,
    NumaCell,
    PinningConfig,
    SmbiosConfig,
    UnsupportedDiskBus,
    UnsupportedPageSize,
    derive_cpu,
    derive_cpu_topology,
    derive_guest_options,
    derive_hugepage_kb,
    derive_numa_cells,
    derive_pinning,
    disk_target_dev,
    domain_name,
)
from nubo.compute.agent.virt.libvirt.volumes import volume_disks
from nubo.compute.agent.virt.libvirt.xml import domain_xml
from tests.install import missing

UUID = "6711e1a2-4c1f-4f8e-9b7e-1d2c3b4a5f60"
N = {"nova": NOVA_NS}


def full_config(**changes: Any) -> DomainConfig:
    cfg = DomainConfig(
        name=domain_name(10), uuid=UUID, display_name="vm1", vcpus=2, memory_mb=256,
        virt_type="qemu", machine_type="pc",
        cpu=CpuConfig(mode="custom", model="qemu64", topology=CpuTopology(1, 2, 1)),
        disks=(DiskConfig("/srv/i/disk", "vda", boot_order=1),
               DiskConfig("/srv/i/disk.config", "hda", bus="ide", device="cdrom",
                          driver_format="raw")),
        nics=(NicConfig("fa:16:3e:00:00:01", "tap0123abcd-ef", mtu=1450),),
        serial_log_path="/srv/i/console.log", vnc_listen="127.0.0.1",
        smbios=SmbiosConfig(serial=UUID, uuid=UUID, version="2026.1"),
        metadata=NovaMetadata("m1.tiny", 256, 1, 0, 0, 2, "uid", "alice", "pid", "demo",
                              "2026-01-02 03:04:05", image_id="img-1"),
    )
    return dataclasses.replace(cfg, **changes)


def parse(cfg: DomainConfig) -> ET.Element:
    return ET.fromstring(domain_xml(cfg))


def one(root: ET.Element, path: str) -> ET.Element:
    found = root.findall(path, N)
    assert len(found) == 1, f"{path}: {len(found)} elements"
    return found[0]


# --- XML ------------------------------------------------------------------------------------

def test_identity_memory_and_lifecycle() -> None:
    root = parse(full_config())
    assert root.tag == "domain" and root.get("type") == "qemu"
    assert one(root, "name").text == "instance-0000000a"
    assert one(root, "uuid").text == UUID
    assert one(root, "title").text == "vm1"
    assert one(root, "memory").text == "262144" and one(root, "memory").get("unit") == "KiB"
    assert one(root, "currentMemory").text == "262144"
    assert one(root, "vcpu").text == "2"
    assert [(e.tag, e.text) for e in root if e.tag.startswith("on_")] == [
        ("on_poweroff", "destroy"), ("on_reboot", "restart"), ("on_crash", "destroy")]
    assert parse(full_config(virt_type="kvm")).get("type") == "kvm"


def test_os_features_and_clock() -> None:
    root = parse(full_config(machine_type="q35"))
    t = one(root, "os/type")
    assert (t.text, t.get("arch"), t.get("machine")) == ("hvm", "x86_64", "q35")
    assert one(root, "os/smbios").get("mode") == "sysinfo"
    # per-device boot order is set, so no <os><boot> (libvirt refuses both)
    assert root.findall("os/boot") == []
    assert one(root, "devices/disk[@device='disk']/boot").get("order") == "1"
    assert [f.tag for f in one(root, "features")] == ["acpi", "apic"]
    assert one(root, "clock").get("offset") == "utc"
    timers = {t.get("name"): t.attrib for t in root.findall("clock/timer")}
    assert timers == {"pit": {"name": "pit", "tickpolicy": "delay"},
                      "rtc": {"name": "rtc", "tickpolicy": "catchup"},
                      "hpet": {"name": "hpet", "present": "no"}}


def test_boot_dev_when_no_boot_order() -> None:
    disks = (DiskConfig("/d", "vda"),)
    root = parse(full_config(disks=disks))
    assert one(root, "os/boot").get("dev") == "hd"
    assert root.findall("devices/disk/boot") == []


def test_smbios_sysinfo_as_nova() -> None:
    system = one(parse(full_config()), "sysinfo[@type='smbios']/system")
    assert [(e.get("name"), e.text) for e in system] == [
        ("manufacturer", "OpenStack Foundation"), ("product", "OpenStack Nova"),
        ("version", "2026.1"), ("serial", UUID), ("uuid", UUID),
        ("family", "Virtual Machine")]
    root = parse(full_config(smbios=None))
    assert root.findall("sysinfo") == [] and root.findall("os/smbios") == []


def test_nova_metadata() -> None:
    inst = one(parse(full_config()), "metadata/nova:instance")
    assert one(inst, "nova:name").text == "vm1"
    assert one(inst, "nova:creationTime").text == "2026-01-02 03:04:05"
    flavor = one(inst, "nova:flavor")
    assert flavor.get("name") == "m1.tiny"
    assert {e.tag.split("}")[1]: e.text for e in flavor} == {
        "memory": "256", "disk": "1", "swap": "0", "ephemeral": "0", "vcpus": "2"}
    user, project = one(inst, "nova:owner/nova:user"), one(inst, "nova:owner/nova:project")
    assert (user.get("uuid"), user.text) == ("uid", "alice")
    assert (project.get("uuid"), project.text) == ("pid", "demo")
    assert one(inst, "nova:root").attrib == {"type": "image", "uuid": "img-1"}
    assert parse(full_config(metadata=None)).findall("metadata") == []


@pytest.mark.parametrize("cpu, mode, model", [
    (CpuConfig(mode="host-passthrough"), "host-passthrough", None),
    (CpuConfig(mode="host-model"), "host-model", None),
    (CpuConfig(mode="custom", model="Haswell"), "custom", "Haswell"),
])
def test_cpu_modes(cpu: CpuConfig, mode: str, model: str | None) -> None:
    el = one(parse(full_config(cpu=cpu)), "cpu")
    assert el.get("mode") == mode
    if model is None:
        assert el.findall("model") == []
    else:
        assert one(el, "model").text == model and one(el, "model").get("fallback") == "forbid"
    assert el.findall("topology") == []


def test_cpu_topology_and_default_cpu() -> None:
    topo = one(parse(full_config(vcpus=8, cpu=CpuConfig(
        mode=None, topology=CpuTopology(2, 2, 2)))), "cpu/topology")
    assert topo.attrib == {"sockets": "2", "cores": "2", "threads": "2"}
    # TCG with the hypervisor's default CPU and no topology: no <cpu> at all
    assert parse(full_config(cpu=CpuConfig(mode=None))).findall("cpu") == []


def test_disks_virtio_other_buses_and_cdrom() -> None:
    disks = (DiskConfig("/srv/d", "vda", cache="writeback"),
             DiskConfig("/srv/e", "sda", bus="scsi", driver_format="raw", readonly=True),
             DiskConfig("/srv/c", "hda", bus="ide", device="cdrom", driver_format="raw"))
    els = parse(full_config(disks=disks)).findall("devices/disk")
    got = [(e.get("type"), e.get("device"), one(e, "source").get("file"),
            one(e, "target").attrib, one(e, "driver").attrib, e.find("readonly") is not None)
           for e in els]
    assert got == [
        ("file", "disk", "/srv/d", {"dev": "vda", "bus": "virtio"},
         {"name": "qemu", "type": "qcow2", "cache": "writeback"}, False),
        ("file", "disk", "/srv/e", {"dev": "sda", "bus": "scsi"},
         {"name": "qemu", "type": "raw", "cache": "none"}, True),
        ("file", "cdrom", "/srv/c", {"dev": "hda", "bus": "ide"},
         {"name": "qemu", "type": "raw", "cache": "none"}, True)]


def test_a_root_volume_disk_carries_its_serial() -> None:
    """A volume-backed root disk: the volume's file at vda with the volume id as serial (how
    the reconciler's volume_disks and the guest's /dev/disk/by-id find it)."""
    vol = "0f6c2b8e-1111-4222-8333-944445555666"
    disks = (DiskConfig("/srv/volumes/volume-x.qcow2", "vda", serial=vol, boot_order=1),
             DiskConfig("/srv/i/disk.eph0", "vdb"))
    xml = domain_xml(full_config(disks=disks))
    els = ET.fromstring(xml).findall("devices/disk")
    assert [e.findtext("serial") for e in els] == [vol, None]
    assert volume_disks(xml) == {"vda": vol}


def test_nic_on_tap_and_on_bridge() -> None:
    nics = (NicConfig("fa:16:3e:00:00:01", "tap1", mtu=1450),
            NicConfig("fa:16:3e:00:00:02", "tap2", bridge="br-int", model="e1000"))
    tap, bridged = parse(full_config(nics=nics)).findall("devices/interface")
    assert tap.get("type") == "ethernet"
    assert one(tap, "mac").get("address") == "fa:16:3e:00:00:01"
    assert one(tap, "target").attrib == {"dev": "tap1", "managed": "no"}
    assert one(tap, "model").get("type") == "virtio"
    assert one(tap, "driver").get("name") == "qemu"       # never vhost
    assert one(tap, "mtu").get("size") == "1450"
    assert tap.findall("source") == []
    assert bridged.get("type") == "bridge"
    assert one(bridged, "source").get("bridge") == "br-int"
    assert one(bridged, "target").get("dev") == "tap2"
    assert one(bridged, "model").get("type") == "e1000"
    assert bridged.findall("mtu") == [] and bridged.findall("driver") == []


def test_serial_log_and_pty_console() -> None:
    root = parse(full_config())
    serial = one(root, "devices/serial")
    assert serial.get("type") == "pty"
    assert one(serial, "log").attrib == {"file": "/srv/i/console.log", "append": "off"}
    console = one(root, "devices/console")
    assert console.get("type") == "pty" and one(console, "target").get("type") == "serial"
    root = parse(full_config(serial_pty=False))
    serial = one(root, "devices/serial")
    assert serial.get("type") == "file"
    assert one(serial, "source").get("path") == "/srv/i/console.log"
    assert root.findall("devices/console") == []


def test_vnc_video_rng_balloon_usb() -> None:
    root = parse(full_config(video_model="virtio"))
    g = one(root, "devices/graphics")
    assert (g.get("type"), g.get("autoport"), g.get("listen")) == ("vnc", "yes", "127.0.0.1")
    assert g.get("port") is None
    assert one(g, "listen").attrib == {"type": "address", "address": "127.0.0.1"}
    assert one(root, "devices/video/model").get("type") == "virtio"
    rng = one(root, "devices/rng")
    assert rng.get("model") == "virtio"
    assert (one(rng, "backend").get("model"), one(rng, "backend").text) == (
        "random", "/dev/urandom")
    assert one(root, "devices/memballoon").get("model") == "virtio"
    assert one(root, "devices/controller[@type='usb']").get("model") == "none"

    root = parse(full_config(vnc_listen="0.0.0.0", vnc_autoport=False, vnc_port=5901,
                             rng_model=None, balloon=False))
    g = one(root, "devices/graphics")
    assert (g.get("autoport"), g.get("port")) == ("no", "5901")
    assert root.findall("devices/rng") == []
    assert one(root, "devices/memballoon").get("model") == "none"
    root = parse(full_config(vnc_listen=None))
    assert root.findall("devices/graphics") == [] and root.findall("devices/video") == []


def test_usb_controller_kept_for_usb_disk() -> None:
    root = parse(full_config(disks=(DiskConfig("/d", "sda", bus="usb"),)))
    assert root.findall("devices/controller[@type='usb']") == []


def test_pinning_numa_and_hugepages() -> None:
    cfg = full_config(vcpus=4, memory_mb=1024, cpu=CpuConfig(mode=None),
                      numa_cells=(NumaCell(0, (0, 1), 512), NumaCell(1, (2, 3), 512)),
                      pinning=PinningConfig((4, 5, 6, 7), (3,)), hugepage_kb=2048)
    root = parse(cfg)
    pins = [(p.get("vcpu"), p.get("cpuset")) for p in root.findall("cputune/vcpupin")]
    assert pins == [("0", "4"), ("1", "5"), ("2", "6"), ("3", "7")]
    assert one(root, "cputune/emulatorpin").get("cpuset") == "3"
    cells = [c.attrib for c in root.findall("cpu/numa/cell")]
    assert cells == [
        {"id": "0", "cpus": "0,1", "memory": "524288", "unit": "KiB", "memAccess": "shared"},
        {"id": "1", "cpus": "2,3", "memory": "524288", "unit": "KiB", "memAccess": "shared"}]
    page = one(root, "memoryBacking/hugepages/page")
    assert page.attrib == {"size": "2048", "unit": "KiB", "nodeset": "0,1"}
    plain = parse(full_config())
    assert plain.findall("cputune") == [] and plain.findall("memoryBacking") == []


# --- deriving from flavor and image ---------------------------------------------------------

HOST = HostCapabilities(page_sizes_kb=frozenset({4, 2048}), numa_nodes=2)


def test_domain_name_and_target_devs() -> None:
    assert domain_name(0x1a) == "instance-0000001a"
    assert [disk_target_dev("virtio", i) for i in (0, 1, 25, 26)] == [
        "vda", "vdb", "vdz", "vdaa"]
    assert disk_target_dev("ide", 2) == "hdc" and disk_target_dev("scsi", 0) == "sda"


@pytest.mark.parametrize("specs, props, want", [
    ({}, {}, None),
    ({"hw:cpu_sockets": "2"}, {}, (2, 2, 1)),
    ({"hw:cpu_threads": "2"}, {}, (2, 1, 2)),
    ({}, {"hw_cpu_cores": 4}, (1, 4, 1)),
    ({"hw:cpu_sockets": "1", "hw:cpu_cores": "2", "hw:cpu_threads": "2"}, {}, (1, 2, 2)),
    ({"hw:cpu_max_sockets": "2"}, {"hw_cpu_sockets": "2"}, (2, 2, 1)),
])
def test_cpu_topology(specs: dict[str, str], props: dict[str, Any],
                      want: tuple[int, int, int] | None) -> None:
    got = derive_cpu_topology(4, specs, props)
    assert (got and (got.sockets, got.cores, got.threads)) == want


@pytest.mark.parametrize("specs, props, words", [
    ({"hw:cpu_sockets": "3"}, {}, "does not divide"),
    ({"hw:cpu_sockets": "1", "hw:cpu_cores": "1", "hw:cpu_threads": "1"}, {}, "gives 1"),
    ({"hw:cpu_max_sockets": "1"}, {"hw_cpu_sockets": "2"}, "exceeds"),
    ({"hw:cpu_cores": "two"}, {}, "whole number"),
])
def test_cpu_topology_rejected(specs: dict[str, str], props: dict[str, Any],
                               words: str) -> None:
    with pytest.raises(InvalidCpuTopology, match=words):
        derive_cpu_topology(4, specs, props)


def test_cpu_mode_from_host_and_model() -> None:
    assert derive_cpu(1, {}, {}, HostCapabilities(virt_type="qemu")).mode is None
    assert derive_cpu(1, {}, {}, HostCapabilities(virt_type="kvm")).mode == "host-model"
    cpu = derive_cpu(1, {"hw:cpu_model": "Haswell"}, {}, HOST)
    assert (cpu.mode, cpu.model) == ("custom", "Haswell")
    with pytest.raises(DomainConfigError, match="'EPYC' is not offered"):
        derive_cpu(1, {"hw:cpu_model": "EPYC"}, {}, HOST)
    with pytest.raises(DomainConfigError, match="needs KVM"):
        derive_cpu(1, {}, {}, HostCapabilities(cpu_mode="host-passthrough"))


def test_numa_cells() -> None:
    assert derive_numa_cells(4, 1024, {}, {}, HOST) == ()
    assert derive_numa_cells(4, 1024, {"hw:numa_nodes": "2"}, {}, HOST) == (
        NumaCell(0, (0, 1), 512), NumaCell(1, (2, 3), 512))
    explicit = {"hw:numa_nodes": "2", "hw:numa_cpus.0": "0", "hw:numa_mem.0": "256",
                "hw:numa_cpus.1": "1-3", "hw:numa_mem.1": "768"}
    assert derive_numa_cells(4, 1024, explicit, {}, HOST) == (
        NumaCell(0, (0,), 256), NumaCell(1, (1, 2, 3), 768))


@pytest.mark.parametrize("specs, words", [
    ({"hw:numa_nodes": "3"}, "host has 2"),
    ({"hw:numa_nodes": "2"}, "split evenly"),          # 3 vCPUs
    ({"hw:numa_nodes": "2", "hw:numa_cpus.0": "0", "hw:numa_mem.0": "512",
      "hw:numa_cpus.1": "1", "hw:numa_mem.1": "512"}, "each vCPU"),
    ({"hw:numa_nodes": "2", "hw:numa_cpus.0": "0", "hw:numa_mem.0": "512",
      "hw:numa_cpus.1": "1-2", "hw:numa_mem.1": "256"}, "add up"),
])
def test_numa_rejected(specs: dict[str, str], words: str) -> None:
    with pytest.raises(InvalidNumaTopology, match=words):
        derive_numa_cells(3, 1024, specs, {}, HOST)


@pytest.mark.parametrize("value, want", [
    ("small", None), ("large", 2048), ("any", 2048), ("2MB", 2048), ("2048", 2048),
    ("4KB", None)])
def test_page_sizes(value: str, want: int | None) -> None:
    assert derive_hugepage_kb(1024, {"hw:mem_page_size": value}, {}, HOST) == want


@pytest.mark.parametrize("host, value, memory, words", [
    (HOST, "1GB", 1024, "not a page size this host has"),
    (HostCapabilities(), "large", 1024, "no huge pages"),
    (HOST, "huge", 1024, "is not small, large, any"),
    (HOST, "2MB", 1025, "not a whole number of 2048 KiB pages"),
])
def test_page_size_rejected(host: HostCapabilities, value: str, memory: int,
                            words: str) -> None:
    with pytest.raises(UnsupportedPageSize, match=words):
        derive_hugepage_kb(memory, {"hw:mem_page_size": value}, {}, host)
    assert issubclass(UnsupportedPageSize, ValueError)


def test_pinning() -> None:
    assert derive_pinning(2, {}, {}, (0, 1, 2, 3)) is None
    assert derive_pinning(2, {"hw:cpu_policy": "dedicated"}, {}, (3, 1, 2)) == PinningConfig(
        (1, 2), ())
    assert derive_pinning(2, {"hw:cpu_policy": "dedicated",
                              "hw:emulator_threads_policy": "isolate"}, {},
                          (5, 6, 7)) == PinningConfig((5, 6), (7,))
    with pytest.raises(NotEnoughHostCpus, match="needs 2 free host CPUs, this host has 1"):
        derive_pinning(2, {"hw:cpu_policy": "dedicated"}, {}, (3,))
    with pytest.raises(DomainConfigError, match="mixed"):
        derive_pinning(2, {"hw:cpu_policy": "mixed"}, {}, (0, 1))


def test_guest_options_defaults_and_image_properties() -> None:
    flavor = {"vcpus": 2, "ram": 512, "extra_specs": {}}
    opts = derive_guest_options(flavor, {}, HOST)
    assert (opts.machine_type, opts.disk_bus, opts.cdrom_bus, opts.nic_model,
            opts.rng_model, opts.video_model) == ("pc", "virtio", "ide", "virtio", "virtio",
                                                  None)
    assert opts.pinning is None and opts.numa_cells == () and opts.hugepage_kb is None
    props = {"hw_machine_type": "q35", "hw_disk_bus": "scsi", "hw_vif_model": "e1000",
             "hw_video_model": "virtio"}
    opts = derive_guest_options(flavor, props, HOST)
    assert (opts.machine_type, opts.disk_bus, opts.cdrom_bus, opts.nic_model,
            opts.video_model) == ("q35", "scsi", "sata", "e1000", "virtio")


@pytest.mark.parametrize("props, error, words", [
    ({"hw_disk_bus": "xen"}, UnsupportedDiskBus, "hw_disk_bus='xen'"),
    ({"hw_vif_model": "ne2k_pci"}, DomainConfigError, "hw_vif_model='ne2k_pci'"),
    ({"hw_machine_type": "virt"}, DomainConfigError, "hw_machine_type='virt'"),
    ({"hw_rng_model": "egd"}, DomainConfigError, "hw_rng_model"),
    ({"hw_video_model": "gop"}, DomainConfigError, "hw_video_model"),
])
def test_guest_options_rejected(props: dict[str, str], error: type[Exception],
                                words: str) -> None:
    with pytest.raises(error, match=words):
        derive_guest_options({"vcpus": 1, "ram": 256}, props, HOST)


def test_disk_bus_the_host_lacks() -> None:
    host = HostCapabilities(disk_buses=frozenset({"virtio", "ide"}))
    with pytest.raises(UnsupportedDiskBus, match="one of ide, virtio"):
        derive_guest_options({"vcpus": 1, "ram": 256}, {"hw_disk_bus": "sata"}, host)


# --- libvirt accepts what we render (its test driver: no daemon, no QEMU) -------------------

def _variants() -> Iterator[DomainConfig]:
    yield full_config()
    yield full_config(virt_type="kvm", cpu=CpuConfig(mode="host-passthrough"), smbios=None,
                      metadata=None, serial_pty=False, vnc_listen=None, rng_model=None,
                      balloon=False, disks=(DiskConfig("/d", "vda"),))
    yield full_config(vcpus=4, memory_mb=1024, machine_type="q35", video_model="virtio",
                      cpu=CpuConfig(mode="host-model", topology=CpuTopology(2, 1, 2)),
                      numa_cells=(NumaCell(0, (0, 1), 512), NumaCell(1, (2, 3), 512)),
                      pinning=PinningConfig((0, 1, 2, 3), (1,)), hugepage_kb=2048,
                      disks=(DiskConfig("/d", "sda", bus="sata", boot_order=1),
                             DiskConfig("/c", "sdb", bus="sata", device="cdrom",
                                        driver_format="raw")),
                      nics=(NicConfig("fa:16:3e:00:00:09", "tapb", bridge="br0",
                                      model="rtl8139"),))


@pytest.fixture
def test_driver() -> Iterator[Any]:
    try:
        import libvirt
    except ImportError:
        missing("runtime", "libvirt-python not installed")
    conn = libvirt.open("test:///default")
    yield conn
    conn.close()


@pytest.mark.parametrize("cfg", list(_variants()), ids=["full", "minimal-kvm", "numa-pinned"])
def test_libvirt_test_driver_accepts(test_driver: Any, cfg: DomainConfig) -> None:
    dom = test_driver.defineXML(domain_xml(cfg))
    try:
        back = ET.fromstring(dom.XMLDesc())
        assert back.findtext("name") == cfg.name
        assert back.findtext("uuid") == cfg.uuid
        assert len(back.findall("devices/disk")) == len(cfg.disks)
        assert len(back.findall("devices/interface")) == len(cfg.nics)
        assert len(back.findall("cputune/vcpupin")) == (
            len(cfg.pinning.vcpu_pins) if cfg.pinning else 0)
    finally:
        dom.undefine()
