"""GET /allocation_candidates: flat and nested trees, traits (required, forbidden, any-of,
root_required), aggregates, in_tree, limit, granular groups with group_policy, same_subtree,
mappings, and the response shapes of each microversion; plus the in-process `candidates`."""

from __future__ import annotations

import uuid
from typing import Any

from nubo.roles.all_in_one import AllInOne
from tests.api.test_placement import PL, RPS, error, make_rp, mv
from tests.conftest import Api

AC = f"{PL}/allocation_candidates"


async def set_traits(api: Api, rp: str, *traits: str) -> None:
    gen = (await api.ok("GET", f"{RPS}/{rp}", headers=mv()))["generation"]
    for t in traits:
        if t.startswith("CUSTOM_"):
            await api.req("PUT", f"{PL}/traits/{t}", headers=mv())
    await api.ok("PUT", f"{RPS}/{rp}/traits", headers=mv(), json={
        "traits": list(traits), "resource_provider_generation": gen})


async def set_aggs(api: Api, rp: str, *aggs: str) -> None:
    gen = (await api.ok("GET", f"{RPS}/{rp}", headers=mv()))["generation"]
    await api.ok("PUT", f"{RPS}/{rp}/aggregates", headers=mv(), json={
        "aggregates": list(aggs), "resource_provider_generation": gen})


#: providers the tests made (the node may register its own compute host at start)
MINE: set[str] = set()


async def rp(api: Api, name: str, **kw: Any) -> str:
    made = await make_rp(api, name, **kw)
    MINE.add(made)
    return made


def _uuids(req: dict[str, Any]) -> set[str]:
    allocs = req["allocations"]
    if isinstance(allocs, list):  # before 1.12
        return {a["resource_provider"]["uuid"] for a in allocs}
    return set(allocs)


def roots(body: dict[str, Any]) -> list[set[str]]:
    return [_uuids(r) for r in body["allocation_requests"] if _uuids(r) <= MINE]


def requests(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in body["allocation_requests"] if _uuids(r) <= MINE]


COMPUTE = {"VCPU": {"total": 8}, "MEMORY_MB": {"total": 8192}, "DISK_GB": {"total": 100}}


async def test_flat_candidates_and_shapes(api: Api) -> None:
    a = await rp(api, "a", inventories=COMPUTE)
    b = await rp(api, "b", inventories={**COMPUTE, "VCPU": {"total": 2}})
    q = f"{AC}?resources=VCPU:4,MEMORY_MB:1024"
    body = await api.ok("GET", q, headers=mv())
    assert roots(body) == [{a}]
    assert requests(body)[0]["mappings"] == {"": [a]}
    summary = body["provider_summaries"][a]
    assert summary["resources"]["VCPU"] == {"capacity": 8, "used": 0}
    assert "DISK_GB" in summary["resources"]            # 1.27+: every class
    assert summary["root_provider_uuid"] == a and summary["traits"] == []
    # 1.10: list-shaped allocations, only the requested classes, no traits
    old = await api.ok("GET", q, headers=mv("1.10"))
    assert requests(old)[0]["allocations"] == [
        {"resource_provider": {"uuid": a}, "resources": {"VCPU": 4, "MEMORY_MB": 1024}}]
    assert set(old["provider_summaries"][a]["resources"]) == {"VCPU", "MEMORY_MB"}
    assert "traits" not in old["provider_summaries"][a]
    mid = await api.ok("GET", q, headers=mv("1.12"))
    assert requests(mid)[0]["allocations"] == {
        a: {"resources": {"VCPU": 4, "MEMORY_MB": 1024}}}
    assert "mappings" not in requests(mid)[0]
    await error(api, "GET", q, 404, "1.9")
    both = await api.ok("GET", f"{AC}?resources=VCPU:1", headers=mv())
    assert roots(both) == [{a}, {b}]
    assert len((await api.ok("GET", f"{AC}?resources=VCPU:1&limit=1",
                             headers=mv()))["allocation_requests"]) == 1
    assert len(roots(await api.ok("GET", f"{AC}?resources=VCPU:1&in_tree={b}&limit=5",
                                  headers=mv()))) == 1
    await error(api, "GET", f"{AC}?resources=VCPU:1&limit=1", 400, "1.15")
    await error(api, "GET", f"{AC}?resources=CUSTOM_NOPE:1", 400)
    # usage counts: after a claim only b's leftover fits nothing bigger
    await api.ok("PUT", f"{PL}/allocations/{uuid.uuid4()}", 204, headers=mv(), json={
        "allocations": {a: {"resources": {"VCPU": 7}}}, "project_id": "p", "user_id": "u",
        "consumer_generation": None, "consumer_type": "INSTANCE"})
    assert roots(await api.ok("GET", f"{AC}?resources=VCPU:2", headers=mv())) == [{b}]


