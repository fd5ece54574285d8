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
