"""What this host's libvirt offers, read from its capabilities XML (pure parsing)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from nubo.compute.agent.virt.libvirt.config import HostCapabilities, VirtType


def host_capabilities(caps_xml: str, domcaps_xml: str | None,
                      virt_type: VirtType) -> HostCapabilities:
    caps = ET.fromstring(caps_xml)
    machines: set[str] = set()
    for guest in caps.findall("guest"):
        arch = guest.find("arch")
        if arch is None or arch.get("name") != "x86_64":
            continue
        for m in arch.findall("machine"):
            if m.text:
                machines.add(m.text)
            if m.get("canonical"):
                machines.add(m.get("canonical") or "")
    pages = {int(p.get("size") or 4) for p in caps.findall("host/cpu/pages")} or {4}
    cells = caps.find("host/topology/cells")
    numa = int(cells.get("num") or 1) if cells is not None else 1
    kwargs: dict[str, object] = {}
    if domcaps_xml:
        dc = ET.fromstring(domcaps_xml)
        buses = {v.text for v in dc.findall("devices/disk/enum[@name='bus']/value") if v.text}
        if buses:
            kwargs["disk_buses"] = frozenset(buses)
        models = {m.text for m in dc.findall("cpu/mode[@name='custom']/model") if m.text}
        if models:
            kwargs["cpu_models"] = frozenset(models)
        videos = {v.text for v in dc.findall("devices/video/enum[@name='modelType']/value")
                  if v.text}
        if videos:
            kwargs["video_models"] = frozenset(videos | {"none"})
        rngs = {v.text for v in dc.findall("devices/rng/enum[@name='model']/value") if v.text}
        if rngs:
            kwargs["rng_models"] = frozenset(rngs)
    return HostCapabilities(virt_type=virt_type,
                            machine_types=frozenset(machines or {"pc", "q35"}),
                            default_machine_type="pc", page_sizes_kb=frozenset(pages),
                            numa_nodes=max(numa, 1), **kwargs)  # type: ignore[arg-type]


def pinned_cpus(domain_xmls: list[str]) -> set[int]:
    """Host CPUs other domains are pinned to (hw:cpu_policy=dedicated guests)."""
    used: set[int] = set()
    for text in domain_xmls:
        for pin in ET.fromstring(text).findall("cputune/vcpupin"):
            for part in (pin.get("cpuset") or "").split(","):
                lo, _, hi = part.partition("-")
                if lo.strip().isdigit():
                    used.update(range(int(lo), int(hi or lo) + 1))
    return used


def vnc_address(domain_xml: str) -> tuple[str, int] | None:
    """The live domain's VNC listen address and port (None without VNC or not running)."""
    g = ET.fromstring(domain_xml).find("devices/graphics[@type='vnc']")
    if g is None or int(g.get("port") or -1) <= 0:
        return None
    return g.get("listen") or "127.0.0.1", int(g.get("port") or 0)