async def test_traits_aggregates_and_limits(api: Api) -> None:
    a = await rp(api, "a", inventories=COMPUTE)
    b = await rp(api, "b", inventories=COMPUTE)
    c = await rp(api, "c", inventories=COMPUTE)
    await set_traits(api, a, "HW_CPU_X86_AVX", "CUSTOM_GOLD")
    await set_traits(api, b, "HW_CPU_X86_AVX")
    agg = str(uuid.uuid4())
    await set_aggs(api, b, agg)
    await set_aggs(api, c, agg)

    async def found(query: str, v: str = "1.39") -> list[set[str]]:
        return roots(await api.ok("GET", f"{AC}?resources=VCPU:1&{query}", headers=mv(v)))

    assert await found("required=HW_CPU_X86_AVX") == [{a}, {b}]
    assert await found("required=HW_CPU_X86_AVX,!CUSTOM_GOLD") == [{b}]
    assert await found("required=in:CUSTOM_GOLD,HW_CPU_X86_SSE") == [{a}]
    assert await found("required=HW_CPU_X86_AVX&required=!CUSTOM_GOLD") == [{b}]
    await error(api, "GET", f"{AC}?resources=VCPU:1&required=!CUSTOM_GOLD", 400, "1.21")
    assert await found(f"member_of={agg}") == [{b}, {c}]
    assert await found(f"member_of=!{agg}") == [{a}]
    assert await found(f"member_of={agg}&required=HW_CPU_X86_AVX") == [{b}]
    assert await found(f"in_tree={c}") == [{c}]
    assert await found("root_required=!HW_CPU_X86_AVX") == [{c}]
    await error(api, "GET", f"{AC}?resources=VCPU:1&in_tree={c}", 400, "1.30")
    await error(api, "GET", f"{AC}?resources=VCPU:1&member_of={agg}", 400, "1.20")


async def test_nested_tree_candidates(api: Api) -> None:
    """A compute node with CPU and memory, and two NUMA-like children with VGPUs."""
    cn = await rp(api, "cn", inventories={"VCPU": {"total": 8},
                                                "MEMORY_MB": {"total": 4096}})
    g0 = await rp(api, "gpu0", parent=cn, inventories={"VGPU": {"total": 1}})
    g1 = await rp(api, "gpu1", parent=cn, inventories={"VGPU": {"total": 2}})
    await set_traits(api, g1, "CUSTOM_FAST")
    body = await api.ok("GET", f"{AC}?resources=VCPU:2,VGPU:1", headers=mv())
    assert roots(body) == [{cn, g0}, {cn, g1}]
    assert set(body["provider_summaries"]) >= {cn, g0, g1}
    assert body["provider_summaries"][g0]["parent_provider_uuid"] == cn
    assert body["provider_summaries"][g0]["root_provider_uuid"] == cn
    # before 1.29 a candidate is one provider: nothing here has both classes
    assert roots(await api.ok("GET", f"{AC}?resources=VCPU:2,VGPU:1",
                              headers=mv("1.28"))) == []
    # the unnumbered group's traits may come from any provider it uses
    body = await api.ok("GET", f"{AC}?resources=VCPU:2,VGPU:1&required=CUSTOM_FAST",
                        headers=mv())
    assert roots(body) == [{cn, g1}]
    # granular groups: each group from one provider; isolate keeps them apart
    body = await api.ok("GET", f"{AC}?resources=VCPU:1&resources1=VGPU:1&resources2=VGPU:1"
                        "&group_policy=isolate", headers=mv())
    assert [r["mappings"] for r in requests(body)] == [
        {"": [cn], "1": [g0], "2": [g1]}, {"": [cn], "1": [g1], "2": [g0]}]
    body = await api.ok("GET", f"{AC}?resources1=VGPU:1&resources2=VGPU:1"
                        "&group_policy=none", headers=mv())
    # g1 has room for both groups (2 VGPUs), g0 only for one
    allocs = [r["allocations"] for r in requests(body)]
    assert {g1: {"resources": {"VGPU": 2}}} in allocs
    assert {g0: {"resources": {"VGPU": 2}}} not in allocs
    await error(api, "GET", f"{AC}?resources1=VGPU:1&resources2=VGPU:1", 400)
    await error(api, "GET", f"{AC}?resources1=VGPU:1&resources2=VGPU:1&group_policy=none",
                400, "1.24")
    # string suffixes from 1.33
    body = await api.ok("GET", f"{AC}?resources_GPU=VGPU:2&required_GPU=CUSTOM_FAST",
                        headers=mv())
    assert roots(body) == [{g1}]
    await error(api, "GET", f"{AC}?resources_GPU=VGPU:2", 400, "1.32")
    # same_subtree with a resourceless group naming the parent (1.36)
    body = await api.ok("GET", f"{AC}?resources_A=VGPU:1&required_B=COMPUTE_NODE"
                        "&same_subtree=_A,_B&group_policy=none", headers=mv())
    assert requests(body) == []
    await set_traits(api, cn, "COMPUTE_NODE")
    body = await api.ok("GET", f"{AC}?resources_A=VGPU:1&required_B=COMPUTE_NODE"
                        "&same_subtree=_A,_B&group_policy=none", headers=mv())
    assert [r["mappings"]["_B"] for r in requests(body)] == [[cn], [cn]]
    await error(api, "GET", f"{AC}?resources_A=VGPU:1&required_B=COMPUTE_NODE"
                "&group_policy=none", 400)


