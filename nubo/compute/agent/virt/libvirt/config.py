"""What a libvirt domain is made of, as frozen data, and how flavors and images decide it.

The dataclasses here describe a domain completely; `xml.domain_xml` renders one as libvirt XML
(render, then apply: the driver defines what this module describes). The derive functions
turn a flavor's extra specs and an image's properties into the CPU, NUMA and device parts,
checked against what the host can do; a request the host cannot honour raises a
`DomainConfigError` whose message tells the user which property to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

NOVA_NS = "http://openstack.org/xmlns/libvirt/nova/1.1"

VirtType = Literal["kvm", "qemu"]
# None as a mode: the hypervisor's default CPU (Nova's cpu_mode=none, its default under TCG).
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
    mode: CpuMode | None = "host-model"
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
    #: a volume's id: the guest's /dev/disk/by-id/virtio-<id> and the reconciler's mark
    serial: str | None = None


@dataclass(frozen=True)
class NicConfig:
    mac: str                          # the guest's MAC (the port's)
    target_dev: str                   # the tap's name (tapXXXXXXXX-XX as Nova)
    bridge: str | None = None         # None: an unmanaged tap (type='ethernet')
    mtu: int | None = None
    model: NicModel = "virtio"
    #: virtio's backend in the host kernel (/dev/vhost-net, KVM only); else QEMU's own
    vhost: bool = False


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
    emulator_cpus: tuple[int, ...] = ()   # () : the emulator threads float over vcpu_pins


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


class UnsupportedDiskBus(DomainConfigError):
    pass


class UnsupportedPageSize(DomainConfigError):
    pass


class InvalidCpuTopology(DomainConfigError):
    pass


class InvalidNumaTopology(DomainConfigError):
    pass


class NotEnoughHostCpus(DomainConfigError):
    pass


@dataclass(frozen=True)
class HostCapabilities:
    """What this host's hypervisor offers (the driver reads it from libvirt's capabilities)."""

    virt_type: VirtType = "qemu"
    machine_types: frozenset[str] = frozenset({"pc", "q35"})
    default_machine_type: str = "pc"
    cpu_models: frozenset[str] = frozenset({"qemu64", "Nehalem", "Haswell", "Skylake-Client"})
    disk_buses: frozenset[str] = frozenset({"virtio", "scsi", "sata", "ide", "usb"})
    nic_models: frozenset[str] = frozenset({"virtio", "e1000", "rtl8139"})
    video_models: frozenset[str] = frozenset({"vga", "cirrus", "virtio", "qxl", "none"})
    rng_models: frozenset[str] = frozenset({"virtio"})
    page_sizes_kb: frozenset[int] = frozenset({4})   # 4 plus the hugepage sizes mounted
    numa_nodes: int = 1
    # The operator's CPU mode (Nova's [libvirt]cpu_mode); None: host-model on KVM, the
    # hypervisor's default CPU on TCG (host-passthrough needs KVM).
    cpu_mode: CpuMode | None = None


@dataclass(frozen=True)
class GuestOptions:
    """The parts of a DomainConfig that a flavor and an image decide."""

    machine_type: str
    cpu: CpuConfig
    disk_bus: DiskBus
    cdrom_bus: DiskBus
    nic_model: NicModel
    video_model: str | None
    rng_model: str | None
    numa_cells: tuple[NumaCell, ...]
    pinning: PinningConfig | None
    hugepage_kb: int | None


def _get(specs: dict[str, Any], props: dict[str, Any], spec_key: str,
         prop_key: str) -> str | None:
    """A flavor extra spec wins over the image property (the operator's word over the user's)."""
    value = specs.get(spec_key, props.get(prop_key))
    return None if value is None else str(value)


def _int(value: str | None, what: str, error: type[DomainConfigError]) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise error(f"{what} must be a whole number, not {value!r}") from None
    if number < 1:
        raise error(f"{what} must be at least 1, not {number}")
    return number


def disk_target_prefix(bus: str) -> str:
    """The guest device name prefix libvirt expects for a bus (vda, sda, hda)."""
    return {"virtio": "vd", "ide": "hd"}.get(bus, "sd")


def disk_target_dev(bus: str, index: int) -> str:
    """vda, vdb, ... vdz, vdaa: the index-th disk on `bus` (0-based)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("a") + rem) + letters
    return disk_target_prefix(bus) + letters


