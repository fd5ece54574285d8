"""Host dataplanes for the Network API: `noop` (changes nothing) and `linux` (bridges, VXLAN,
namespaces, nftables, dnsmasq, metadata proxy)."""

from __future__ import annotations

from nubo.network.agent.dataplane.base import (
    Dataplane,
    DataplaneError,
    DesiredState,
    ReconcileReport,
)

__all__ = ["Dataplane", "DataplaneError", "DesiredState", "ReconcileReport", "get_dataplane"]


def get_dataplane(kind: str, **options: object) -> Dataplane:
    """The dataplane for `--network <kind>` (noop or linux)."""
    if kind == "noop":
        from nubo.network.agent.dataplane.noop import NoopDataplane
        return NoopDataplane()
    if kind == "linux":
        from nubo.network.agent.dataplane.linux.driver import LinuxConfig, LinuxDataplane
        return LinuxDataplane(LinuxConfig(**options))  # type: ignore[arg-type]
    raise ValueError(f"unknown network dataplane {kind!r} (noop or linux)")
