"""The real python-openstackclient against `nubo up --virt fake --network noop`: a server's
security groups and floating IPs (which the CLI changes through Neutron), and its NICs
(`server add network/port`, which go through os-interface)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import Cloud
from tests.e2e.test_openstack_cli import osc, osc_json


def _ports_of(c: Cloud, server: str) -> list[dict[str, Any]]:
    return list(osc_json(c, "port", "list", "--server", server, "--long"))


def test_server_security_groups_floating_ips_and_nics(shared_cloud: Cloud,
                                                      tmp_path: Path) -> None:
    c = shared_cloud
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 1024 * 1024)
    osc(c, "image", "create", "--file", str(disk), "--disk-format", "raw",
        "--container-format", "bare", "sn-img")
    osc(c, "network", "create", "sn-net")
    osc(c, "subnet", "create", "--network", "sn-net", "--subnet-range", "10.78.0.0/24",
        "sn-sub")
    osc(c, "router", "create", "sn-router")
    osc(c, "router", "set", "--external-gateway", "public", "sn-router")
    osc(c, "router", "add", "subnet", "sn-router", "sn-sub")
    osc(c, "security", "group", "create", "sn-web")
    srv = osc_json(c, "server", "create", "--image", "sn-img", "--flavor", "m1.nano",
                   "--network", "sn-net", "--wait", "sn-vm")
    assert srv["status"] == "ACTIVE"

    # security groups
    osc(c, "server", "add", "security", "group", "sn-vm", "sn-web")
    shown = osc_json(c, "server", "show", "sn-vm")
    names = sorted(g["name"] for g in shown["security_groups"])
    assert names == ["default", "sn-web"], shown["security_groups"]
    web = osc_json(c, "security", "group", "show", "sn-web")
    [port] = _ports_of(c, "sn-vm")
    assert web["id"] in port["Security Groups"]
    osc(c, "server", "remove", "security", "group", "sn-vm", "sn-web")
    shown = osc_json(c, "server", "show", "sn-vm")
    assert [g["name"] for g in shown["security_groups"]] == ["default"]

    # floating IPs
    fip = osc_json(c, "floating", "ip", "create", "public")
    address = fip["floating_ip_address"]
    osc(c, "server", "add", "floating", "ip", "sn-vm", address)
    shown = osc_json(c, "floating", "ip", "show", fip["id"])
    assert shown["port_id"] == port["ID"] and shown["status"] == "ACTIVE"
    addresses = osc_json(c, "server", "show", "sn-vm")["addresses"]
    assert address in str(addresses), addresses
    osc(c, "server", "remove", "floating", "ip", "sn-vm", address)
    assert osc_json(c, "floating", "ip", "show", fip["id"])["port_id"] is None
    osc(c, "floating", "ip", "delete", fip["id"])

    # NICs through os-interface
    osc(c, "server", "add", "network", "sn-vm", "sn-net")
    assert len(_ports_of(c, "sn-vm")) == 2
    extra = osc_json(c, "port", "create", "--network", "sn-net", "sn-extra")
    osc(c, "server", "add", "port", "sn-vm", "sn-extra")
    assert extra["id"] in {p["ID"] for p in _ports_of(c, "sn-vm")}
    osc(c, "server", "remove", "port", "sn-vm", "sn-extra")
    osc(c, "server", "remove", "network", "sn-vm", "sn-net")   # every port on sn-net
    for _ in range(100):            # detaching is asynchronous (202)
        if not _ports_of(c, "sn-vm"):
            break
    assert _ports_of(c, "sn-vm") == []
    assert osc_json(c, "port", "show", "sn-extra")["device_id"] == ""

    osc(c, "server", "delete", "--wait", "sn-vm")
    osc(c, "port", "delete", "sn-extra")
    osc(c, "router", "remove", "subnet", "sn-router", "sn-sub")
    osc(c, "router", "delete", "sn-router")
    osc(c, "network", "delete", "sn-net")
    osc(c, "security", "group", "delete", "sn-web")
