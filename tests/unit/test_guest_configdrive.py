"""Config drives: ISO 9660 labelled config-2 with Nova's file layout, read back with pycdlib."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pycdlib
import pytest

from nubo.guest.configdrive import (
    LABEL,
    build_config_drive,
    config_drive_files,
    write_config_drive,
)

META = {
    "uuid": "0b7d7e31-1111-2222-3333-444455556666",
    "hostname": "vm1.novalocal",
    "name": "vm1",
    "public_keys": {"k1": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEST test@nubo\n"},
}
NETWORK = {"links": [{"id": "tap0", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:01"}],
           "networks": [{"id": "net0", "type": "ipv4_dhcp", "link": "tap0"}], "services": []}
USER_DATA = b"#!/bin/sh\necho hello\n"


def read_rr(iso: pycdlib.PyCdlib, path: str) -> bytes:
    out = io.BytesIO()
    iso.get_file_from_iso_fp(out, rr_path=path)
    return out.getvalue()


def read_joliet(iso: pycdlib.PyCdlib, path: str) -> bytes:
    out = io.BytesIO()
    iso.get_file_from_iso_fp(out, joliet_path=path)
    return out.getvalue()


@pytest.fixture
def drive(tmp_path: Path) -> Iterator[pycdlib.PyCdlib]:
    dest = build_config_drive(tmp_path / "disk.config", META, user_data=USER_DATA,
                              network_data=NETWORK, vendor_data={"nubo": {"x": 1}})
    iso = pycdlib.PyCdlib()
    iso.open(str(dest))
    yield iso
    iso.close()


def test_label_is_config_2(drive: pycdlib.PyCdlib) -> None:
    assert drive.pvd.volume_identifier.decode().strip() == LABEL == "config-2"
    assert drive.has_rock_ridge() and drive.has_joliet()


def test_latest_files_have_the_content(drive: pycdlib.PyCdlib) -> None:
    base = "/openstack/latest"
    assert json.loads(read_rr(drive, f"{base}/meta_data.json")) == META
    assert read_rr(drive, f"{base}/user_data") == USER_DATA
    assert json.loads(read_rr(drive, f"{base}/network_data.json")) == NETWORK
    assert json.loads(read_rr(drive, f"{base}/vendor_data2.json")) == {"nubo": {"x": 1}}
    assert json.loads(read_rr(drive, f"{base}/vendor_data.json")) == {}
    # Joliet names are the same, for guests that read those instead of Rock Ridge.
    assert json.loads(read_joliet(drive, f"{base}/meta_data.json")) == META


def test_legacy_version_copies(drive: pycdlib.PyCdlib) -> None:
    assert json.loads(read_rr(drive, "/openstack/2012-08-10/meta_data.json")) == META
    assert read_rr(drive, "/openstack/2012-08-10/user_data") == USER_DATA


def test_rock_ridge_names_are_lower_case(drive: pycdlib.PyCdlib) -> None:
    children = [c for c in drive.list_children(rr_path="/openstack/latest")
                if not (c.is_dot() or c.is_dotdot())]
    # ISO 9660 names are upper case 8.3-ish; the Rock Ridge names are the real ones.
    assert all(c.file_identifier().decode().isupper() for c in children)
    listed = {c.rock_ridge.name().decode() for c in children}
    assert listed == {"meta_data.json", "user_data", "network_data.json", "vendor_data.json",
                      "vendor_data2.json"}


def test_no_user_data_means_no_file() -> None:
    files = config_drive_files(META)
    assert "openstack/latest/user_data" not in files
    assert "openstack/2012-08-10/user_data" not in files
    assert json.loads(files["openstack/latest/network_data.json"]) == {}


def test_extra_files_and_similar_names(tmp_path: Path) -> None:
    files = config_drive_files(META, legacy=False, extra={
        "openstack/content/0000": b"injected", "openstack/latest/vendor_data_x.json": b"{}"})
    dest = write_config_drive(files, tmp_path / "cd.iso")
    iso = pycdlib.PyCdlib()
    iso.open(str(dest))
    try:
        assert read_rr(iso, "/openstack/content/0000") == b"injected"
        assert read_rr(iso, "/openstack/latest/vendor_data_x.json") == b"{}"
        assert read_rr(iso, "/openstack/latest/vendor_data.json") == b"{}"
    finally:
        iso.close()


@pytest.mark.parametrize("bad", ["", "/", "openstack/../etc", "a//b"])
def test_bad_extra_paths(bad: str) -> None:
    with pytest.raises(ValueError):
        config_drive_files(META, extra={bad: b"x"})


def test_the_drive_gets_the_decoded_user_data() -> None:
    """Nova keeps user_data base64-encoded; the guest must read the script itself (it ran
    `#!/bin/sh` as 'not a script' when the drive held the base64 text)."""
    import base64

    from nubo.guest.configdrive import user_data_bytes
    script = b"#!/bin/sh\necho hi\n"
    assert user_data_bytes(base64.b64encode(script).decode()) == script
    assert user_data_bytes(None) is None
    assert user_data_bytes("#!/bin/sh not base64") == b"#!/bin/sh not base64"
