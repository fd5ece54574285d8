"""What the catalog holds on a new cloud: the resource types OpenStack's dashboards ask about,
and a small curated set of namespaces for the image properties our libvirt/QEMU compute
understands (after Glance's etc/metadefs, which `glance-manage db_load_metadefs` loads; names
and allowed values follow Nova's image properties). They are loaded once per deployment, into
an empty catalog: a namespace an admin deletes stays deleted."""

from __future__ import annotations

from typing import Any

#: seeded, protected resource types (Glance's and Heat's names)
RESOURCE_TYPES = ("OS::Glance::Image", "OS::Cinder::Volume", "OS::Nova::Flavor",
                  "OS::Nova::Aggregate", "OS::Nova::Server")
#: who owns the seeded namespaces (as with Glance's loader)
OWNER = "admin"

IMAGE = {"name": "OS::Glance::Image"}
BUSES = ["scsi", "virtio", "uml", "xen", "ide", "usb", "fdc", "sata", "lxc"]


def _p(title: str, description: str, type_: str = "string", **more: Any) -> dict[str, Any]:
    return {"title": title, "description": description, "type": type_, **more}


def _count(what: str) -> dict[str, Any]:
    return _p(what, f"{what} to expose to the guest; at most the instance's vCPU count.",
              "integer", minimum=1)


NAMESPACES: list[dict[str, Any]] = [
    {
        "namespace": "OS::Compute::LibvirtImage",
        "display_name": "libvirt Driver Options for Images",
        "description": "How the libvirt compute driver presents virtual hardware to a guest "
                       "booted from this image.",
        "resource_type_associations": [IMAGE],
        "properties": {
            "hw_disk_bus": _p("Disk Bus", "The controller disks are attached to.",
                              enum=BUSES),
            "hw_cdrom_bus": _p("CD-ROM Bus", "The controller CD-ROM drives (such as the "
                                             "config drive) are attached to.", enum=BUSES),
            "hw_scsi_model": _p("SCSI Model", "The SCSI controller model when the disk bus "
                                              "is scsi.", default="virtio-scsi"),
            "hw_vif_model": _p("Virtual Network Interface", "The network card model.",
                               enum=["e1000", "e1000e", "ne2k_pci", "pcnet", "rtl8139",
                                     "virtio", "vmxnet3"]),
            "hw_video_model": _p("Video Model", "The video card model.",
                                 enum=["vga", "cirrus", "virtio", "bochs", "qxl", "none"]),
            "hw_machine_type": _p("Machine Type", "The QEMU machine type, such as q35 or "
                                                  "pc."),
            "hw_firmware_type": _p("Firmware Type", "Boot with a legacy BIOS or with UEFI.",
                                   enum=["bios", "uefi"]),
            "hw_qemu_guest_agent": _p("QEMU Guest Agent", "Whether the guest runs the QEMU "
                                                          "guest agent.", enum=["yes", "no"]),
            "os_command_line": _p("Kernel Command Line", "The kernel command line, for "
                                                         "images booted from a kernel."),
            "os_type": _p("OS Type", "The guest operating system family.",
                          enum=["linux", "windows"]),
        },
    },
    {
        "namespace": "OS::Compute::VirtCPUTopology",
        "display_name": "Virtual CPU Topology",
        "description": "The sockets, cores and threads the guest sees its vCPUs as. Images "
                       "state preferences and limits; flavors may set both.",
        "resource_type_associations": [
            {"name": "OS::Glance::Image", "prefix": "hw_"},
            {"name": "OS::Cinder::Volume", "prefix": "hw_", "properties_target": "image"},
            {"name": "OS::Nova::Flavor", "prefix": "hw:"}],
        "properties": {
            "cpu_sockets": _count("vCPU Sockets"),
            "cpu_cores": _count("vCPU Cores"),
            "cpu_threads": _count("vCPU Threads"),
            "cpu_max_sockets": _count("Max vCPU Sockets"),
            "cpu_max_cores": _count("Max vCPU Cores"),
            "cpu_max_threads": _count("Max vCPU Threads"),
        },
    },
    {
        "namespace": "OS::OperatingSystem",
        "display_name": "Common Operating System Properties",
        "description": "What is installed in the image, for users and for tools that pick "
                       "an image by its operating system.",
        "resource_type_associations": [
            IMAGE, {"name": "OS::Cinder::Volume", "properties_target": "image"}],
        "properties": {
            "os_distro": _p("OS Distro", "The distribution in lower case, as libosinfo "
                                         "names it: debian, ubuntu, fedora, centos, "
                                         "windows, ..."),
            "os_version": _p("OS Version", "The distribution's version, such as 12 or "
                                           "22.04."),
            "os_admin_user": _p("OS Admin User", "The administrator account of the image "
                                                 "(root, Administrator, ...)."),
        },
    },
    {
        "namespace": "OS::Compute::Watchdog",
        "display_name": "Watchdog Behavior",
        "description": "A virtual hardware watchdog and what happens when the guest stops "
                       "feeding it.",
        "resource_type_associations": [
            {"name": "OS::Glance::Image", "prefix": "hw_"},
            {"name": "OS::Cinder::Volume", "prefix": "hw_", "properties_target": "image"},
            {"name": "OS::Nova::Flavor", "prefix": "hw:"}],
        "properties": {
            "watchdog_action": _p("Watchdog Action", "What to do with a hung guest; "
                                                     "disabled adds no watchdog.",
                                  enum=["disabled", "reset", "poweroff", "pause", "none"]),
        },
    },
    {
        "namespace": "OS::Compute::GuestShutdownBehavior",
        "display_name": "Shutdown Behavior",
        "description": "How long a clean shutdown may take before the instance is powered "
                       "off.",
        "resource_type_associations": [IMAGE],
        "properties": {
            "os_shutdown_timeout": _p("Shutdown timeout", "Seconds to wait for the guest to "
                                                          "shut down cleanly.", "integer",
                                      minimum=0),
        },
    },
]
for _ns in NAMESPACES:
    _ns.update(visibility="public", protected=True)
