"""The real python-openstackclient against `nubo up`: networks, subnets and ports, and the
networks `nubo up` bootstraps as DevStack does."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Cloud
from tests.e2e.test_openstack_cli import osc, osc_json


def test_network_workflow(shared_cloud: Cloud, tmp_path: Path) -> None:
    c = shared_cloud
    names = [n["Name"] for n in osc_json(c, "network", "list")]
    assert "public" in names and "private" in names
    public = osc_json(c, "network", "show", "public")
    assert public["router:external"] is True
    assert public["provider:network_type"] == "flat"

    net = osc_json(c, "network", "create", "--description", "e2e", "e2e-net")
    assert net["status"] == "ACTIVE" and net["mtu"] == 1450
    sub = osc_json(c, "subnet", "create", "--network", "e2e-net", "--subnet-range",
                   "192.168.77.0/24", "--allocation-pool", "start=192.168.77.10,end=192.168.77.20",
                   "--dns-nameserver", "192.168.77.1", "e2e-sub")
    assert sub["cidr"] == "192.168.77.0/24" and sub["gateway_ip"] == "192.168.77.1"
    port = osc_json(c, "port", "create", "--network", "e2e-net", "--fixed-ip",
                    "subnet=e2e-sub,ip-address=192.168.77.15", "e2e-port")
    assert port["fixed_ips"][0]["ip_address"] == "192.168.77.15"
    assert port["mac_address"].startswith("fa:16:3e:")
    dup = osc(c, "port", "create", "--network", "e2e-net", "--fixed-ip",
              "subnet=e2e-sub,ip-address=192.168.77.15", "dup", check=False)
    assert dup.returncode != 0 and "already allocated" in dup.stderr
    listed = osc_json(c, "port", "list", "--network", "e2e-net")
    assert "e2e-port" in [p["Name"] for p in listed]
    osc(c, "network", "set", "--name", "e2e-net2", "e2e-net")
    assert osc_json(c, "network", "show", "e2e-net2")["id"] == net["id"]
    busy = osc(c, "network", "delete", "e2e-net2", check=False)
    assert busy.returncode != 0
    osc(c, "port", "delete", "e2e-port")
    osc(c, "subnet", "delete", "e2e-sub")
    osc(c, "network", "delete", "e2e-net2")
    assert osc(c, "network", "show", "e2e-net2", check=False).returncode != 0