def _choice(value: str | None, allowed: frozenset[str], default: str, key: str) -> str:
    if value is None:
        return default
    if value not in allowed:
        raise DomainConfigError(
            f"{key}={value!r} is not supported by this host; use one of "
            f"{', '.join(sorted(allowed))}")
    return value


def derive_disk_bus(props: dict[str, Any], host: HostCapabilities) -> DiskBus:
    bus = props.get("hw_disk_bus")
    if bus is None:
        return "virtio"
    if bus not in host.disk_buses:
        raise UnsupportedDiskBus(
            f"the image asks for disk bus hw_disk_bus={bus!r}, which this host does not "
            f"support; set it to one of {', '.join(sorted(host.disk_buses))} or remove it")
    return bus  # type: ignore[no-any-return]


def cdrom_bus(machine_type: str, host: HostCapabilities) -> DiskBus:
    """The config drive's bus: IDE as Nova on i440fx ('pc'); q35 has no IDE, so SATA."""
    bus: DiskBus = "sata" if "q35" in machine_type else "ide"
    if bus not in host.disk_buses:
        raise UnsupportedDiskBus(f"this host has no {bus} bus for the config drive")
    return bus


def derive_cpu_topology(vcpus: int, specs: dict[str, Any],
                        props: dict[str, Any]) -> CpuTopology | None:
    """Sockets/cores/threads from hw:cpu_* (flavor) or hw_cpu_* (image) within hw:cpu_max_*.

    Unset dimensions are filled preferring sockets, as Nova does; None when nothing is asked
    (libvirt then gives one socket per vCPU)."""
    dims = ("sockets", "cores", "threads")
    wanted: dict[str, int | None] = {}
    for dim in dims:
        value = _int(_get(specs, props, f"hw:cpu_{dim}", f"hw_cpu_{dim}"),
                     f"hw:cpu_{dim}", InvalidCpuTopology)
        limit = _int(specs.get(f"hw:cpu_max_{dim}"), f"hw:cpu_max_{dim}", InvalidCpuTopology)
        if value is not None and limit is not None and value > limit:
            raise InvalidCpuTopology(
                f"hw_cpu_{dim}={value} exceeds the flavor's hw:cpu_max_{dim}={limit}")
        wanted[dim] = value
    if all(v is None for v in wanted.values()):
        return None
    given = 1
    for v in wanted.values():
        given *= v or 1
    if vcpus % given:
        raise InvalidCpuTopology(
            f"the CPU topology {_topology_text(wanted)} does not divide the flavor's "
            f"{vcpus} vCPUs")
    rest = vcpus // given
    for dim in dims:
        if wanted[dim] is None:
            wanted[dim], rest = rest, 1
    if rest != 1:
        raise InvalidCpuTopology(
            f"the CPU topology {_topology_text(wanted)} gives {given} vCPUs but the flavor "
            f"has {vcpus}")
    return CpuTopology(wanted["sockets"] or 1, wanted["cores"] or 1, wanted["threads"] or 1)


def _topology_text(wanted: dict[str, int | None]) -> str:
    return ", ".join(f"{k}={'any' if v is None else v}" for k, v in wanted.items())


def derive_cpu(vcpus: int, specs: dict[str, Any], props: dict[str, Any],
               host: HostCapabilities) -> CpuConfig:
    topology = derive_cpu_topology(vcpus, specs, props)
    model = _get(specs, props, "hw:cpu_model", "hw_cpu_model")
    if model is not None:
        if model not in host.cpu_models:
            raise DomainConfigError(
                f"CPU model {model!r} is not offered by this host; use one of "
                f"{', '.join(sorted(host.cpu_models))}")
        return CpuConfig(mode="custom", model=model, topology=topology)
    mode = host.cpu_mode
    if mode is None and host.virt_type == "kvm":
        mode = "host-model"
    if mode == "host-passthrough" and host.virt_type != "kvm":
        raise DomainConfigError("cpu mode host-passthrough needs KVM; this host runs TCG")
    return CpuConfig(mode=mode, topology=topology)


