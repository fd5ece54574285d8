"""LibvirtDriver against a real libvirtd (TCG): the operations the e2e test does not reach
(pause, suspend/managed save, rescue, resize in place and its revert, lifecycle events,
VNC console), on one shared domain. Skipped when not root or no libvirtd can be had; every
domain with disks under this test's directory is destroyed and undefined at the end.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nubo.compute import states
from nubo.compute.agent.virt.base import InstanceSpec, SpawnFailed
from tests.install import need_libvirt

GUEST_CACHE = Path(os.environ.get("NUBO_TEST_GUEST_CACHE", f"/tmp/nubo-guest-cache-{os.getuid()}"))


def _spec(flavor_disk: int = 1, ram: int = 128, **kw: object) -> InstanceSpec:
    base = {"id": str(uuid.uuid4()), "name": f"instance-{random.randrange(1 << 30, 1 << 31):08x}",
            "display_name": "drv", "config_drive": True,
            "flavor": {"id": "42", "name": "m1.nano", "vcpus": 1, "ram": ram,
                       "disk": flavor_disk, "ephemeral": 0, "swap": 0, "extra_specs": {}},
            "image": {"id": "nubo-test", "disk_format": "qcow2", "min_disk": 1,
                      "properties": {}}}
    return InstanceSpec(**{**base, **kw})  # type: ignore[arg-type]


def _cleanup(data_dir: Path) -> None:
    import libvirt
    conn = libvirt.open("qemu:///system")
    try:
        for dom in conn.listAllDomains(0):
            if str(data_dir) in dom.XMLDesc(0):
                if dom.isActive():
                    dom.destroy()
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
    finally:
        conn.close()


@pytest.fixture
async def driver(tmp_path: Path) -> AsyncIterator[object]:
    need_libvirt()
    from nubo.guest import build_test_image
    image = (await asyncio.to_thread(build_test_image, GUEST_CACHE)).path
    from nubo.compute.agent.virt.libvirt.driver import LibvirtDriver, LibvirtOptions

    async def fetch(image_id: str, dest: Path) -> None:
        await asyncio.to_thread(shutil.copyfile, image, dest)
    drv = LibvirtDriver("it", LibvirtOptions(data_dir=tmp_path, virt_type="qemu",
                                             shutdown_timeout=3), fetch)
    await drv.start()
    try:
        yield drv
    finally:
        await asyncio.to_thread(_cleanup, tmp_path)   # before a libvirtd we started stops
        await drv.stop()


async def test_operations_on_one_domain(driver: object, tmp_path: Path) -> None:
    from nubo.compute.agent.virt.libvirt.driver import LibvirtDriver
    d: LibvirtDriver = driver  # type: ignore[assignment]
    seen: list[tuple[str, int]] = []

    async def on_event(instance_id: str, power: int) -> None:
        seen.append((instance_id, power))
    d.on_event = on_event
    s = _spec()
    assert await d.spawn(s) == states.RUNNING
    assert await d.spawn(s) == states.RUNNING                  # idempotent
    assert s.id in await d.list_instances()     # (other clouds' domains may run too)
    vnc = await d.console(s.id, "novnc")
    assert vnc is not None and vnc["port"] >= 5900
    assert await d.pause(s.id) == states.PAUSED_POWER
    assert await d.unpause(s.id) == states.RUNNING
    assert await d.suspend(s.id) == states.SHUTDOWN            # managed save
    assert await d.resume(s.id) == states.RUNNING
    for _ in range(100):         # lifecycle events arrive from libvirt's event thread
        if (s.id, states.PAUSED_POWER) in seen and seen[-1] == (s.id, states.RUNNING):
            break
        await asyncio.sleep(0.1)
    assert (s.id, states.PAUSED_POWER) in seen and (s.id, states.SHUTDOWN) in seen
    assert seen[-1] == (s.id, states.RUNNING)

    # rescue: a fresh disk boots first, the instance's own disk is the second one
    assert await d.rescue(s, {"id": "nubo-test", "disk_format": "qcow2"}) == states.RUNNING
    xml = (tmp_path / "instances" / s.id / "rescue.xml").read_text()
    assert xml.index("disk.rescue") < xml.index(f'{s.id}/disk"')
    assert await d.unrescue(s.id) == states.RUNNING
    assert not (tmp_path / "instances" / s.id / "disk.rescue").exists()

    # resize in place to a bigger flavor, then revert: the old disk comes back
    bigger = InstanceSpec(**{**s.__dict__, "flavor": {**s.flavor, "name": "m1.micro",
                                                        "id": "84", "ram": 192, "disk": 2}})
    assert await d.spawn(bigger) == states.RUNNING
    assert (tmp_path / "instances" / f"{s.id}_resize" / "disk").exists()
    assert d.disks.flavor(s.id)["ram"] == 192  # type: ignore[index]
    assert await d.spawn(s) == states.RUNNING
    assert d.disks.flavor(s.id)["ram"] == 128  # type: ignore[index]
    assert not (tmp_path / "instances" / f"{s.id}_resize").exists()

    assert await d.power_off(s.id) == states.SHUTDOWN
    assert await d.reboot(s.id, hard=True) == states.RUNNING
    await d.destroy(s.id)
    await d.destroy(s.id)                                       # idempotent
    assert s.id not in await d.list_instances()
    assert await d.power_state(s.id) is None
    assert [p.name for p in (tmp_path / "instances").iterdir()] == ["_base"]


async def test_failed_spawn_leaves_nothing(driver: object, tmp_path: Path) -> None:
    from nubo.compute.agent.virt.libvirt.driver import LibvirtDriver
    d: LibvirtDriver = driver  # type: ignore[assignment]
    s = _spec(image={"id": "nubo-test", "disk_format": "qcow2",
                     "properties": {"hw_disk_bus": "floppy"}})
    with pytest.raises(SpawnFailed, match="hw_disk_bus='floppy'"):
        await d.spawn(s)
    s2 = _spec(ram=1 << 22)       # 4 TiB of RAM: libvirt/QEMU refuse to start it
    with pytest.raises(SpawnFailed):
        await d.spawn(s2)
    assert not {s.id, s2.id} & set(await d.list_instances())
    assert [p.name for p in (tmp_path / "instances").iterdir()] == ["_base"]


async def test_diagnostics_of_a_running_domain(driver: object) -> None:
    from nubo.compute.agent.virt.libvirt.driver import LibvirtDriver
    d: LibvirtDriver = driver  # type: ignore[assignment]
    s = _spec()
    assert await d.get_diagnostics(s.id) is None                # no such domain
    assert await d.spawn(s) == states.RUNNING
    diag: dict = {}
    for _ in range(50):         # the guest reads its disk and spends CPU while it boots
        diag = await d.get_diagnostics(s.id) or {}
        if diag["cpu_details"][0]["time"] and diag["disk_details"][0]["read_bytes"]:
            break
        await asyncio.sleep(0.2)
    assert diag["power_state"] == states.RUNNING and diag["driver"] == "libvirt"
    assert diag["hypervisor"] in ("qemu", "kvm") and diag["hypervisor_os"] == "linux"
    assert [c["id"] for c in diag["cpu_details"]] == [0] and diag["cpu_details"][0]["time"] > 0
    assert diag["memory_details"]["maximum"] == 128
    assert len(diag["disk_details"]) == 2                       # root disk + config drive
    assert diag["disk_details"][0]["read_bytes"] > 0 and diag["nic_details"] == []
    legacy = diag["legacy"]
    assert legacy["memory"] == 128 * 1024 and legacy["cpu0_time"] > 0
    assert legacy["vda_read"] == diag["disk_details"][0]["read_bytes"]
    await d.destroy(s.id)
    assert await d.get_diagnostics(s.id) is None
