from __future__ import annotations

import pytest

from nubo.core.errors import BadRequest, NotAcceptable
from nubo.core.microversion import APIVersion, VersionRange

NOVA = VersionRange("compute", APIVersion(2, 1), APIVersion(2, 96),
                    legacy_header="X-OpenStack-Nova-API-Version")


def test_defaults_and_latest() -> None:
    assert NOVA.negotiate({}) == APIVersion(2, 1)
    assert NOVA.negotiate({"openstack-api-version": "compute latest"}) == APIVersion(2, 96)


def test_header_forms() -> None:
    assert NOVA.negotiate({"openstack-api-version": "compute 2.53"}) == APIVersion(2, 53)
    assert NOVA.negotiate({"openstack-api-version": "volume 3.1, compute 2.10"}) == \
        APIVersion(2, 10)
    assert NOVA.negotiate({"x-openstack-nova-api-version": "2.37"}) == APIVersion(2, 37)
    # a header for another service is not ours
    assert NOVA.negotiate({"openstack-api-version": "volume 3.5"}) == APIVersion(2, 1)


@pytest.mark.parametrize("v", ["2.0", "2.97", "3.1", "1.99"])
def test_outside_range_is_406(v: str) -> None:
    with pytest.raises(NotAcceptable, match="Minimum is 2.1 and maximum is 2.96"):
        NOVA.negotiate({"openstack-api-version": f"compute {v}"})


@pytest.mark.parametrize("v", ["2", "two.one", "2.01x", "2.-1", ""])
def test_malformed_is_400(v: str) -> None:
    with pytest.raises(BadRequest):
        APIVersion.parse(v)


def test_ordering_is_numeric_and_headers() -> None:
    assert APIVersion.parse("2.10") > APIVersion.parse("2.9")
    assert APIVersion(2, 47).matches("2.1", "2.47") and not APIVersion(2, 48).matches(hi="2.47")
    h = NOVA.response_headers(APIVersion(2, 5))
    assert h["OpenStack-API-Version"] == "compute 2.5"
    assert h["X-OpenStack-Nova-API-Version"] == "2.5"
