"""UUID-typed fields take what the peer takes (issue 19). Placement's and Nova's JSON Schema
`uuid` format is oslo_utils.uuidutils.is_uuid_like (dashes optional, any case, braces and
urn:uuid: allowed); Placement stores aggregates as written, and normalises a new provider's
uuid and PUT /allocations/{consumer_uuid}'s consumer to the dashed form (str(uuid.UUID(...)))."""

from __future__ import annotations

import uuid

from tests.api.test_placement import RPS, make_rp, mv
from tests.conftest import Api


async def test_placement_aggregates_without_dashes(api: Api) -> None:
    rp = await make_rp(api, "cn")
    plain, upper, braced = uuid.uuid4().hex, str(uuid.uuid4()).upper(), f"{{{uuid.uuid4()}}}"
    got = await api.ok("PUT", f"{RPS}/{rp}/aggregates", headers=mv(), json={
        "aggregates": [plain, upper, braced], "resource_provider_generation": 0})
    # as written, as Placement (which returns them in no particular order)
    assert sorted(got["aggregates"]) == sorted([plain, upper, braced])
    found = await api.ok("GET", f"{RPS}?member_of={plain}", headers=mv())
    assert [p["uuid"] for p in found["resource_providers"]] == [rp]
    r = await api.req("PUT", f"{RPS}/{rp}/aggregates", headers=mv(), json={
        "aggregates": ["not-a-uuid"], "resource_provider_generation": 1})
    assert r.status_code == 400, r.text


async def test_placement_provider_and_consumer_uuid_normalised(api: Api) -> None:
    u = uuid.uuid4()
    rp = await api.ok("POST", RPS, 200, json={"name": "x", "uuid": u.hex.upper()},
                      headers=mv())
    assert rp["uuid"] == str(u)
    child = await api.ok("POST", RPS, 200, json={"name": "c", "parent_provider_uuid": str(u)},
                         headers=mv())
    await api.ok("PUT", f"{RPS}/{rp['uuid']}/inventories", headers=mv(), json={
        "resource_provider_generation": rp["generation"],
        "inventories": {"VCPU": {"total": 4}}})
    c = uuid.uuid4()
    await api.ok("PUT", f"/placement/allocations/{c.hex}", 204, headers=mv(), json={
        "allocations": {rp["uuid"]: {"resources": {"VCPU": 1}}},
        "project_id": "p", "user_id": "u", "consumer_generation": None,
        "consumer_type": "INSTANCE"})
    got = await api.ok("GET", f"/placement/allocations/{c}", headers=mv())
    assert rp["uuid"] in got["allocations"]
    found = await api.ok("GET", f"{RPS}?in_tree={u.hex}", headers=mv())
    assert found["resource_providers"] == []     # in_tree is format uuid; matched as written
    assert child["parent_provider_uuid"] == str(u)


async def test_nova_uuid_format_is_uuid_like() -> None:
    from nubo.compute.api.schemas.servers import UUID
    from nubo.compute.api.validation import validate
    validate(UUID, uuid.uuid4().hex)
    validate(UUID, str(uuid.uuid4()).upper())
