"""Never a 500 (issue 20): integers past 64 bits in filters, ids and bodies, JSON nested deeper
than anything can be written back, and bad Range headers each get the service's own 400/416,
and the reads that show what was stored keep working."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_compute_actions_power import V
from tests.api.test_compute_servers import S, create, flavor_id, image_id, wait
from tests.api.test_image_api import make, upload
from tests.conftest import Api

BIG = str(2**63)                 # one past the largest signed 64-bit integer
HUGE = str(2**64)
NEGATIVE = str(-(2**63) - 1)


def deep(levels: int) -> dict[str, Any]:
    """An object nested `levels` deep (an even number), objects and arrays in turn."""
    value: Any = "bottom"
    for _ in range(levels // 2):
        value = {"k": [value]}
    return dict(value)


def nova_400(r: httpx.Response) -> str:
    assert r.status_code == 400, r.text
    assert r.json()["badRequest"]["code"] == 400
    return str(r.json()["badRequest"]["message"])


def keystone_400(r: httpx.Response) -> str:
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == 400 and err["title"] == "Bad Request"
    return str(err["message"])


def glance_fault(r: httpx.Response, status: int) -> str:
    """Glance answers in webob's plain text: `<status> <title>`, a blank line, the message."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/plain")
    head, _, rest = r.text.partition("\n\n")
    assert head.startswith(f"{status} ")
    return rest.strip()


# ------------------------------------------------------------------- integers past 64 bits

async def test_flavor_filters_past_64_bits_are_nova_400(api: Api) -> None:
    for path in ("/flavors", "/flavors/detail"):
        for name in ("minRam", "minDisk"):
            for value in (BIG, HUGE, NEGATIVE):
                r = await api.req("GET", f"/compute/v2.1{path}?{name}={value}")
                assert nova_400(r) == f"Invalid {name} filter [{value}]"
            r = await api.req("GET", f"/compute/v2.1{path}?{name}={2**63 - 1}")   # a filter
            assert r.status_code == 200 and r.json()["flavors"] == []


async def test_image_size_filters_past_64_bits_are_glance_400(api: Api) -> None:
    for name in ("size_min", "size_max"):
        for value in (BIG, HUGE):
            msg = glance_fault(await api.req("GET", f"/image/v2/images?{name}={value}"), 400)
            assert name in msg and str(2**63 - 1) in msg
        r = await api.req("GET", f"/image/v2/images?{name}={2**63 - 1}")
        assert r.status_code == 200


async def test_aggregate_id_past_64_bits_is_nova_400(api: Api) -> None:
    for method in ("GET", "DELETE"):
        r = await api.req(method, f"/compute/v2.1/os-aggregates/{BIG}")
        assert nova_400(r) == "Invalid input received: id must be an integer."


async def test_migration_id_past_64_bits_is_404(api: Api) -> None:
    sid = (await create(api, await image_id(api), await flavor_id(api)))["server"]["id"]
    await wait(api, sid, "ACTIVE")
    r = await api.req("GET", f"{S}/{sid}/migrations/{BIG}", headers=V)
    assert r.status_code == 404, r.text
    assert r.json()["itemNotFound"]["code"] == 404


async def test_limits_past_64_bits_are_capped_as_nova_and_glance_do(api: Api) -> None:
    """Nova's and Glance's `limit` has no maximum: any page size is the service's own cap."""
    for url in (f"/compute/v2.1/flavors?limit={HUGE}", f"/compute/v2.1/images?limit={HUGE}",
                f"/image/v2/images?limit={HUGE}"):
        r = await api.req("GET", url)     # the images proxy is gone after 2.35
        assert r.status_code == 200, (url, r.text)


async def test_body_integers_past_64_bits_are_400_and_store_nothing(api: Api) -> None:
    before = len((await api.ok("GET", "/v3/projects"))["projects"])
    for value in (2**63, 2**64 - 1):    # orjson reads larger ones, and negatives, as floats
        r = await api.req("POST", "/v3/projects",
                          json={"project": {"name": f"p{value}", "size": value}})
        assert "out of range" in keystone_400(r)
    assert len((await api.ok("GET", "/v3/projects"))["projects"]) == before
    ok = await api.ok("POST", "/v3/projects", 201,
                      json={"project": {"name": "edge", "size": 2**63 - 1}})
    assert ok["project"]["size"] == 2**63 - 1


# ------------------------------------------------------------------------- nesting

