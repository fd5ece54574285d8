"""The libvirt driver's diagnostics, as data: the devices found in a domain XML and the
contract's dictionary built from libvirt's counters (Nova's key names and units)."""

from __future__ import annotations

from nubo.compute import states
from nubo.compute.agent.virt.libvirt.diagnostics import Counters, devices, shape

XML = """<domain type='qemu'><devices>
  <disk type='file' device='disk'><source file='/d/disk'/><target dev='vda' bus='virtio'/></disk>
  <disk type='file' device='cdrom'><source file='/d/disk.config'/><target dev='sda'/></disk>
  <interface type='ethernet'><mac address='fa:16:3e:00:00:01'/><target dev='tap1'/></interface>
  <interface type='ethernet'><mac address='fa:16:3e:00:00:02'/></interface>
</devices></domain>"""


def test_devices_of_a_domain() -> None:
    disks, nics = devices(XML)
    assert disks == ["vda", "sda"]
    assert nics == [("fa:16:3e:00:00:01", "tap1"), ("fa:16:3e:00:00:02", None)]


def test_shape_uses_novas_keys_and_units() -> None:
    c = Counters(state=1, max_mem_kib=262144, mem_kib=131072, vcpus=[(0, 5), (1, 7)],
                 disks=[("vda", (10, 4096, 3, 1024, -1))],
                 nics=[("fa:16:3e:00:00:01", "tap1", (100, 2, 0, 1, 50, 1, 0, 0)),
                       ("fa:16:3e:00:00:02", None, None)],
                 memory_stats={"rss": 9000})
    d = shape(c, "qemu")
    assert d["power_state"] == states.RUNNING and d["hypervisor"] == "qemu"
    assert d["memory_details"] == {"maximum": 256, "used": 128}
    assert d["cpu_details"] == [{"id": 0, "time": 5, "utilisation": None},
                                {"id": 1, "time": 7, "utilisation": None}]
    assert d["disk_details"] == [{"read_bytes": 4096, "read_requests": 10, "write_bytes": 1024,
                                  "write_requests": 3, "errors_count": -1}]
    assert d["nic_details"][0]["rx_octets"] == 100 and d["nic_details"][0]["tx_octets"] == 50
    assert d["nic_details"][1]["mac_address"] == "fa:16:3e:00:00:02"
    legacy = d["legacy"]
    assert legacy["cpu1_time"] == 7 and legacy["vda_read_req"] == 10
    assert legacy["vda_read"] == 4096 and legacy["tap1_rx"] == 100 and legacy["tap1_tx"] == 50
    assert legacy["memory"] == 262144 and legacy["memory-rss"] == 9000