async def test_in_process_candidates(node: AllInOne) -> None:
    svc = node.controller.placement.service
    cn, gpu = str(uuid.uuid4()), str(uuid.uuid4())
    agg = str(uuid.uuid4())
    await svc.ensure_provider(cn, "host1", {"VCPU": {"total": 4, "allocation_ratio": 2.0},
                                            "MEMORY_MB": {"total": 2048, "reserved": 512}},
                              traits=["COMPUTE_NODE", "CUSTOM_RACK_1"], aggregates=[agg])
    await svc.ensure_provider(gpu, "host1_gpu", {"VGPU": {"total": 1}}, parent_uuid=cn)
    found = await svc.candidates({"VCPU": 8, "MEMORY_MB": 1536}, in_tree=cn)
    assert [c.root_uuid for c in found] == [cn]
    assert found[0].allocations == {cn: {"VCPU": 8, "MEMORY_MB": 1536}}
    assert found[0].summaries[cn]["resources"]["VCPU"] == {"capacity": 8, "used": 0}
    assert found[0].summaries[cn]["traits"] == ["COMPUTE_NODE", "CUSTOM_RACK_1"]
    assert set(found[0].summaries) == {cn, gpu}
    assert await svc.candidates({"VCPU": 9}, in_tree=cn) == []
    assert await svc.candidates({"VCPU": 1}, forbidden=["COMPUTE_NODE"], in_tree=cn) == []
    assert await svc.candidates({"VCPU": 1}, member_of=[[str(uuid.uuid4())]]) == []
    nested = await svc.candidates({"VCPU": 1, "VGPU": 1}, required=["CUSTOM_RACK_1"],
                                  member_of=[[agg]], in_tree=gpu)
    assert nested[0].allocations == {cn: {"VCPU": 1}, gpu: {"VGPU": 1}}
    # ensure_provider is idempotent and converges to exactly what it is given
    await svc.ensure_provider(cn, "host1", {"VCPU": {"total": 2}}, traits=["COMPUTE_NODE"])
    p, invs = await svc.inventories(cn)
    assert set(invs) == {"VCPU"} and (await svc.provider_traits(cn))[1] == ["COMPUTE_NODE"]
    gen = p.generation
    await svc.ensure_provider(cn, "host1", {"VCPU": {"total": 2}}, traits=["COMPUTE_NODE"])
    assert (await svc.get_provider(cn)).generation == gen
    await svc.delete_provider(gpu)
    await svc.delete_provider(gpu)          # already gone: nothing to do
    assert (await svc.provider_aggregates(cn))[1] == []
