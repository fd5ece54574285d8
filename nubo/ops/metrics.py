"""Gauges computed when Prometheus scrapes `/metrics`: a few GROUP BY queries, no state kept
between scrapes. Instances per state and host, compute hosts up, placement capacity, usage and
allocation ratios per resource class, ports and floating IPs per network, the conductor's
queue, the database connection pool."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute.conductor.manager import HOST_DOWN_AFTER
from nubo.compute.models import ComputeHost, Instance
from nubo.core.db import Database, utcnow
from nubo.network.models import Network, Port
from nubo.network.models_l3 import FloatingIP
from nubo.placement.models import Allocation, Inventory, ResourceProvider


class CloudCollector:
    """Register with a CollectorRegistry; call `refresh` (async) right before each scrape."""

    def __init__(self, db: Database, queue_depth: Callable[[], int],
                 down_after: timedelta = HOST_DOWN_AFTER) -> None:
        """`down_after`: Nova's service_down_time."""
        self.db = db
        self.down_after = down_after
        self.queue_depth = queue_depth
        self._families: list[Metric] = []

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        return list(self._families)

    async def refresh(self) -> None:
        now = utcnow()
        async with self.db.read() as s:
            families = [*await _instances(s, now), *await _hosts(s, now, self.down_after),
                        *await _placement(s), *await _network(s)]
        families += [self._pool(), _gauge("nubo_conductor_queue_depth",
                                          "Operations the conductor is carrying out or that "
                                          "wait for their instance's lock", self.queue_depth())]
        self._families = families

    def _pool(self) -> Metric:
        g = GaugeMetricFamily("nubo_db_pool_connections",
                              "Database connections of this process by use", labels=["use"])
        pool = self.db.engine.pool
        for use in ("size", "checkedout", "checkedin", "overflow"):
            fn = getattr(pool, use, None)
            if callable(fn):
                g.add_metric([use], float(fn()))
        return g


def _gauge(name: str, doc: str, value: float) -> Metric:
    g = GaugeMetricFamily(name, doc)
    g.add_metric([], value)
    return g


async def _instances(s: AsyncSession, now: datetime) -> list[Metric]:
    states = GaugeMetricFamily("nubo_instances", "Instances by vm_state, task_state and host",
                               labels=["vm_state", "task_state", "host"])
    rows = await s.execute(select(Instance.vm_state, Instance.task_state, Instance.host,
                                  func.count()).where(Instance.deleted.is_(False)).group_by(
        Instance.vm_state, Instance.task_state, Instance.host))
    for vm, task, host, n in rows:
        states.add_metric([vm, task or "", host or ""], n)
    age = GaugeMetricFamily("nubo_instance_task_age_seconds_max",
                            "How long the oldest instance in each task state has been in it",
                            labels=["task_state"])
    oldest = await s.execute(select(Instance.task_state, func.min(Instance.task_started_at))
                           .where(Instance.deleted.is_(False),
                                  Instance.task_state.is_not(None))
                           .group_by(Instance.task_state))
    for task, started in oldest:
        if started is not None:
            age.add_metric([task or ""], max((now - started).total_seconds(), 0.0))
    return [states, age]


async def _hosts(s: AsyncSession, now: datetime, down_after: timedelta) -> list[Metric]:
    up = GaugeMetricFamily("nubo_compute_host_up",
                           "1 when the host's agent answered its heartbeat within "
                           f"{int(down_after.total_seconds())} s and it is not forced "
                           "down", labels=["host"])
    disabled = GaugeMetricFamily("nubo_compute_host_disabled",
                                 "1 when the compute service on the host is disabled",
                                 labels=["host"])
    for h in (await s.execute(select(ComputeHost.name, ComputeHost.last_seen,
                                     ComputeHost.forced_down, ComputeHost.disabled))):
        alive = not h.forced_down and now - h.last_seen <= down_after
        up.add_metric([h.name], 1.0 if alive else 0.0)
        disabled.add_metric([h.name], 1.0 if h.disabled else 0.0)
    return [up, disabled]


async def _placement(s: AsyncSession) -> list[Metric]:
    labels = ["provider", "resource_class"]
    total = GaugeMetricFamily("nubo_placement_inventory",
                              "Inventory (total) of a resource provider", labels=labels)
    reserved = GaugeMetricFamily("nubo_placement_inventory_reserved",
                                 "Reserved part of the inventory", labels=labels)
    ratio = GaugeMetricFamily("nubo_placement_allocation_ratio",
                              "Overcommit ratio of the inventory", labels=labels)
    capacity = GaugeMetricFamily("nubo_placement_capacity",
                                 "What can be allocated: (total - reserved) * ratio",
                                 labels=labels)
    usage = GaugeMetricFamily("nubo_placement_usage", "Allocated amount", labels=labels)
    for name, rc, t, r, a in await s.execute(
            select(ResourceProvider.name, Inventory.resource_class, Inventory.total,
                   Inventory.reserved, Inventory.allocation_ratio)
            .join(Inventory, Inventory.resource_provider_id == ResourceProvider.id)):
        total.add_metric([name, rc], t)
        reserved.add_metric([name, rc], r)
        ratio.add_metric([name, rc], a)
        capacity.add_metric([name, rc], (t - r) * a)
    for name, rc, used in await s.execute(
            select(ResourceProvider.name, Allocation.resource_class, func.sum(Allocation.used))
            .join(Allocation, Allocation.resource_provider_id == ResourceProvider.id)
            .group_by(ResourceProvider.name, Allocation.resource_class)):
        usage.add_metric([name, rc], float(used or 0))
    return [total, reserved, ratio, capacity, usage]


async def _network(s: AsyncSession) -> list[Metric]:
    names: dict[str, str] = {i: n for i, n in await s.execute(select(Network.id, Network.name))}
    ports = GaugeMetricFamily("nubo_network_ports", "Ports per network and status",
                              labels=["network_id", "network", "status"])
    for net, status, n in await s.execute(select(Port.network_id, Port.status, func.count())
                                          .group_by(Port.network_id, Port.status)):
        ports.add_metric([net, names.get(net, ""), status], n)
    fips = GaugeMetricFamily("nubo_network_floating_ips",
                             "Floating IPs per external network, associated or not",
                             labels=["network_id", "network", "associated"])
    assoc = FloatingIP.fixed_port_id.is_not(None)
    for net, is_assoc, n in await s.execute(
            select(FloatingIP.floating_network_id, assoc, func.count())
            .group_by(FloatingIP.floating_network_id, assoc)):
        fips.add_metric([net, names.get(net, ""), "true" if is_assoc else "false"], n)
    return [ports, fips]
