"""SoftwareConfig, CloudConfig and MultipartMime as data resources: their `config`
attribute, and a server booted with the multipart config as its user_data (by its id)."""

from __future__ import annotations

import base64
import email

import yaml

from tests.api.orchestration.conftest import base, create_stack, image_id, show
from tests.conftest import Api

MV = {"OpenStack-API-Version": "compute 2.79"}


async def test_configs_and_server_user_data(oapi: Api) -> None:
    img = await image_id(oapi)
    t = {"heat_template_version": "2021-04-16",
         "resources": {
             "cc": {"type": "OS::Heat::CloudConfig", "properties": {
                 "cloud_config": {"packages": ["nginx"], "runcmd": [["echo", "hi"]]}}},
             "sc": {"type": "OS::Heat::SoftwareConfig", "properties": {
                 "group": "script", "config": "#!/bin/sh\necho from-script\n"}},
             "mime": {"type": "OS::Heat::MultipartMime", "properties": {"parts": [
                 {"config": {"get_resource": "cc"}},
                 {"config": {"get_resource": "sc"}, "filename": "boot.sh"},
                 {"config": "plain words", "subtype": "plain"}]}},
             "net": {"type": "OS::Neutron::Net"},
             "sub": {"type": "OS::Neutron::Subnet", "properties": {
                 "network": {"get_resource": "net"}, "cidr": "10.7.0.0/24"}},
             "vm": {"type": "OS::Nova::Server", "properties": {
                 "image": img, "flavor": "m1.nano", "user_data_format": "RAW",
                 "user_data": {"get_resource": "mime"},
                 "networks": [{"network": {"get_resource": "net"}}]}}},
         "outputs": {"cc": {"value": {"get_attr": ["cc", "config"]}},
                     "sc": {"value": {"get_attr": ["sc", "config"]}},
                     "mime": {"value": {"get_attr": ["mime", "config"]}}}}
    out = await create_stack(oapi, "cfg", t)
    s = await show(oapi, "cfg")
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    o = {x["output_key"]: x["output_value"] for x in s["outputs"]}
    assert o["cc"].startswith("#cloud-config\n")
    assert yaml.safe_load(o["cc"]) == {"packages": ["nginx"], "runcmd": [["echo", "hi"]]}
    assert o["sc"] == "#!/bin/sh\necho from-script\n"
    msg = email.message_from_string(o["mime"])
    parts = [p for p in msg.walk() if not p.is_multipart()]
    assert [p.get_content_type() for p in parts] == [
        "text/cloud-config", "text/x-shellscript", "text/plain"]
    assert parts[1].get_filename() == "boot.sh"
    assert parts[1].get_payload(decode=True).decode() == o["sc"]
    b = await base(oapi)
    rs = (await oapi.ok("GET", f"{b}/stacks/cfg/{out['stack']['id']}/resources"))
    vm = next(r["physical_resource_id"] for r in rs["resources"]
              if r["resource_name"] == "vm")
    server = (await oapi.ok("GET", f"/compute/v2.1/servers/{vm}", headers=MV))["server"]
    assert base64.b64decode(server["OS-EXT-SRV-ATTR:user_data"]).decode() == o["mime"]
