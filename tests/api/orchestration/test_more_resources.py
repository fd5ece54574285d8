"""The other resource types of this step against the fake drivers: key pair, server group,
volume attached to a server, security group rule, floating IP association."""

from __future__ import annotations

from tests.api.orchestration.conftest import base, create_stack, image_id, settle, show
from tests.conftest import Api


async def test_volume_keypair_group_rule_association(oapi: Api) -> None:
    img = await image_id(oapi)
    t = {"heat_template_version": "2021-04-16",
         "parameters": {"image": {"type": "string"}},
         "resources": {
             "key": {"type": "OS::Nova::KeyPair", "properties": {"name": "heat-key"}},
             "grp": {"type": "OS::Nova::ServerGroup",
                     "properties": {"policies": ["anti-affinity"]}},
             "net": {"type": "OS::Neutron::Net"},
             "sub": {"type": "OS::Neutron::Subnet", "properties": {
                 "network": {"get_resource": "net"}, "cidr": "10.9.0.0/24"}},
             "router": {"type": "OS::Neutron::Router", "properties": {
                 "external_gateway_info": {"network": "public"}}},
             "rif": {"type": "OS::Neutron::RouterInterface", "properties": {
                 "router": {"get_resource": "router"}, "subnet": {"get_resource": "sub"}}},
             "sg": {"type": "OS::Neutron::SecurityGroup"},
             "rule": {"type": "OS::Neutron::SecurityGroupRule", "properties": {
                 "security_group": {"get_resource": "sg"}, "protocol": "tcp",
                 "port_range_min": 22, "port_range_max": 22}},
             "port": {"type": "OS::Neutron::Port", "properties": {
                 "network": {"get_resource": "net"},
                 "security_groups": [{"get_resource": "sg"}]}},
             "fip": {"type": "OS::Neutron::FloatingIP",
                     "properties": {"floating_network": "public"}},
             "assoc": {"type": "OS::Neutron::FloatingIPAssociation", "properties": {
                 "floatingip_id": {"get_resource": "fip"},
                 "port_id": {"get_resource": "port"}}},
             "vm": {"type": "OS::Nova::Server", "properties": {
                 "image": {"get_param": "image"}, "flavor": "m1.nano",
                 "key_name": {"get_resource": "key"},
                 "networks": [{"port": {"get_resource": "port"}}]}},
             "vol": {"type": "OS::Cinder::Volume", "properties": {"size": 1}},
             "att": {"type": "OS::Cinder::VolumeAttachment", "properties": {
                 "instance_uuid": {"get_resource": "vm"},
                 "volume_id": {"get_resource": "vol"}}}},
         "outputs": {"pub": {"value": {"get_attr": ["key", "public_key"]}},
                     "vol_status": {"value": {"get_attr": ["vol", "status"]}}}}
    await create_stack(oapi, "more", t, parameters={"image": img})
    s = await show(oapi, "more")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    outs = {o["output_key"]: o["output_value"] for o in s["outputs"]}
    assert outs["pub"].startswith("ssh-") and outs["vol_status"] == "in-use"
    b = await base(oapi)
    p = f"{b}/stacks/more/{s['id']}"
    by = {r["resource_name"]: r["physical_resource_id"]
          for r in (await oapi.ok("GET", f"{p}/resources"))["resources"]}
    fip = (await oapi.ok("GET", f"/networking/v2.0/floatingips/{by['fip']}"))["floatingip"]
    assert fip["port_id"] == by["port"]
    rules = (await oapi.ok("GET", f"/networking/v2.0/security-group-rules/{by['rule']}"))
    assert rules["security_group_rule"]["port_range_min"] == 22
    await oapi.ok("DELETE", p, 204)
    await settle(oapi)
    r = await oapi.req("GET", f"{b}/stacks/more/{s['id']}")
    assert r.status_code == 404 or r.json()["stack"]["stack_status"] == "DELETE_COMPLETE", \
        r.text
    assert (await oapi.req("GET", f"/volume/v3/volumes/{by['vol']}")).status_code == 404
    assert (await oapi.req("GET", "/compute/v2.1/os-keypairs/heat-key")).status_code == 404
    assert (await oapi.req("GET", f"/compute/v2.1/os-server-groups/{by['grp']}")
            ).status_code == 404
