"""One server's story in the log: its id finds the request that created it and every
conductor step, each with the request id that os-instance-actions shows for its action."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.e2e.conftest import Cloud
from tests.e2e.ops_helpers import admin_client, boot, make_resources, ok, wait_settled


def log_records(cloud: Cloud) -> list[dict[str, Any]]:
    lines = (cloud.data_dir / "logs" / "nubo.log").read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_grep_a_server_id_tells_its_story(cloud: Cloud) -> None:
    with admin_client(cloud) as c:
        ids = make_resources(c, b"\0" * 4096)
        r = c.post("/compute/v2.1/servers", json={"server": {
            "name": "story", "imageRef": ids["image"], "flavorRef": "42",
            "networks": [{"uuid": ids["network"]}]}})
        assert r.status_code == 202, r.text
        sid, create_rid = r.json()["server"]["id"], r.headers["x-openstack-request-id"]
        boot(c, "other", ids["image"], ids["network"])     # noise that must not show up
        wait_settled(c)
        r = c.post(f"/compute/v2.1/servers/{sid}/action", json={"reboot": {"type": "HARD"}})
        assert r.status_code == 202
        reboot_rid = r.headers["x-openstack-request-id"]
        deadline = time.monotonic() + 60
        while True:
            actions = ok(c.get(f"/compute/v2.1/servers/{sid}/os-instance-actions"))
            reboot = [a for a in actions["instanceActions"] if a["action"] == "reboot"]
            if reboot and ok(c.get(f"/compute/v2.1/servers/{sid}"))["server"][
                    "OS-EXT-STS:task_state"] is None:
                break
            assert time.monotonic() < deadline
            time.sleep(0.1)
        by_action = {a["action"]: a["request_id"] for a in actions["instanceActions"]}
        assert by_action == {"create": create_rid, "reboot": reboot_rid}
        events = {a: [e["event"] for e in ok(c.get(
            f"/compute/v2.1/servers/{sid}/os-instance-actions/{rid}",
            headers={"OpenStack-API-Version": "compute 2.51"}))["instanceAction"]["events"]]
            for a, rid in by_action.items()}

    story = [r for r in log_records(cloud) if r.get("instance_id") == sid or
             sid in r.get("path", "")]
    assert any(r["msg"].endswith("build accepted") and r["request_id"] == create_rid
               for r in story)
    steps = [r for r in story if r["logger"] == "nubo.steps" and "step" in r]
    for action, rid in by_action.items():
        # every event os-instance-actions shows is a step in the log, under the same id
        logged = [s["step"] for s in steps if s["request_id"] == rid]
        assert sorted(logged) == sorted(events[action]) and logged, (action, logged)
    access = [r for r in log_records(cloud) if r["logger"] == "nubo.access" and
              r["request_id"] in (create_rid, reboot_rid)]
    assert {(a["method"], a["status"]) for a in access} == {("POST", 202)}
    assert all(sid in r["msg"] for r in story if r["logger"] == "nubo.steps")
