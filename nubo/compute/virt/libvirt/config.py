"""What a libvirt domain is made of, as frozen data, and how flavors and images decide it.

The dataclasses here describe a domain completely; `xml.domain_xml` renders one as libvirt XML
(render, then apply: the driver defines what this module describes). The derive functions
turn a flavor's extra specs and an image's properties into the CPU, NUMA and device parts,
checked against what the host can do; a request the host cannot honour raises a
`DomainConfigError` whose message tells the user which property to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

NOVA_NS = "http://openstack.org/xmlns/libvirt/nova/1.1"

VirtType = Literal["kvm", "qemu"]
CpuMode = Literal["host-passthrough", "host-model", "custom"]
DiskBus = Literal["virtio", "scsi", "sata", "ide", "usb"]
DiskDevice = Literal["disk", "cdrom"]
DiskFormat = Literal["qcow2", "raw"]
NicModel = Literal["virtio", "e1000", "rtl8139"]


@dataclass(frozen=True)
class CpuTopology:
    sockets: int
    cores: int
    threads: int

    @property
    def vcpus(self) -> int:
        return self.sockets * self.cores * self.threads


@dataclass(frozen=True)
class CpuConfig:
    mode: CpuMode = "host-model"
    model: str | None = None          # only with mode "custom"
    topology: CpuTopology | None = None


@dataclass(frozen=True)
class DiskConfig:
    path: str
    target_dev: str                   # vda, sda, hdc...
    bus: DiskBus = "virtio"
    device: DiskDevice = "disk"
    driver_format: DiskFormat = "qcow2"
    cache: str = "none"               # none needs O_DIRECT; "writeback" on tmpfs
    readonly: bool = False
    boot_order: int | None = None


@dataclass(frozen=True)
class NicConfig:
    mac: str
    target_dev: str                   # the tap's name (tapXXXXXXXX-XX as Nova)
    bridge: str | None = None         # None: an unmanaged tap (type='ethernet')
    mtu: int | None = None
    model: NicModel = "virtio"


@dataclass(frozen=True)
class SmbiosConfig:
    """SMBIOS system information as Nova's libvirt driver sets it."""

    serial: str                       # the instance id (Nova's sysinfo_serial = "unique")
    uuid: str                         # the instance id
    version: str = ""
    manufacturer: str = "OpenStack Foundation"
    product: str = "OpenStack Nova"
    family: str = "Virtual Machine"


@dataclass(frozen=True)
class NovaMetadata:
    """Nova's <nova:instance> metadata, so tools that read it (and operators) find it."""

    flavor_name: str
    memory_mb: int
    disk_gb: int
    swap_mb: int
    ephemeral_gb: int
    vcpus: int
    owner_user_id: str
    owner_user_name: str
    owner_project_id: str
    owner_project_name: str
    creation_time: str                # "YYYY-MM-DD HH:MM:SS" as Nova writes it
    package: str = ""
    image_id: str | None = None


@dataclass(frozen=True)
class NumaCell:
    id: int
    cpus: tuple[int, ...]             # guest vCPU numbers in this cell
    memory_mb: int


@dataclass(frozen=True)
class PinningConfig:
    """vCPU i runs on host CPU vcpu_pins[i] (hw:cpu_policy=dedicated)."""

    vcpu_pins: tuple[int, ...]
    emulator_cpus: tuple[int, ...] = ()


@dataclass(frozen=True)
class DomainConfig:
    name: str                         # instance-%08x
    uuid: str                         # the instance id
    display_name: str
    vcpus: int
    memory_mb: int
    virt_type: VirtType = "qemu"
    machine_type: str = "pc"
    arch: str = "x86_64"
    cpu: CpuConfig = field(default_factory=CpuConfig)
    disks: tuple[DiskConfig, ...] = ()
    nics: tuple[NicConfig, ...] = ()
    serial_log_path: str | None = None   # the console log (console_output reads it)
    serial_pty: bool = True              # an interactive console besides the log
    vnc_listen: str | None = None        # None: no graphics
    vnc_autoport: bool = True
    vnc_port: int | None = None          # only when not autoport
    video_model: str | None = None       # None: libvirt's default for the machine
    rng_model: str | None = "virtio"     # None: no RNG device
    rng_backend: str = "/dev/urandom"
    balloon: bool = True
    smbios: SmbiosConfig | None = None
    metadata: NovaMetadata | None = None
    numa_cells: tuple[NumaCell, ...] = ()
    pinning: PinningConfig | None = None
    hugepage_kb: int | None = None       # memoryBacking page size in KiB


def domain_name(instance_index: int) -> str:
    """Nova's instance_name_template 'instance-%08x'."""
    return f"instance-{instance_index:08x}"


class DomainConfigError(ValueError):
    """A flavor or image asks for something this host cannot do; the message says what."""
