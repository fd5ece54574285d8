"""Diagnostics of a libvirt domain, as Nova's libvirt driver reports them: `collect` reads
the counters (blocking libvirt calls: run it in a thread), `shape` turns them into the
driver contract's dictionary (pure). The pre-2.48 flat keys are Nova's get_diagnostics
keys (cpu0_time, vda_read_req, tap..._rx, memory, memory-<stat>)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from nubo.compute import states
from nubo.compute.agent.virt.libvirt.events import POWER_STATES

MIB_IN_KIB = 1024


@dataclass
class Counters:
    """What libvirt said about one domain."""

    state: int                                   # virDomainState
    max_mem_kib: int
    mem_kib: int
    vcpus: list[tuple[int, int]] = field(default_factory=list)       # (id, cpu time ns)
    #: (target dev, (rd_req, rd_bytes, wr_req, wr_bytes, errs)) per disk
    disks: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    #: (mac, target dev or None, interfaceStats 8-tuple or None) per NIC
    nics: list[tuple[str, str | None, tuple[int, ...] | None]] = field(default_factory=list)
    memory_stats: dict[str, int] = field(default_factory=dict)


def devices(xml: str) -> tuple[list[str], list[tuple[str, str | None]]]:
    """The disks' target devs and the NICs' (mac, target dev) of a domain XML (Nova's
    _get_io_devices and the interface walk of get_instance_diagnostics)."""
    root = ET.fromstring(xml)
    disks = [t.get("dev", "") for t in root.findall("./devices/disk/target")
             if t.get("dev")]
    nics: list[tuple[str, str | None]] = []
    for iface in root.findall("./devices/interface"):
        mac = iface.find("mac")
        target = iface.find("target")
        nics.append((mac.get("address", "") if mac is not None else "",
                     target.get("dev") if target is not None else None))
    return disks, nics


def collect(dom: Any) -> Counters:
    """Read every counter of `dom`; a counter the hypervisor does not give is left out
    (Nova catches libvirtError per call the same way)."""
    import libvirt
    state, max_mem, mem, _ncpu, _cpu_time = dom.info()
    out = Counters(state=state, max_mem_kib=max_mem, mem_kib=mem)
    try:
        out.vcpus = [(int(v[0]), int(v[2])) for v in dom.vcpus()[0]]
    except libvirt.libvirtError:
        pass
    disks, nics = devices(dom.XMLDesc(0))
    for disk in disks:
        try:
            out.disks.append((disk, tuple(int(x) for x in dom.blockStats(disk))))
        except libvirt.libvirtError:
            pass
    for mac, dev in nics:
        stats: tuple[int, ...] | None = None
        if dev:
            try:
                stats = tuple(int(x) for x in dom.interfaceStats(dev))
            except libvirt.libvirtError:
                stats = None
        out.nics.append((mac, dev, stats))
    try:
        out.memory_stats = {str(k): int(v) for k, v in dom.memoryStats().items()}
    except (libvirt.libvirtError, AttributeError):
        pass
    return out


def _nic(mac: str, stats: tuple[int, ...] | None) -> dict[str, Any]:
    s = stats or (0,) * 8
    return {"mac_address": mac, "rx_octets": s[0], "rx_errors": s[2], "rx_drop": s[3],
            "rx_packets": s[1], "rx_rate": None, "tx_octets": s[4], "tx_errors": s[6],
            "tx_drop": s[7], "tx_packets": s[5], "tx_rate": None}


def shape(c: Counters, hypervisor: str) -> dict[str, Any]:
    """The contract's dictionary: the 2.48 fields a driver knows, plus `legacy` (pre-2.48)."""
    legacy: dict[str, Any] = {f"cpu{i}_time": t for i, t in c.vcpus}
    for disk, b in c.disks:
        legacy.update({f"{disk}_read_req": b[0], f"{disk}_read": b[1],
                       f"{disk}_write_req": b[2], f"{disk}_write": b[3],
                       f"{disk}_errors": b[4]})
    for _mac, dev, n in c.nics:
        if dev and n is not None:
            for i, key in enumerate(("rx", "rx_packets", "rx_errors", "rx_drop", "tx",
                                     "tx_packets", "tx_errors", "tx_drop")):
                legacy[f"{dev}_{key}"] = n[i]
    legacy["memory"] = c.max_mem_kib
    legacy.update({f"memory-{k}": v for k, v in c.memory_stats.items()})
    return {
        "power_state": POWER_STATES.get(c.state, states.NOSTATE),
        "driver": "libvirt", "hypervisor": hypervisor, "hypervisor_os": "linux",
        "cpu_details": [{"id": i, "time": t, "utilisation": None} for i, t in c.vcpus],
        "nic_details": [_nic(mac, s) for mac, _dev, s in c.nics],
        "disk_details": [{"read_bytes": s[1], "read_requests": s[0], "write_bytes": s[3],
                          "write_requests": s[2], "errors_count": s[4]} for _d, s in c.disks],
        "memory_details": {"maximum": c.max_mem_kib // MIB_IN_KIB,
                           "used": c.mem_kib // MIB_IN_KIB},
        "legacy": legacy,
    }