async def test_deep_project_and_service_extras_are_400_and_lists_still_render(
        api: Api) -> None:
    r = await api.req("POST", "/v3/projects",
                      json={"project": {"name": "deep", "extra": deep(300)}})
    assert "nests deeper than" in keystone_400(r)
    r = await api.req("POST", "/v3/services", json={"service": {"type": "x", "x": deep(300)}})
    assert "nests deeper than" in keystone_400(r)
    pid = (await api.make_project("shallow"))["id"]
    r = await api.req("PATCH", f"/v3/projects/{pid}", json={"project": {"x": deep(300)}})
    keystone_400(r)
    for coll in ("projects", "services", "users"):
        await api.ok("GET", f"/v3/{coll}")
    # what fits is stored and shown
    ok = await api.ok("POST", "/v3/projects", 201,
                      json={"project": {"name": "fits", "extra": deep(50)}})
    assert ok["project"]["extra"] == deep(50)


async def test_deep_port_binding_profile_is_neutron_400(api: Api) -> None:
    net = (await api.ok("POST", "/networking/v2.0/networks", 201,
                        json={"network": {"name": "n"}}))["network"]
    r = await api.req("POST", "/networking/v2.0/ports", json={"port": {
        "network_id": net["id"], "binding:profile": deep(300)}})
    assert r.status_code == 400, r.text
    assert "nests deeper than" in r.json()["NeutronError"]["message"]
    await api.ok("GET", "/networking/v2.0/ports")


@pytest.mark.parametrize("method, path, key", [
    ("POST", "/compute/v2.1/os-keypairs", "badRequest"),
    ("POST", "/placement/resource_providers", "errors"),
])
async def test_deep_bodies_elsewhere_are_the_services_400(api: Api, method: str, path: str,
                                                          key: str) -> None:
    r = await api.req(method, path, json={"x": deep(300)},
                      headers={"OpenStack-API-Version": "placement latest"})
    assert r.status_code == 400, r.text
    assert key in r.json() and "nests deeper than" in r.text


async def test_deep_glance_patch_is_glance_400(api: Api) -> None:
    img = await make(api)
    r = await api.req("PATCH", f"/image/v2/images/{img['id']}",
                      headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
                      json=[{"op": "add", "path": "/x", "value": deep(300)}])
    assert "nests deeper than" in glance_fault(r, 400)


# ------------------------------------------------------------------- user options

async def test_user_options_only_the_registered_ones(api: Api) -> None:
    r = await api.req("POST", "/v3/users", json={"user": {"name": "u1", "options": {
        "colour": "red"}}})
    assert "Additional properties are not allowed" in keystone_400(r)
    r = await api.req("POST", "/v3/users", json={"user": {"name": "u1", "options": {
        "lock_password": {"k": 1}}}})
    keystone_400(r)
    r = await api.req("POST", "/v3/users", json={"user": {"name": "u1", "options": {
        "multi_factor_auth_rules": [["password", "password"]]}}})
    keystone_400(r)
    user = (await api.ok("POST", "/v3/users", 201, json={"user": {"name": "u1", "options": {
        "lock_password": True, "multi_factor_auth_rules": [["password", "totp"]]}}}))["user"]
    assert user["options"] == {"lock_password": True,
                               "multi_factor_auth_rules": [["password", "totp"]]}
    # an update sets the options it names and a null removes one, as Keystone's
    user = (await api.ok("PATCH", f"/v3/users/{user['id']}", json={"user": {"options": {
        "lock_password": None, "ignore_password_expiry": True}}}))["user"]
    assert user["options"] == {"ignore_password_expiry": True,
                               "multi_factor_auth_rules": [["password", "totp"]]}
    await api.ok("GET", "/v3/users")


# ------------------------------------------------------------------------ ranges

DATA = bytes(range(256)) * 4


BAD_RANGES = [
    ("bytes=abc", 416, "Invalid Range header."),
    ("garbage", 416, "Invalid Range header."),
    ("items=0-3", 416, "Invalid Range header."),
    ("bytes=-", 416, "Invalid Range header."),
    ("bytes=9-2", 416, "Invalid Range header."),
    ("bytes=1024-", 416, "Start position MUST be in the inclusive range [0, 1023]."),
    ("bytes=5000-6000", 416, "Start position MUST be in the inclusive range [0, 1023]."),
    ("bytes=0-1,4-5", 400, "Requests with multiple ranges are not supported in Glance."),
]
GOOD_RANGES = [
    ("bytes=10-19", DATA[10:20]),
    ("bytes=1000-", DATA[1000:]),
    ("bytes=1000-99999", DATA[1000:]),
    ("bytes=-24", DATA[-24:]),
    ("bytes=-5000", DATA),
    ("bytes = 3 - 4", DATA[3:5]),
]


async def test_bad_ranges_are_glance_faults_and_good_ones_are_served(api: Api) -> None:
    img = await make(api)
    await upload(api, img["id"], DATA)
    url = f"/image/v2/images/{img['id']}/file"
    for header, status, fragment in BAD_RANGES:
        r = await api.req("GET", url, headers={"Range": header})
        assert fragment in glance_fault(r, status), header
    for header, want in GOOD_RANGES:
        r = await api.req("GET", url, headers={"Range": header})
        assert r.status_code == 206 and r.content == want, (header, r.status_code)
