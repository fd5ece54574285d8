"""The real `openstack stack ...` (python-heatclient) against `nubo up` on the fake drivers:
the seed's template (network, subnet, router, security group, port, floating IP, server)
created with --wait, its output read, a flavor change applied in place, and a delete that
leaves nothing behind."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from tests.e2e.conftest import Cloud, start_nubo, stop_nubo
from tests.e2e.test_openstack_cli import osc, osc_json

SEED = Path(__file__).parent / "data" / "heat_seed.yaml"


def test_stack_workflow(shared_cloud: Cloud, tmp_path: Path) -> None:
    c = shared_cloud
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 4096)
    img = osc_json(c, "image", "create", "--disk-format", "raw", "--container-format",
                   "bare", "--file", str(disk), "heat-img")
    assert "orchestration" in osc(c, "catalog", "list").stdout

    r = osc(c, "stack", "create", "-t", str(SEED), "--parameter", f"image={img['id']}",
            "--parameter", "flavor=m1.nano", "--wait", "web-stack")
    assert "CREATE_COMPLETE" in r.stdout, r.stdout
    shown = osc_json(c, "stack", "show", "web-stack")
    assert shown["stack_status"] == "CREATE_COMPLETE"
    ip = osc_json(c, "stack", "output", "show", "web-stack", "server_ip")
    value = ip["output_value"]
    assert value.count(".") == 3
    fips = osc_json(c, "floating", "ip", "list")
    assert value in [f["Floating IP Address"] for f in fips]
    resources = osc_json(c, "stack", "resource", "list", "web-stack")
    assert {x["resource_status"] for x in resources} == {"CREATE_COMPLETE"}
    server_id = next(x["physical_resource_id"] for x in resources
                     if x["resource_name"] == "web_server")
    assert "m1.nano" in json.dumps(osc_json(c, "server", "show", server_id)["flavor"])
    stacks = osc_json(c, "stack", "list")
    assert [s["Stack Name"] for s in stacks] == ["web-stack"]
    events = osc(c, "stack", "event", "list", "web-stack").stdout
    assert "CREATE_COMPLETE" in events

    # a flavor change resizes the same server in place
    r = osc(c, "stack", "update", "-t", str(SEED), "--parameter", f"image={img['id']}",
            "--parameter", "flavor=m1.micro", "--wait", "web-stack")
    assert "UPDATE_COMPLETE" in r.stdout, r.stdout
    after = osc_json(c, "stack", "resource", "list", "web-stack")
    assert next(x["physical_resource_id"] for x in after
                if x["resource_name"] == "web_server") == server_id
    assert "m1.micro" in json.dumps(osc_json(c, "server", "show", server_id)["flavor"])

    # a bad template: Heat's 400 before anything is created
    bad = tmp_path / "bad.yaml"
    bad.write_text("heat_template_version: 2014-10-16\nresources:\n  x:\n"
                   "    type: OS::Heat::Value\n    properties:\n"
                   "      value: {str_split: [',', 'a,b']}\n")
    r = osc(c, "stack", "create", "-t", str(bad), "bad-stack", check=False)
    assert r.returncode != 0 and "str_split" in r.stderr, r.stderr

    osc(c, "stack", "delete", "--yes", "--wait", "web-stack")
    assert osc_json(c, "stack", "list") == []
    assert json.loads(osc(c, "server", "list", "-f", "json").stdout) == []
    assert osc_json(c, "floating", "ip", "list") == []
    nets = [n["Name"] for n in osc_json(c, "network", "list")]
    assert "web-net" not in nets
    routers = osc_json(c, "router", "list")
    assert all(not r_["Name"].startswith("web-stack") for r_ in routers)


SLOW = """heat_template_version: 2021-04-16
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: kill-net}
  wait:
    type: OS::Heat::TestResource
    depends_on: net
    properties: {wait_secs: 6}
outputs:
  net_id:
    value: {get_resource: net}
"""


def test_kill_9_during_a_create_converges(cloud: Cloud, tmp_path: Path) -> None:
    """`kill -9` of `nubo up` while a stack is being created; the restart carries the
    create on where it was (the network made before is not made again)."""
    c = cloud
    slow = tmp_path / "slow.yaml"
    slow.write_text(SLOW)
    osc(c, "stack", "create", "-t", str(slow), "kill-stack")
    deadline = time.monotonic() + 60
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        states = {r["resource_name"]: r["resource_status"]
                  for r in osc_json(c, "stack", "resource", "list", "kill-stack")}
        if states.get("wait") == "CREATE_IN_PROGRESS":
            break
        time.sleep(0.2)
    assert states == {"net": "CREATE_COMPLETE", "wait": "CREATE_IN_PROGRESS"}
    stop_nubo(c, signal.SIGKILL)
    c2 = start_nubo(c.data_dir, c.port)
    try:
        deadline = time.monotonic() + 90
        shown: dict[str, object] = {}
        while time.monotonic() < deadline:
            shown = osc_json(c2, "stack", "show", "kill-stack")
            if shown["stack_status"] != "CREATE_IN_PROGRESS":
                break
            time.sleep(0.5)
        assert shown["stack_status"] == "CREATE_COMPLETE", shown
        nets = [n for n in osc_json(c2, "network", "list") if n["Name"] == "kill-net"]
        assert len(nets) == 1
        out = osc_json(c2, "stack", "output", "show", "kill-stack", "net_id")
        assert out["output_value"] == nets[0]["ID"]
        osc(c2, "stack", "delete", "--yes", "--wait", "kill-stack")
        assert osc_json(c2, "network", "list", "--name", "kill-net") == []
    finally:
        stop_nubo(c2)
