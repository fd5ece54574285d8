"""The real python-openstackclient against `nubo up`: security groups and rules, a router
with its gateway on `public` and an interface on a subnet, a floating IP on a port."""

from __future__ import annotations

from tests.e2e.conftest import Cloud
from tests.e2e.test_openstack_cli import osc, osc_json


def test_security_groups(shared_cloud: Cloud) -> None:
    c = shared_cloud
    sg = osc_json(c, "security", "group", "create", "--description", "web servers", "e2e-web")
    assert sg["name"] == "e2e-web" and sg["stateful"] is True
    rule = osc_json(c, "security", "group", "rule", "create", "--protocol", "tcp",
                    "--dst-port", "22:22", "--remote-ip", "10.0.0.0/8", "e2e-web")
    assert rule["port_range_min"] == 22 and rule["remote_ip_prefix"] == "10.0.0.0/8"
    rules = osc_json(c, "security", "group", "rule", "list", "e2e-web")
    assert rule["id"] in [r["ID"] for r in rules] and len(rules) == 3
    r = osc(c, "security", "group", "rule", "create", "--protocol", "tcp", "--dst-port",
            "22:22", "--remote-ip", "10.0.0.0/8", "e2e-web", check=False)
    assert r.returncode != 0 and "already exists" in r.stderr
    r = osc(c, "security", "group", "rule", "create", "--protocol", "icmp", "--icmp-type",
            "300", "e2e-web", check=False)
    assert r.returncode != 0 and "Invalid value for ICMP type" in r.stderr, r.stderr
    names = [g["Name"] for g in osc_json(c, "security", "group", "list")]
    assert "default" in names and "e2e-web" in names
    osc(c, "security", "group", "delete", "e2e-web")
    assert osc(c, "security", "group", "show", "e2e-web", check=False).returncode != 0


def test_router_and_floating_ip(shared_cloud: Cloud) -> None:
    c = shared_cloud
    osc(c, "network", "create", "e2e-net")
    osc(c, "subnet", "create", "--network", "e2e-net", "--subnet-range", "10.77.0.0/24",
        "e2e-sub")
    router = osc_json(c, "router", "create", "e2e-router")
    assert router["external_gateway_info"] is None
    osc(c, "router", "set", "--external-gateway", "public", "e2e-router")
    shown = osc_json(c, "router", "show", "e2e-router")
    public = osc_json(c, "network", "show", "public")
    assert shown["external_gateway_info"]["network_id"] == public["id"]
    osc(c, "router", "add", "subnet", "e2e-router", "e2e-sub")
    port = osc_json(c, "port", "create", "--network", "e2e-net", "e2e-port")
    fip = osc_json(c, "floating", "ip", "create", "public")
    assert fip["status"] == "DOWN" and fip["port_id"] is None
    osc(c, "floating", "ip", "set", "--port", "e2e-port", fip["floating_ip_address"])
    shown = osc_json(c, "floating", "ip", "show", fip["id"])
    assert shown["port_id"] == port["id"] and shown["router_id"] == router["id"]
    assert shown["status"] == "ACTIVE"
    assert shown["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    r = osc(c, "router", "delete", "e2e-router", check=False)
    assert r.returncode != 0
    osc(c, "floating", "ip", "unset", "--port", fip["id"])
    osc(c, "floating", "ip", "delete", fip["id"])
    osc(c, "router", "remove", "subnet", "e2e-router", "e2e-sub")
    osc(c, "router", "unset", "--external-gateway", "e2e-router")
    osc(c, "router", "delete", "e2e-router")
    osc(c, "port", "delete", "e2e-port")
    osc(c, "network", "delete", "e2e-net")
