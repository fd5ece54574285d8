"""Volumes as libvirt disks, as data: connection_info -> <disk> XML (virtio, the volume id as
serial), what a domain's XML says its volume disks are, the flags the editor asks libvirt
for (live and config, only where the disk is missing), and the domain with a volume checked
against libvirt's own schema when it is installed."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.agent.virt.libvirt.disks import InstanceDisks
from nubo.compute.agent.virt.libvirt.volumes import VolumeEditor, disk_xml, volume_disks
from nubo.compute.agent.virt.libvirt.xml import domain_xml
from tests.install import need_tools
from tests.unit.test_libvirt_xml import full_config

VOL = "8d4c0a66-2b4e-4bb5-9d43-1f6f0e3b7a10"
INFO = {"driver_volume_type": "local", "serial": VOL,
        "data": {"device_path": f"/var/lib/nubo/volumes/volume-{VOL}.qcow2",
                 "format": "qcow2", "volume_id": VOL, "access_mode": "rw"}}


def test_disk_xml_of_a_local_qcow2_volume() -> None:
    el = ET.fromstring(disk_xml(INFO, "vdb"))
    assert (el.tag, el.get("type"), el.get("device")) == ("disk", "file", "disk")
    driver = el.find("driver")
    assert driver is not None
    assert (driver.get("name"), driver.get("type"), driver.get("cache")) == \
        ("qemu", "qcow2", "none")
    src, target, serial = el.find("source"), el.find("target"), el.find("serial")
    assert src is not None and src.get("file") == INFO["data"]["device_path"]  # type: ignore
    assert target is not None and (target.get("dev"), target.get("bus")) == ("vdb", "virtio")
    assert serial is not None and serial.text == VOL
    assert el.find("readonly") is None
    ro = ET.fromstring(disk_xml({**INFO, "data": {**INFO["data"],  # type: ignore[dict-item]
                                                  "access_mode": "ro"}}, "vdc"))
    assert ro.find("readonly") is not None


def test_disk_xml_escapes_and_refuses() -> None:
    odd = {**INFO, "data": {"device_path": "/v/it's <odd>.qcow2"}}
    src = ET.fromstring(disk_xml(odd, "vdb")).find("source")
    assert src is not None and src.get("file") == "/v/it's <odd>.qcow2"
    with pytest.raises(SpawnFailed, match="iscsi"):
        disk_xml({"driver_volume_type": "iscsi", "data": {}}, "vdb")
    with pytest.raises(SpawnFailed):
        disk_xml({"driver_volume_type": "local", "data": {}}, "vdb")
    with pytest.raises(SpawnFailed, match="vmdk"):
        disk_xml({**INFO, "data": {"device_path": "/x", "format": "vmdk"}}, "vdb")


def _domain(*disks: str) -> str:
    root = ET.fromstring(domain_xml(full_config()))
    devices = root.find("devices")
    assert devices is not None
    for d in disks:
        devices.append(ET.fromstring(d))
    return ET.tostring(root, encoding="unicode")


def test_volume_disks_of_a_domain() -> None:
    other = "0b7a4c3e-0000-4000-8000-000000000001"
    xml = _domain(disk_xml(INFO, "vdb"), disk_xml({**INFO, "serial": other}, "vdc"))
    assert volume_disks(xml) == {"vdb": VOL, "vdc": other}      # the root disk has none
    assert volume_disks(_domain()) == {}


class FakeDom:
    """The libvirt calls the editor makes, recorded."""

    def __init__(self, active: bool, live: str, config: str) -> None:
        self.active, self.live, self.config = active, live, config
        self.calls: list[tuple[str, str, int]] = []

    def isActive(self) -> int:  # noqa: N802 - libvirt's name
        return int(self.active)

    def XMLDesc(self, flags: int) -> str:  # noqa: N802 - libvirt's name
        return self.config if flags else self.live

    def attachDeviceFlags(self, xml: str, flags: int) -> None:  # noqa: N802
        self.calls.append(("attach", xml, flags))

    def UUIDString(self) -> str:  # noqa: N802 - libvirt's name
        return "i-1"

    def detachDeviceFlags(self, xml: str, flags: int) -> None:  # noqa: N802
        self.calls.append(("detach", xml, flags))
        if flags & 1:           # VIR_DOMAIN_AFFECT_LIVE: the guest released it
            self.live = _domain()


async def _call(_what: str, fn: Any, *args: Any) -> Any:
    return fn(*args)


async def test_editor_flags(tmp_path: Path) -> None:
    libvirt = pytest.importorskip("libvirt")
    live_cfg = libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_AFFECT_CONFIG
    disks = InstanceDisks(tmp_path)
    disks.dir("i-1").mkdir(parents=True)
    ed = VolumeEditor(disks, _call)
    dom = FakeDom(True, _domain(), _domain())
    await ed.attach(dom, INFO, "vdb")
    assert [(c[0], c[2]) for c in dom.calls] == [("attach", live_cfg)]
    assert volume_disks(_domain(dom.calls[0][1])) == {"vdb": VOL}
    assert (disks.dir("i-1") / "domain.xml").exists()      # the saved definition follows
    # shut off: the definition only; already there: nothing (if_not_exists)
    dom = FakeDom(False, _domain(), _domain())
    await ed.attach(dom, INFO, "vdb")
    assert [c[2] for c in dom.calls] == [libvirt.VIR_DOMAIN_AFFECT_CONFIG]
    dom = FakeDom(True, _domain(disk_xml(INFO, "vdb")), _domain(disk_xml(INFO, "vdb")))
    await ed.attach(dom, INFO, "vdb")
    assert dom.calls == []
    assert await ed.devices(dom) == {"vdb": VOL}
    # detach: definition, then the live guest; absent: nothing (if_exists)
    await ed.detach(dom, "vdb")
    assert [(c[0], c[2]) for c in dom.calls] == [
        ("detach", libvirt.VIR_DOMAIN_AFFECT_CONFIG), ("detach", libvirt.VIR_DOMAIN_AFFECT_LIVE)]
    dom = FakeDom(True, _domain(), _domain())
    await ed.detach(dom, "vdb")
    assert dom.calls == []


def test_domain_with_a_volume_validates_against_libvirts_schema(tmp_path: Path) -> None:
    need_tools("virt-xml-validate", "xmllint")
    path = tmp_path / "domain.xml"
    path.write_text(_domain(disk_xml(INFO, "vdb")))
    res = subprocess.run(["virt-xml-validate", str(path), "domain"], capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    path.write_text(_domain(disk_xml(INFO, "vdb").replace("bus='virtio'", "bus='nonesuch'")))
    assert subprocess.run(["virt-xml-validate", str(path), "domain"],
                          capture_output=True).returncode != 0


ISCSI = {"driver_volume_type": "iscsi", "serial": VOL,
         "data": {"target_iqn": f"iqn.2010-10.org.openstack:volume-{VOL}",
                  "target_portal": "192.0.2.10:3260", "target_lun": 1,
                  "auth_method": "CHAP", "auth_username": "c0ffee12", "auth_password": "s3cret",
                  "volume_id": VOL, "access_mode": "rw", "encrypted": False}}


def test_disk_xml_of_an_iscsi_volume() -> None:
    el = ET.fromstring(disk_xml(ISCSI, "vdc"))
    assert (el.get("type"), el.get("device")) == ("network", "disk")
    driver, src = el.find("driver"), el.find("source")
    assert driver is not None and driver.get("type") == "raw"
    assert src is not None and src.get("protocol") == "iscsi"
    assert src.get("name") == f"iqn.2010-10.org.openstack:volume-{VOL}/1"
    host = src.find("host")
    assert host is not None and (host.get("name"), host.get("port")) == ("192.0.2.10", "3260")
    auth = el.find("auth")
    assert auth is not None and auth.get("username") == "c0ffee12"
    secret = auth.find("secret")
    assert secret is not None and (secret.get("type"), secret.get("usage")) == \
        ("iscsi", f"nubo-volume-{VOL}")
    assert "s3cret" not in disk_xml(ISCSI, "vdc")        # the password stays in the secret
    six = ET.fromstring(disk_xml({**ISCSI, "data": {**ISCSI["data"],  # type: ignore[dict-item]
                                                    "target_portal": "[2001:db8::1]:3261"}},
                                 "vdc")).find("./source/host")
    assert six is not None and (six.get("name"), six.get("port")) == ("2001:db8::1", "3261")
    with pytest.raises(SpawnFailed, match="portal"):
        disk_xml({**ISCSI, "data": {**ISCSI["data"],  # type: ignore[dict-item]
                                    "target_portal": "nope"}}, "vdc")
    with pytest.raises(SpawnFailed, match="target_iqn"):
        disk_xml({"driver_volume_type": "iscsi", "data": {"target_portal": "h:1"}}, "vdc")
    with pytest.raises(SpawnFailed, match="nfs"):
        disk_xml({"driver_volume_type": "nfs", "data": {"export": "x"}}, "vdc")


class FakeSecret:
    def __init__(self, conn: FakeConn, usage: str) -> None:
        self.conn, self.usage = conn, usage

    def setValue(self, value: bytes, flags: int) -> None:  # noqa: N802 - libvirt's name
        self.conn.secrets[self.usage] = value

    def undefine(self) -> None:
        del self.conn.secrets[self.usage]


class FakeConn:
    def __init__(self) -> None:
        self.secrets: dict[str, bytes | None] = {}

    def secretDefineXML(self, xml: str, flags: int) -> FakeSecret:  # noqa: N802
        usage = ET.fromstring(xml).findtext("./usage/target")
        assert usage is not None and ET.fromstring(xml).find("usage").get("type") == "iscsi"  # type: ignore[union-attr]
        self.secrets.setdefault(usage, None)
        return FakeSecret(self, usage)

    def secretLookupByUsage(self, kind: int, usage: str) -> FakeSecret:  # noqa: N802
        import libvirt
        if usage not in self.secrets:
            raise libvirt.libvirtError("no secret")
        return FakeSecret(self, usage)


async def test_editor_defines_and_undefines_the_chap_secret(tmp_path: Path) -> None:
    pytest.importorskip("libvirt")
    ed = VolumeEditor(InstanceDisks(tmp_path), _call)
    conn = FakeConn()
    dom = FakeDom(True, _domain(), _domain())
    dom.connect = lambda: conn  # type: ignore[attr-defined]
    await ed.attach(dom, ISCSI, "vdc")
    assert conn.secrets == {f"nubo-volume-{VOL}": b"s3cret"}
    assert [c[0] for c in dom.calls] == ["attach"]
    dom.live = dom.config = _domain(disk_xml(ISCSI, "vdc"))
    await ed.detach(dom, "vdc")
    assert conn.secrets == {}
    await ed.detach(dom, "vdc")          # gone already: nothing, no error


def test_domain_with_an_iscsi_volume_validates(tmp_path: Path) -> None:
    need_tools("virt-xml-validate", "xmllint")
    from nubo.compute.agent.virt.libvirt.volumes import secret_xml
    path = tmp_path / "domain.xml"
    path.write_text(_domain(disk_xml(ISCSI, "vdc")))
    res = subprocess.run(["virt-xml-validate", str(path), "domain"], capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    path.write_text(secret_xml(f"nubo-volume-{VOL}"))
    res = subprocess.run(["virt-xml-validate", str(path), "secret"], capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stdout + res.stderr
