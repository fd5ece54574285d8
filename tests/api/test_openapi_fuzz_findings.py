"""What the OpenAPI fuzz found: each case was a 500 (or an SQLAlchemy warning on its way to
one) and is a 4xx in the service's own fault format now."""

from __future__ import annotations

import warnings

from sqlalchemy.exc import SAWarning

from tests.conftest import Api

NET = "/networking/v2.0"


CASES = [("subnets", "subnet", "network_id", {"ip_version": 4, "cidr": "10.9.0.0/24"}),
         ("ports", "port", "network_id", {}),
         ("floatingips", "floatingip", "floating_network_id", {})]


async def test_network_id_not_a_uuid_is_a_400(api: Api) -> None:
    """Neutron's type:uuid: a null network id was looked up as a NULL primary key (one node
    for all the cases)."""
    for coll, key, attr, rest in CASES:
        for value in (None, {"id": "x"}, ["x"], 7):
            with warnings.catch_warnings():
                warnings.simplefilter("error", SAWarning)
                r = await api.req("POST", f"{NET}/{coll}", json={key: {attr: value, **rest}})
            assert r.status_code == 400, (coll, value, r.text)
            fault = r.json()["NeutronError"]
            assert fault["type"] == "HTTPBadRequest"
            assert attr in fault["message"]


async def test_project_id_not_a_string_is_a_400(api: Api) -> None:
    """A list as tenant_id reached the quota query (SQLite cannot bind a list): a 500."""
    net = (await api.ok("POST", f"{NET}/networks", 201, json={"network": {"name": "n"}}))[
        "network"]["id"]
    bodies = {"routers": {"router": {"name": "r"}},
              "subnets": {"subnet": {"network_id": net, "ip_version": 4,
                                     "cidr": "10.8.0.0/24"}},
              "ports": {"port": {"network_id": net}},
              "floatingips": {"floatingip": {"floating_network_id": net}},
              "subnetpools": {"subnetpool": {"name": "p", "prefixes": ["10.60.0.0/16"]}}}
    for coll, b in bodies.items():
        (key, attrs), = b.items()
        for attr in ("tenant_id", "project_id"):
            r = await api.req("POST", f"{NET}/{coll}", json={key: {**attrs, attr: [None]}})
            assert r.status_code == 400, (coll, attr, r.text)
            fault = r.json()["NeutronError"]
            assert fault["type"] == "HTTPBadRequest" and attr in fault["message"]
