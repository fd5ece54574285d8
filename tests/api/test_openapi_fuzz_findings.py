"""What the OpenAPI fuzz found: each case was a 500 (or an SQLAlchemy warning on its way to
one) and is a 4xx in the service's own fault format now."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from sqlalchemy.exc import SAWarning

from tests.conftest import Api

NET = "/networking/v2.0"


@pytest.mark.parametrize("value", [None, {"id": "x"}, ["x"], 7])
async def test_subnet_network_id_not_a_uuid_is_a_400(api: Api, value: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", SAWarning)
        r = await api.req("POST", f"{NET}/subnets", json={"subnet": {
            "network_id": value, "ip_version": 4, "cidr": "10.9.0.0/24"}})
    assert r.status_code == 400, r.text
    fault = r.json()["NeutronError"]
    assert fault["type"] == "HTTPBadRequest"
    assert "network_id" in fault["message"]
