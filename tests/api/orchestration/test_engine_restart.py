"""What a `kill -9` of the controller leaves, and the restart converging it: a create cut off
half-way carries on where it was (the resources done are not made again), a delete cut off
finishes, an update cut off is failed with a reason that says how to finish it. The dead
process's leases are taken over once they lapse."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from nubo.core.db import utcnow
from nubo.core.leases import Lease
from nubo.orchestration.models import Stack, StackResource
from tests.api.orchestration.conftest import H
from tests.conftest import Api, api_on, make_settings

SLOW = {"heat_template_version": "2021-04-16", "resources": {
    "net": {"type": "OS::Neutron::Net", "properties": {"name": "restart-net"}},
    "wait": {"type": "OS::Heat::TestResource", "depends_on": "net",
             "properties": {"wait_secs": 600}}}}


async def stack_status(api: Api, b: str, name: str) -> dict[str, object]:
    r = await api.req("GET", f"{b}/stacks/{name}")
    assert r.status_code == 302, r.text
    return dict((await api.ok("GET", r.headers["location"].split(":8880", 1)[1]))["stack"])


async def test_restart_converges_stacks_left_in_progress(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    async with api_on(settings) as api:
        b = f"{H}/{await api.project_id('admin')}"
        engine = api.node.controller.orchestration.engine
        engine.poll = 0.01
        for name in ("cut-create", "cut-delete", "cut-update"):
            await api.ok("POST", f"{b}/stacks", 201, json={"stack_name": name,
                                                          "template": SLOW if name ==
                                                          "cut-create" else {
                                                              "heat_template_version":
                                                                  "2021-04-16",
                                                              "resources": {"v": {
                                                                  "type": "OS::Heat::None"}}}})
        # the slow stack's network is made, its test resource waits
        for _ in range(500):
            s = await stack_status(api, b, "cut-create")
            res = (await api.ok("GET", f"{b}/stacks/cut-create/{s['id']}/resources"))
            states = {r["resource_name"]: r["resource_status"] for r in res["resources"]}
            if states.get("wait") == "CREATE_IN_PROGRESS":
                break
            await asyncio.sleep(0.01)
        assert states == {"net": "CREATE_COMPLETE", "wait": "CREATE_IN_PROGRESS"}
        net_id = next(r["physical_resource_id"] for r in res["resources"]
                      if r["resource_name"] == "net")
        db = api.node.controller.db
    # node stopped; what a kill -9 leaves on top: the stacks' leases held by the dead
    # process (lapsed), a delete and an update in progress, the wait long over
    async with db.write() as s:
        held = [r.name for r in (await s.execute(Lease.__table__.select())).all()
                if r.name.startswith("orchestration-stack:")]
        assert held == []      # a clean stop gives the stacks up
        for st in (await s.execute(Stack.__table__.select())).all():
            s.add(Lease(name=f"orchestration-stack:{st.id}", holder="dead:1:x",
                        acquired_at=utcnow(), expires_at=utcnow() - timedelta(seconds=1)))
        await s.execute(update(Stack).where(Stack.name == "cut-delete").values(
            action="DELETE", status="IN_PROGRESS"))
        await s.execute(update(Stack).where(Stack.name == "cut-update").values(
            action="UPDATE", status="IN_PROGRESS", new_template={"template": {}}))
        await s.execute(update(StackResource).where(StackResource.name == "wait").values(
            data={"wait_until": 0}))
    await db.dispose()
    async with api_on(settings) as api:
        await api.node.controller.orchestration.engine.drain()
        b = f"{H}/{await api.project_id('admin')}"
        s = await stack_status(api, b, "cut-create")
        assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
        res = (await api.ok("GET", f"{b}/stacks/cut-create/{s['id']}/resources"))
        assert next(r["physical_resource_id"] for r in res["resources"]
                    if r["resource_name"] == "net") == net_id     # not made again
        nets = (await api.ok("GET", "/networking/v2.0/networks?name=restart-net"))
        assert len(nets["networks"]) == 1
        assert (await api.req("GET", f"{b}/stacks/cut-delete")).status_code == 404
        s = await stack_status(api, b, "cut-update")
        assert s["stack_status"] == "UPDATE_FAILED"
        assert "--existing" in str(s["stack_status_reason"])
