"""Extra DHCP options on ports (extension extra_dhcp_opt) through the in-process API: create,
list, show, the update merge, Neutron's refusals with the table unchanged, and what the
dataplane is given."""

from __future__ import annotations

from typing import Any

from nubo.network.agent.dataplane.base import DhcpOption
from nubo.network.service.hostsync.desired import build_desired
from tests.api.test_network_core import NET, fault, net, port, subnet
from tests.conftest import Api

OPTS = [{"opt_name": "bootfile-name", "opt_value": "pxelinux.0"},
        {"opt_name": "tftp-server", "opt_value": "123.123.123.123"},
        {"opt_name": "server-ip-address", "opt_value": "2015::badd", "ip_version": 6}]


def as_set(opts: list[dict[str, Any]]) -> set[tuple[str, str, int]]:
    return {(o["opt_name"], o["opt_value"], o["ip_version"]) for o in opts}


async def test_extension_is_listed(api: Api) -> None:
    ext = await api.ok("GET", f"{NET}/extensions/extra_dhcp_opt")
    assert ext["extension"]["alias"] == "extra_dhcp_opt"


async def test_create_list_show_update(api: Api) -> None:
    n = await net(api)
    await subnet(api, n["id"], "10.91.0.0/24")
    p = await port(api, n["id"], extra_dhcp_opts=OPTS)
    want = {("bootfile-name", "pxelinux.0", 4), ("tftp-server", "123.123.123.123", 4),
            ("server-ip-address", "2015::badd", 6)}
    assert as_set(p["extra_dhcp_opts"]) == want
    listed = (await api.ok("GET", f"{NET}/ports?network_id={n['id']}"))["ports"]
    assert as_set(next(x for x in listed if x["id"] == p["id"])["extra_dhcp_opts"]) == want

    # update merges by (name, version): change, remove with null, add; others kept
    body = {"port": {"name": "x", "extra_dhcp_opts": [
        {"opt_name": "bootfile-name", "opt_value": "grub.efi"},
        {"opt_name": "tftp-server", "opt_value": None},
        {"opt_name": "router", "opt_value": ""}]}}
    got = (await api.ok("PUT", f"{NET}/ports/{p['id']}", json=body))["port"]
    want = {("bootfile-name", "grub.efi", 4), ("server-ip-address", "2015::badd", 6),
            ("router", "", 4)}
    assert as_set(got["extra_dhcp_opts"]) == want
    shown = (await api.ok("GET", f"{NET}/ports/{p['id']}"))["port"]
    assert as_set(shown["extra_dhcp_opts"]) == want
    # an update without the attribute, or with [], keeps them
    await api.ok("PUT", f"{NET}/ports/{p['id']}", json={"port": {"extra_dhcp_opts": []}})
    shown = (await api.ok("GET", f"{NET}/ports/{p['id']}"))["port"]
    assert as_set(shown["extra_dhcp_opts"]) == want

    # the dataplane sees them on the port's spec when the port is bound to a host
    await api.ok("PUT", f"{NET}/ports/{p['id']}",
                 json={"port": {"binding:host_id": "h-edo"}})
    desired = await build_desired(api.node.controller.db, ["h-edo"])
    [spec] = [x for x in desired.ports if x.id == p["id"]]
    assert set(spec.extra_dhcp_opts) == {DhcpOption("bootfile-name", "grub.efi", 4),
                                         DhcpOption("server-ip-address", "2015::badd", 6),
                                         DhcpOption("router", "", 4)}


async def test_refusals_are_400_and_change_nothing(api: Api) -> None:
    n = await net(api)
    p = await port(api, n["id"], extra_dhcp_opts=[{"opt_name": "a", "opt_value": "1"}])
    before = await api.ok("GET", f"{NET}/ports/{p['id']}")
    bad: list[Any] = [
        "x", [{"opt_name": "a"}], [{"opt_name": "", "opt_value": "1"}],
        [{"opt_name": "a", "opt_value": "1", "ip_version": 5}],
        [{"opt_name": "a", "opt_value": "1", "color": "red"}],
        [{"opt_name": "a", "opt_value": "line\nbreak"}],
        [{"opt_name": "b", "opt_value": "1"}, {"opt_name": "b", "opt_value": "2"}]]
    for value in bad:
        r = await api.req("PUT", f"{NET}/ports/{p['id']}",
                          json={"port": {"extra_dhcp_opts": value}})
        assert "extra_dhcp_opts" in fault(r, 400, "HTTPBadRequest")["message"]
        r = await api.req("POST", f"{NET}/ports",
                          json={"port": {"network_id": n["id"], "extra_dhcp_opts": value}})
        fault(r, 400, "HTTPBadRequest")
    assert await api.ok("GET", f"{NET}/ports/{p['id']}") == before
    ports = (await api.ok("GET", f"{NET}/ports?network_id={n['id']}"))["ports"]
    assert [x["id"] for x in ports] == [p["id"]]
