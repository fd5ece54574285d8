"""Process-wide instruments that code deep inside the services updates (conductor steps,
reconcilers, the bus). They belong to no registry of their own: `ProcessMetrics` hands them
to the registry that `/metrics` serves."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Histogram
from prometheus_client.metrics_core import Metric

STEP_DURATION = Histogram(
    "nubo_conductor_step_duration_seconds",
    "Duration of a conductor step (an os-instance-actions event) by event and result",
    ["step", "result"], registry=None,
    buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300))
RECONCILE_RUNS = Counter("nubo_reconcile_runs", "Reconciler passes", ["reconciler"],
                         registry=None)
RECONCILE_REPAIRS = Counter("nubo_reconcile_repairs",
                            "What reconciler passes repaired (resumed, timed out, ...)",
                            ["reconciler", "kind"], registry=None)
BUS_MESSAGES = Counter("nubo_bus_messages", "RPC calls sent to host agents", ["method"],
                       registry=None)
BUS_ERRORS = Counter("nubo_bus_errors", "RPC calls that failed (unreachable host, timeout, "
                     "error in the agent)", ["method", "error"], registry=None)

INSTRUMENTS = (STEP_DURATION, RECONCILE_RUNS, RECONCILE_REPAIRS, BUS_MESSAGES, BUS_ERRORS)


def reconciled(reconciler: str, counts: dict[str, int]) -> None:
    """Count one pass of a reconciler and what it repaired."""
    RECONCILE_RUNS.labels(reconciler).inc()
    for kind, n in counts.items():
        if n:
            RECONCILE_REPAIRS.labels(reconciler, kind).inc(n)


class ProcessMetrics:
    """A collector of the instruments above, for `CollectorRegistry.register`."""

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        for m in INSTRUMENTS:
            yield from m.collect()
