"""The seed's template in-process on the fake drivers: network, subnet, router with its
interface, security group, port, floating IP and server; the outputs; a flavor change
resizes the server in place; delete leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.api.orchestration.conftest import (
    base,
    create_stack,
    heat_fault,
    image_id,
    settle,
    show,
)
from tests.conftest import Api

MV = {"OpenStack-API-Version": "compute 2.79"}
SEED = Path(__file__).parents[2] / "e2e" / "data" / "heat_seed.yaml"


async def test_seed_stack_create_update_delete(oapi: Api) -> None:
    img = await image_id(oapi)
    template = SEED.read_text()
    b = await base(oapi)
    for bad in ({"image": "no-such-image"}, {"image": img, "flavor": "m9.huge"},
                {"image": img, "public_net": "nope"}):
        msg = await heat_fault(oapi, "POST", f"{b}/stacks", 400, json={
            "stack_name": "web", "template": template, "parameters": bad})
        assert "could not be found" in msg and "Parameter '" in msg, msg
    assert (await oapi.ok("GET", "/networking/v2.0/networks?name=web-net"))["networks"] == []
    await create_stack(oapi, "web", template, parameters={"image": img})
    s = await show(oapi, "web")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    outs = {o["output_key"]: o["output_value"] for o in s["outputs"]}
    fip = outs["server_ip"]
    assert fip and fip.count(".") == 3
    assert outs["fixed_ip"].startswith("10.77.0.")
    path = f"{b}/stacks/web/{s['id']}"
    res = (await oapi.ok("GET", f"{path}/resources"))["resources"]
    assert {r["resource_status"] for r in res} == {"CREATE_COMPLETE"}
    by = {r["resource_name"]: r["physical_resource_id"] for r in res}
    server = (await oapi.ok("GET", f"/compute/v2.1/servers/{by['web_server']}",
                             headers=MV))["server"]
    assert server["status"] == "ACTIVE" and server["metadata"] == {"role": "web"}
    assert server["flavor"]["original_name"] == "m1.nano"
    fips = (await oapi.ok("GET", f"/networking/v2.0/floatingips/{by['web_fip']}"))
    assert fips["floatingip"]["port_id"] == by["web_port"]
    # output show, through the name lookup (302)
    r = await oapi.req("GET", f"{b}/stacks/web/outputs/server_ip")
    assert r.status_code == 302
    o = await oapi.ok("GET", r.headers["location"].split(":8880", 1)[1])
    assert o["output"]["output_value"] == fip

    # update: another flavor resizes the same server in place
    await oapi.ok("PATCH", path, 202, json={"parameters": {"flavor": "m1.micro"}})
    await settle(oapi)
    s = await show(oapi, "web")
    assert s["stack_status"] == "UPDATE_COMPLETE", s["stack_status_reason"]
    res2 = {r["resource_name"]: r["physical_resource_id"]
            for r in (await oapi.ok("GET", f"{path}/resources"))["resources"]}
    assert res2 == by
    server = (await oapi.ok("GET", f"/compute/v2.1/servers/{by['web_server']}",
                             headers=MV))["server"]
    assert server["flavor"]["original_name"] == "m1.micro"

    # delete: nothing left behind
    await oapi.ok("DELETE", path, 204)
    await settle(oapi)
    assert (await oapi.req("GET", f"{b}/stacks/web")).status_code == 404
    assert (await oapi.req("GET", f"/compute/v2.1/servers/{by['web_server']}")
            ).status_code == 404
    for kind, key in (("networks", "web_net"), ("routers", "router"),
                      ("ports", "web_port"), ("floatingips", "web_fip"),
                      ("security-groups", "web_sg")):
        r = await oapi.req("GET", f"/networking/v2.0/{kind}/{by[key]}")
        assert r.status_code == 404, (kind, r.text)
    events = yaml.safe_load((await oapi.req(
        "GET", f"{path}/events?sort_dir=asc")).text)["events"]
    stack_events = [e["resource_status"] for e in events if e["resource_name"] == "web"]
    assert stack_events == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE", "UPDATE_IN_PROGRESS",
                            "UPDATE_COMPLETE", "DELETE_IN_PROGRESS", "DELETE_COMPLETE"]
