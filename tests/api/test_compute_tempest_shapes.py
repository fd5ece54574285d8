"""Details Tempest's compute suite (with Neutron on) found: the rebuild and update responses
without the extended address keys before 2.75, os-migrations' flavor ids as Nova's integers,
an unknown security group refused at create, injectNetworkInfo, a console log of more than
a few lines whose tail is the last n lines."""

from __future__ import annotations

from typing import Any

from tests.api.test_compute_actions_power import act
from tests.api.test_compute_server_network import check, network
from tests.api.test_compute_servers import S, create, flavor_id, image_id, two_hosts, wait
from tests.conftest import Api

__all__ = ["two_hosts"]


async def booted(api: Api, net_name: str, cidr: str) -> tuple[str, str]:
    net, _ = await network(api, net_name, cidr)
    img = await image_id(api)
    sid = (await create(api, img, await flavor_id(api), networks=[{"uuid": net}]))[
        "server"]["id"]
    await wait(api, sid, "ACTIVE")
    return sid, img


def mv(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


async def test_rebuild_and_update_addresses_by_version(api: Api) -> None:
    sid, img = await booted(api, "shape-net", "10.91.0.0/24")
    full = (await api.ok("GET", f"{S}/{sid}"))["server"]["addresses"]["shape-net"]
    assert {"OS-EXT-IPS:type", "OS-EXT-IPS-MAC:mac_addr"} <= set(full[0])
    rebuilt = await act(api, sid, {"rebuild": {"imageRef": img}})
    check("servers", "rebuild_server_with_admin_pass", rebuilt, 202)
    assert rebuilt["server"]["addresses"]["shape-net"] == [
        {"addr": full[0]["addr"], "version": 4}]
    await wait(api, sid, "ACTIVE")
    updated = await api.ok("PUT", f"{S}/{sid}", json={"server": {"name": "renamed"}})
    check("servers", "update_server", updated, 200)
    assert set(updated["server"]["addresses"]["shape-net"][0]) == {"addr", "version"}
    # from 2.75 update and rebuild show the server as GET does
    later = await api.ok("PUT", f"{S}/{sid}", headers=mv("2.75"),
                         json={"server": {"name": "again"}})
    assert later["server"]["addresses"]["shape-net"] == full


async def test_unknown_security_group_is_refused_at_create(api: Api) -> None:
    net, _ = await network(api, "sg-net", "10.92.0.0/24")
    img, flv = await image_id(api), await flavor_id(api)
    before = (await api.ok("GET", f"{S}"))["servers"]
    r = await api.req("POST", S, json={"server": {
        "name": "nope", "imageRef": img, "flavorRef": flv, "networks": [{"uuid": net}],
        "security_groups": [{"name": "does_not_exist"}]}})
    assert r.status_code == 400, r.text
    assert "Security group does_not_exist is not found" in r.json()["badRequest"]["message"]
    assert (await api.ok("GET", f"{S}"))["servers"] == before     # nothing was created
    # "default" and a group of the project's own are fine
    await api.ok("POST", "/networking/v2.0/security-groups", 201,
                 json={"security_group": {"name": "web"}})
    ok = await create(api, img, flv, networks=[{"uuid": net}],
                      security_groups=[{"name": "default"}, {"name": "web"}])
    await wait(api, ok["server"]["id"], "ACTIVE")


async def test_inject_network_info(api: Api) -> None:
    sid, _ = await booted(api, "inj-net", "10.93.0.0/24")
    await act(api, sid, {"injectNetworkInfo": None}, 202)
    user = await api.make_user("inj-member", project="admin")
    tok = await api.token(user["name"], "pw", "admin")
    await act(api, sid, {"injectNetworkInfo": None}, 403, token=tok)     # admin only
    await act(api, sid, {"injectNetworkInfo": {"x": 1}}, 400)


async def test_console_log_tail(api: Api) -> None:
    sid, _ = await booted(api, "con-net", "10.94.0.0/24")
    whole = (await act(api, sid, {"os-getConsoleOutput": {}}, 200))["output"]
    assert len(whole.split("\n")) > 3          # Tempest's "unlimited" test wants more than 3
    three = (await act(api, sid, {"os-getConsoleOutput": {"length": 3}}, 200))["output"]
    assert len(three.split("\n")) == 3 and whole.endswith(three)


async def test_migrations_show_integer_flavor_ids(two_hosts: Api) -> None:
    api = two_hosts
    img = await image_id(api)
    sid = (await create(api, img, await flavor_id(api)))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    await act(api, sid, {"migrate": None})
    await wait(api, sid, "VERIFY_RESIZE")
    body: dict[str, Any] = await api.ok("GET", "/compute/v2.1/os-migrations")
    check("migrations", "list_migrations", body, 200)
    mine = [m for m in body["migrations"] if m["instance_uuid"] == sid]
    assert mine and isinstance(mine[0]["old_instance_type_id"], int)
    assert mine[0]["old_instance_type_id"] == mine[0]["new_instance_type_id"]


async def test_server_ips(api: Api) -> None:
    sid, _ = await booted(api, "ips-net", "10.95.0.0/24")
    addr = (await api.ok("GET", f"{S}/{sid}"))["server"]["addresses"]["ips-net"][0]["addr"]
    listed = await api.ok("GET", f"{S}/{sid}/ips")
    check("servers", "list_addresses", listed, 200)
    assert listed == {"addresses": {"ips-net": [{"version": 4, "addr": addr}]}}
    one = await api.ok("GET", f"{S}/{sid}/ips/ips-net")
    check("servers", "list_addresses_by_network", one, 200)
    assert one == {"ips-net": [{"version": 4, "addr": addr}]}
    r = await api.req("GET", f"{S}/{sid}/ips/other-net")
    assert r.status_code == 404 and "not a member" in r.json()["itemNotFound"]["message"]
    assert (await api.req("GET", f"{S}/00000000-0000-0000-0000-000000000000/ips")
            ).status_code == 404


async def test_compute_request_id_header(api: Api) -> None:
    r = await api.req("GET", "/compute/v2.1/flavors")
    assert r.headers["x-compute-request-id"] == r.headers["x-openstack-request-id"]
    assert "x-compute-request-id" not in (await api.req("GET", "/identity/v3")).headers


async def test_create_image_metadata_keys_checked(api: Api) -> None:
    sid, _ = await booted(api, "img-net", "10.96.0.0/24")
    r = await api.req("POST", f"{S}/{sid}/action",
                      json={"createImage": {"name": "snap", "metadata": {"": ""}}})
    assert r.status_code == 400, r.text
    r = await api.req("POST", f"{S}/{sid}/action",
                      json={"createImage": {"name": "snap", "metadata": {"k/x": "v"}}})
    assert r.status_code == 400, r.text


async def test_nameless_and_repeated_groups_at_create(api: Api) -> None:
    """Nova drops entries without a name and takes each name once (was a 500)."""
    net, _ = await network(api, "sgn-net", "10.97.0.0/24")
    img, flv = await image_id(api), await flavor_id(api)
    made = await create(api, img, flv, networks=[{"uuid": net}],
                        security_groups=[{}, {"name": "default"}, {"name": "default"}])
    assert made["server"]["security_groups"] == [{"name": "default"}]
    shown = await wait(api, made["server"]["id"], "ACTIVE")
    assert shown["security_groups"] == [{"name": "default"}]


async def test_progress_only_in_nova_statuses(api: Api) -> None:
    sid, _ = await booted(api, "prog-net", "10.98.0.0/24")
    assert (await api.ok("GET", f"{S}/{sid}"))["server"]["progress"] == 100
    await act(api, sid, {"os-stop": None})
    stopped = await wait(api, sid, "SHUTOFF")
    assert "progress" not in stopped
