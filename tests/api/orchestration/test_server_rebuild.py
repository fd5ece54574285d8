"""A server's image or key change rebuilds the same server (never a silent replace); with a
flavor change too, the resize follows the rebuild."""

from __future__ import annotations

from typing import Any

from tests.api.orchestration.conftest import base, create_stack, image_id, settle, show
from tests.conftest import Api

MV = {"OpenStack-API-Version": "compute 2.79"}


def template(image: str, flavor: str, key: str | None) -> dict[str, Any]:
    props: dict[str, Any] = {"image": image, "flavor": flavor,
                             "networks": [{"network": {"get_resource": "net"}}]}
    if key:
        props["key_name"] = key
    return {"heat_template_version": "2021-04-16", "resources": {
        "net": {"type": "OS::Neutron::Net"},
        "sub": {"type": "OS::Neutron::Subnet", "properties": {
            "network": {"get_resource": "net"}, "cidr": "10.8.0.0/24"}},
        "vm": {"type": "OS::Nova::Server", "properties": props}}}


async def test_image_and_key_change_rebuild_in_place(oapi: Api) -> None:
    img1, img2 = await image_id(oapi), await image_id(oapi)
    await oapi.ok("POST", "/compute/v2.1/os-keypairs", 200,
                  json={"keypair": {"name": "k2"}})
    sid = (await create_stack(oapi, "rb", template(img1, "m1.nano", None)))["stack"]["id"]
    b = await base(oapi)
    p = f"{b}/stacks/rb/{sid}"
    vm = next(r["physical_resource_id"] for r in
              (await oapi.ok("GET", f"{p}/resources"))["resources"]
              if r["resource_name"] == "vm")
    plan = (await oapi.ok("PUT", f"{p}/preview", json={
        "template": template(img2, "m1.micro", "k2")}))["resource_changes"]
    assert [x["resource_name"] for x in plan["updated"]] == ["vm"]
    assert plan["replaced"] == []
    await oapi.ok("PUT", p, 202, json={"template": template(img2, "m1.micro", "k2")})
    await settle(oapi)
    s = await show(oapi, "rb")
    assert s["stack_status"] == "UPDATE_COMPLETE", s["stack_status_reason"]
    after = next(r["physical_resource_id"] for r in
                 (await oapi.ok("GET", f"{p}/resources"))["resources"]
                 if r["resource_name"] == "vm")
    assert after == vm
    server = (await oapi.ok("GET", f"/compute/v2.1/servers/{vm}", headers=MV))["server"]
    assert server["image"]["id"] == img2 and server["key_name"] == "k2"
    assert server["flavor"]["original_name"] == "m1.micro"
    actions = (await oapi.ok("GET", f"/compute/v2.1/servers/{vm}/os-instance-actions"))
    names = [a["action"] for a in actions["instanceActions"]]
    assert "rebuild" in names and "resize" in names
