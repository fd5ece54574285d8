"""/metrics beyond request counts: instances per state and host, hosts up, placement
capacity and usage, ports and floating IPs per network, conductor steps, reconcile passes, the
bus and the database pool; all parse as Prometheus text."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import Api


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


def value(m: dict[str, list[tuple[dict[str, str], float]]], name: str,
          **labels: str) -> float:
    return sum(v for lab, v in m.get(name, []) if all(lab.get(k) == x
                                                        for k, x in labels.items()))


async def test_cloud_gauges_follow_the_cloud(api: Api) -> None:
    img, flv = await image_id(api), await flavor_id(api)
    net = (await api.ok("GET", "/networking/v2.0/networks?name=private"))["networks"][0]
    host = api.node.host.agents[0].host
    before = samples((await api.client.get("/metrics")).text)
    ids = [(await create(api, img, flv, name=f"m{i}",
                         networks=[{"uuid": net["id"]}]))["server"]["id"] for i in range(3)]
    for sid in ids:
        await wait(api, sid, "ACTIVE")
    await api.ok("POST", "/networking/v2.0/floatingips", 201, json={"floatingip": {
        "floating_network_id": (await api.ok(
            "GET", "/networking/v2.0/networks?name=public"))["networks"][0]["id"]}})
    m = samples((await api.client.get("/metrics")).text)

    assert value(m, "nubo_instances", vm_state="active", host=host) == 3
    assert value(m, "nubo_compute_host_up", host=host) == 1
    assert value(m, "nubo_placement_usage", provider=host, resource_class="VCPU") == 3
    assert value(m, "nubo_placement_usage", provider=host, resource_class="MEMORY_MB") == 3 * 128
    assert value(m, "nubo_placement_capacity", provider=host, resource_class="VCPU") > 0
    assert value(m, "nubo_placement_allocation_ratio", provider=host,
                 resource_class="VCPU") > 0
    assert value(m, "nubo_network_ports", network="private") - \
        value(before, "nubo_network_ports", network="private") == 3
    assert value(m, "nubo_network_floating_ips", network="public", associated="false") == 1
    steps = value(m, "nubo_conductor_step_duration_seconds_count")
    assert steps - value(before, "nubo_conductor_step_duration_seconds_count") >= 3
    assert value(m, "nubo_bus_messages_total") > value(before, "nubo_bus_messages_total")
    assert value(m, "nubo_reconcile_runs_total", reconciler="compute") >= 1
    assert value(m, "nubo_reconcile_runs_total", reconciler="image") >= 1
    assert "nubo_db_pool_connections" in m
    assert value(m, "nubo_conductor_queue_depth") == 0
