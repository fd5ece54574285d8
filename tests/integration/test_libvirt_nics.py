"""LibvirtDriver NICs against a real libvirtd (TCG): a domain whose NIC is a tap the network
dataplane made beforehand (type='ethernet', managed='no') starts, keeps the tap across a
restart and its destruction, and takes NICs hot-plugged and unplugged while it runs.

The first tap is made the way the Linux dataplane makes one (its LinkApplier: Tap, Master,
Up), the second with `ip tuntap add`. Both sit on a test bridge; bridge, taps and domains are
removed at the end even when the test fails. Skipped when not root or no libvirtd can be had.
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from nubo.compute import states
from nubo.compute.agent.virt.base import SpawnFailed, VifSpec
from tests.integration.test_libvirt_driver import _spec, driver

__all__ = ["driver"]


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def tap_exists(name: str) -> bool:
    return Path(f"/sys/class/net/{name}").exists()


@pytest.fixture
def taps() -> Iterator[tuple[str, str, str]]:
    """(bridge, port 1, port 2): port 1's tap made by the dataplane's applier, port 2's by
    `ip tuntap`, both named as the dataplane names them (tap_name(port id))."""
    from nubo.network.agent.dataplane.linux.apply_links import LinkApplier
    from nubo.network.agent.dataplane.linux.render_links import Bridge, Master, Tap, Up
    from nubo.network.names import tap_name
    port1, port2 = str(uuid.uuid4()), str(uuid.uuid4())
    bridge, tap1, tap2 = f"nbtbr{port1[:6]}", tap_name(port1), tap_name(port2)
    try:
        applier = LinkApplier()
        try:
            applier.apply([Bridge(bridge), Up(bridge), Tap(tap1, 1450), Master(tap1, bridge),
                           Up(tap1)])
        finally:
            applier.close()
        ip("tuntap", "add", "dev", tap2, "mode", "tap")
        ip("link", "set", tap2, "master", bridge, "up")
        yield bridge, port1, port2
    finally:
        for dev in (tap1, tap2, bridge):
            ip("link", "del", dev, check=False)


async def wait_for(pred: object, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(pred):  # type: ignore[arg-type]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.25)


def domiflist(name: str) -> str:
    return subprocess.run(["virsh", "-c", "qemu:///system", "domiflist", name],
                          capture_output=True, text=True, check=True).stdout


async def test_nics_on_dataplane_taps(driver: object, tmp_path: Path,
                                      taps: tuple[str, str, str]) -> None:
    from nubo.compute.agent.virt.libvirt.driver import LibvirtDriver
    d: LibvirtDriver = driver  # type: ignore[assignment]
    from nubo.network.names import tap_name
    bridge, port1, port2 = taps
    tap1, tap2 = tap_name(port1), tap_name(port2)
    net = str(uuid.uuid4())
    vif1 = VifSpec(port_id=port1, mac="fa:16:3e:12:34:01", network_id=net, mtu=1450,
                   dev=tap1)
    vif2 = VifSpec(port_id=port2, mac="fa:16:3e:12:34:02", network_id=net)   # dev: implied
    # a port whose tap the dataplane has not made: a clear failure, nothing left behind
    nowhere = VifSpec(port_id=str(uuid.uuid4()), mac="fa:16:3e:12:34:09", network_id=net,
                      dev="tapmissing0-00")
    bad = _spec(config_drive=False, vifs=(nowhere,))
    with pytest.raises(SpawnFailed, match="has not plugged tap tapmissing0-00"):
        await d.spawn(bad)
    assert await d.power_state(bad.id) is None          # (other tests' domains may run)
    assert not (tmp_path / "instances" / bad.id).exists()

    s = _spec(config_drive=False, vifs=(vif1,))
    assert await d.spawn(s) == states.RUNNING
    inst_dir = tmp_path / "instances" / s.id
    assert not (inst_dir / "disk.config").exists()      # a NIC: metadata over HTTP
    listed = domiflist(s.name)
    assert tap1 in listed and vif1.mac in listed and "ethernet" in listed
    # libvirt opened the tap for QEMU with a virtio header; the host side keeps its own MAC
    link = ip("-d", "link", "show", tap1).stdout
    assert "vnet_hdr on" in link and f"master {bridge}" in link
    assert vif1.mac not in link

    # hot-plug: the guest's kernel must be up to take an ACPI unplug later
    console = inst_dir / "console.log"
    await wait_for(lambda: console.exists() and "Freeing unused" in console.read_text(
        errors="replace"), 120, "the guest kernel")
    await d.attach_interface(s.id, vif2)
    await d.attach_interface(s.id, vif2)                    # idempotent by MAC
    listed = domiflist(s.name)
    assert tap2 in listed and listed.count("fa:16:3e:12:34:") == 2
    assert vif2.mac in (inst_dir / "domain.xml").read_text()     # kept in step
    await d.detach_interface(s.id, vif2.port_id)
    assert tap2 not in domiflist(s.name)
    assert vif2.mac not in (inst_dir / "domain.xml").read_text()
    await d.detach_interface(s.id, vif2.port_id)            # if_exists
    assert tap_exists(tap2)                                 # the dataplane's, not libvirt's

    # a restart reopens the same tap; a stopped guest takes NICs into its definition
    assert await d.power_off(s.id) == states.SHUTDOWN
    assert tap_exists(tap1)
    await d.attach_interface(s.id, vif2)
    assert await d.power_on(s.id) == states.RUNNING
    listed = domiflist(s.name)
    assert tap1 in listed and tap2 in listed

    await d.destroy(s.id)
    assert await d.power_state(s.id) is None
    assert tap_exists(tap1) and tap_exists(tap2)            # managed='no': left alone