def _cpu_set(text: str, what: str) -> tuple[int, ...]:
    """'0-2,5' -> (0, 1, 2, 5)."""
    cpus: set[int] = set()
    try:
        for part in text.split(","):
            lo, _, hi = part.strip().partition("-")
            cpus.update(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise InvalidNumaTopology(f"{what}={text!r} is not a CPU list like '0-1,3'") from None
    return tuple(sorted(cpus))


def derive_numa_cells(vcpus: int, memory_mb: int, specs: dict[str, Any],
                      props: dict[str, Any], host: HostCapabilities) -> tuple[NumaCell, ...]:
    """Guest NUMA cells from hw:numa_nodes (+ hw:numa_cpus.N / hw:numa_mem.N), split evenly
    when not given explicitly, as Nova does."""
    nodes = _int(_get(specs, props, "hw:numa_nodes", "hw_numa_nodes"), "hw:numa_nodes",
                 InvalidNumaTopology)
    if nodes is None:
        return ()
    if nodes > host.numa_nodes:
        raise InvalidNumaTopology(
            f"hw:numa_nodes={nodes} but this host has {host.numa_nodes} NUMA node(s)")
    if nodes > vcpus:
        raise InvalidNumaTopology(f"hw:numa_nodes={nodes} is more than the {vcpus} vCPUs")
    explicit = any(k.startswith("hw:numa_cpus.") for k in specs)
    if not explicit:
        if vcpus % nodes or memory_mb % nodes:
            raise InvalidNumaTopology(
                f"{vcpus} vCPUs and {memory_mb} MB cannot be split evenly over {nodes} NUMA "
                f"nodes; set hw:numa_cpus.N and hw:numa_mem.N for each node")
        per_cpu, per_mem = vcpus // nodes, memory_mb // nodes
        return tuple(NumaCell(i, tuple(range(i * per_cpu, (i + 1) * per_cpu)), per_mem)
                     for i in range(nodes))
    cells = []
    for i in range(nodes):
        cpus_text, mem_text = specs.get(f"hw:numa_cpus.{i}"), specs.get(f"hw:numa_mem.{i}")
        if cpus_text is None or mem_text is None:
            raise InvalidNumaTopology(f"hw:numa_cpus.{i} and hw:numa_mem.{i} must both be set")
        mem = _int(str(mem_text), f"hw:numa_mem.{i}", InvalidNumaTopology)
        cells.append(NumaCell(i, _cpu_set(str(cpus_text), f"hw:numa_cpus.{i}"), mem or 0))
    all_cpus = sorted(c for cell in cells for c in cell.cpus)
    if all_cpus != list(range(vcpus)):
        raise InvalidNumaTopology(
            f"hw:numa_cpus.N must name each vCPU 0-{vcpus - 1} exactly once")
    if sum(cell.memory_mb for cell in cells) != memory_mb:
        raise InvalidNumaTopology(f"hw:numa_mem.N must add up to the flavor's {memory_mb} MB")
    return tuple(cells)


_UNITS_KB = {"": 1, "k": 1, "kb": 1, "kib": 1, "m": 1024, "mb": 1024, "mib": 1024,
             "g": 1024 ** 2, "gb": 1024 ** 2, "gib": 1024 ** 2}


def derive_hugepage_kb(memory_mb: int, specs: dict[str, Any], props: dict[str, Any],
                       host: HostCapabilities) -> int | None:
    """hw:mem_page_size: small | large | any | a size ('2MB', '1GB', '2048' in KiB).

    None means normal (small) pages, no <memoryBacking>."""
    value = _get(specs, props, "hw:mem_page_size", "hw_mem_page_size")
    if value is None:
        return None
    value = value.strip().lower()
    huge = sorted(p for p in host.page_sizes_kb if p > 4)
    if value == "small":
        return None
    if value in ("large", "any"):
        if not huge:
            if value == "any":
                return None
            raise UnsupportedPageSize(
                "hw:mem_page_size=large but this host has no huge pages configured")
        return _fits(memory_mb, huge[-1])
    number = value.rstrip("kmgib")
    unit = value[len(number):]
    if not number.isdigit() or unit not in _UNITS_KB:
        raise UnsupportedPageSize(
            f"hw:mem_page_size={value!r} is not small, large, any or a size like 2MB")
    size_kb = int(number) * _UNITS_KB[unit]
    if size_kb not in host.page_sizes_kb:
        raise UnsupportedPageSize(
            f"hw:mem_page_size={value} ({size_kb} KiB) is not a page size this host has; "
            f"it has {', '.join(f'{p} KiB' for p in sorted(host.page_sizes_kb))}")
    return None if size_kb == 4 else _fits(memory_mb, size_kb)


def _fits(memory_mb: int, page_kb: int) -> int:
    if (memory_mb * 1024) % page_kb:
        raise UnsupportedPageSize(
            f"{memory_mb} MB of memory is not a whole number of {page_kb} KiB pages")
    return page_kb


def derive_pinning(vcpus: int, specs: dict[str, Any], props: dict[str, Any],
                   free_cpus: tuple[int, ...]) -> PinningConfig | None:
    """hw:cpu_policy=dedicated: each vCPU on its own host CPU, taken from `free_cpus` (the
    host CPUs no other pinned guest holds); hw:emulator_threads_policy=isolate adds one more
    for QEMU's own threads."""
    policy = _get(specs, props, "hw:cpu_policy", "hw_cpu_policy") or "shared"
    if policy == "shared":
        return None
    if policy != "dedicated":
        raise DomainConfigError(
            f"hw:cpu_policy={policy!r} is not supported; use shared or dedicated")
    isolate = specs.get("hw:emulator_threads_policy") == "isolate"
    need = vcpus + (1 if isolate else 0)
    free = sorted(set(free_cpus))
    if len(free) < need:
        raise NotEnoughHostCpus(
            f"hw:cpu_policy=dedicated needs {need} free host CPUs, this host has "
            f"{len(free)} left")
    return PinningConfig(tuple(free[:vcpus]), tuple(free[vcpus:need]))


def derive_guest_options(flavor: dict[str, Any], image_props: dict[str, Any],
                         host: HostCapabilities,
                         free_cpus: tuple[int, ...] = ()) -> GuestOptions:
    """Everything a flavor (vcpus, ram, extra_specs) and image properties decide, checked
    against `host`; raises a DomainConfigError saying what to change."""
    specs: dict[str, Any] = flavor.get("extra_specs") or {}
    vcpus, memory_mb = int(flavor["vcpus"]), int(flavor["ram"])
    machine = _choice(image_props.get("hw_machine_type"), host.machine_types,
                      host.default_machine_type, "hw_machine_type")
    nic = _choice(image_props.get("hw_vif_model"), host.nic_models, "virtio", "hw_vif_model")
    video = image_props.get("hw_video_model")
    if video is not None:
        video = _choice(str(video), host.video_models, "", "hw_video_model")
    rng = _choice(image_props.get("hw_rng_model"), host.rng_models, "virtio", "hw_rng_model")
    return GuestOptions(
        machine_type=machine,
        cpu=derive_cpu(vcpus, specs, image_props, host),
        disk_bus=derive_disk_bus(image_props, host),
        cdrom_bus=cdrom_bus(machine, host),
        nic_model=nic,  # type: ignore[arg-type]
        video_model=video,
        rng_model=rng,
        numa_cells=derive_numa_cells(vcpus, memory_mb, specs, image_props, host),
        pinning=derive_pinning(vcpus, specs, image_props, free_cpus),
        hugepage_kb=derive_hugepage_kb(memory_mb, specs, image_props, host),
    )
