"""Servers' ports as libvirt NICs, as data: VifSpec/InstanceSpec over the bus, VifSpec ->
NicConfig (the image's hw_vif_model, the network's MTU, the dataplane's tap name), and the
<interface type='ethernet'> XML checked against libvirt's own schema when it is installed."""

from __future__ import annotations

import dataclasses
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nubo.compute.agent.virt.base import InstanceSpec, VifSpec
from nubo.compute.agent.virt.libvirt.config import NicConfig
from nubo.compute.agent.virt.libvirt.disks import DiskSet
from nubo.compute.agent.virt.libvirt.nics import tap_missing, vif_dev
from nubo.compute.agent.virt.libvirt.xml import domain_xml, interface_xml
from nubo.network.names import tap_name
from tests.install import need_tools
from tests.unit.test_libvirt_xml import full_config

PORT = "3f2c1e5a-9d1b-4c6e-8a7f-0b1c2d3e4f50"
VIF = VifSpec(port_id=PORT, mac="fa:16:3e:aa:bb:cc", network_id="net-1", mtu=1450,
              dev=tap_name(PORT))


def spec_doc(**kw: object) -> dict[str, object]:
    return {"id": "i-1", "name": "instance-00000001", "display_name": "vm",
            "flavor": {"vcpus": 1, "ram": 128, "disk": 1}, "image": {},
            "user_data": None, "key_data": None, "config_drive": False, "metadata": {},
            **kw}


def test_specs_cross_the_bus_as_plain_values() -> None:
    doc = spec_doc(vifs=[dataclasses.asdict(VIF),
                         {"port_id": "p2", "mac": "fa:16:3e:00:00:02", "network_id": "n2",
                          "mtu": 9000, "dev": "", "from_a_newer_controller": 1}],
                   newer_field="ignored")
    spec = InstanceSpec.from_dict(doc)
    assert spec.vifs[0] == VIF                      # equal after the round trip
    assert spec.vifs[1] == VifSpec("p2", "fa:16:3e:00:00:02", "n2", 9000, "")
    assert spec.flavor == {"vcpus": 1, "ram": 128, "disk": 1}
    assert InstanceSpec.from_dict(spec_doc()).vifs == ()
    assert InstanceSpec.from_dict(spec_doc(vifs=None)).vifs == ()
    # missing optional values take the contract's defaults
    assert VifSpec.from_dict({"port_id": "p", "mac": "m"}) == VifSpec("p", "m", "", 1500, "")


def test_vif_device_defaults_to_the_dataplane_tap() -> None:
    assert vif_dev(VIF) == tap_name(PORT) == "tap3f2c1e5a-9d"
    assert vif_dev(dataclasses.replace(VIF, dev="")) == "tap3f2c1e5a-9d"
    assert vif_dev(dataclasses.replace(VIF, dev="tapcustom")) == "tapcustom"


def test_unmanaged_tap_interface_xml() -> None:
    el = ET.fromstring(interface_xml(NicConfig(VIF.mac, VIF.dev, mtu=1450)))
    assert el.tag == "interface" and el.get("type") == "ethernet"
    assert el.find("target").attrib == {"dev": "tap3f2c1e5a-9d", "managed": "no"}  # type: ignore[union-attr]
    assert el.find("mac").get("address") == VIF.mac  # type: ignore[union-attr]
    assert el.find("mtu").get("size") == "1450"  # type: ignore[union-attr]
    assert el.find("driver").get("name") == "qemu"  # type: ignore[union-attr]
    assert el.find("source") is None              # no bridge: the tap is already on it
    vhost = ET.fromstring(interface_xml(NicConfig(VIF.mac, VIF.dev, vhost=True)))
    assert vhost.find("driver").get("name") == "vhost"  # type: ignore[union-attr]
    assert vhost.find("mtu") is None
    e1000 = ET.fromstring(interface_xml(NicConfig(VIF.mac, VIF.dev, model="e1000")))
    assert e1000.find("model").get("type") == "e1000"  # type: ignore[union-attr]
    assert e1000.find("driver") is None           # virtio's backend only


def test_missing_taps_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nubo.compute.agent.virt.libvirt import nics
    monkeypatch.setattr(nics, "SYS_NET", tmp_path)
    (tmp_path / "tapthere").mkdir()
    found = [NicConfig("fa:16:3e:00:00:01", "tapthere"),
             NicConfig("fa:16:3e:00:00:02", "tapgone"),
             NicConfig("fa:16:3e:00:00:03", "tapbridged", bridge="br0")]
    assert tap_missing(found) == "tap tapgone (MAC fa:16:3e:00:00:02)"
    assert tap_missing(found[:1]) == ""


def test_driver_gives_the_guest_a_nic_per_vif(tmp_path: Path) -> None:
    from nubo.compute.agent.virt.libvirt.driver import LibvirtDriver, LibvirtOptions

    async def fetch(image_id: str, dest: Path) -> None:
        raise AssertionError("not used")
    drv = LibvirtDriver("h", LibvirtOptions(data_dir=tmp_path), fetch)
    second = VifSpec(port_id="9e8d7c6b-0000-4000-8000-000000000001", mac="fa:16:3e:00:00:02",
                     network_id="net-2")
    spec = InstanceSpec.from_dict(spec_doc(
        vifs=[dataclasses.asdict(VIF), dataclasses.asdict(second)],
        image={"id": "img", "properties": {"hw_vif_model": "e1000"}}))
    disks = DiskSet(tmp_path / "disk", None, None, None)
    cfg = drv.domain_config(spec, disks, ())
    assert [(n.mac, n.target_dev, n.mtu, n.model, n.bridge) for n in cfg.nics] == [
        (VIF.mac, "tap3f2c1e5a-9d", 1450, "e1000", None),
        (second.mac, "tap9e8d7c6b-00", 1500, "e1000", None)]
    root = ET.fromstring(domain_xml(cfg))
    assert [i.find("mac").get("address")  # type: ignore[union-attr]
            for i in root.findall("devices/interface")] == [VIF.mac, second.mac]


def test_domain_with_tap_nics_validates_against_libvirts_schema(tmp_path: Path) -> None:
    need_tools("virt-xml-validate", "xmllint")     # libvirt-clients, libxml2-utils
    cfg = full_config(nics=(NicConfig(VIF.mac, VIF.dev, mtu=1450),
                            NicConfig("fa:16:3e:00:00:02", "tapb", model="e1000"),
                            NicConfig("fa:16:3e:00:00:03", "tapc", vhost=True)))
    path = tmp_path / "domain.xml"
    path.write_text(domain_xml(cfg))
    res = subprocess.run(["virt-xml-validate", str(path), "domain"], capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    # and the schema does reject what libvirt would not take (the check is real)
    path.write_text(domain_xml(cfg).replace('managed="no"', 'managed="never"'))
    assert subprocess.run(["virt-xml-validate", str(path), "domain"],
                          capture_output=True).returncode != 0
