"""Response bodies of os-services, os-hypervisors and os-aggregates at 2.1."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nubo.compute.aggregates import AggregateView
from nubo.compute.hypervisors import HYPERVISOR_VERSION, Hypervisor, cpu_info, detail_numbers
from nubo.compute.services import Service


def ts(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


def service(s: Service) -> dict[str, Any]:
    return {"id": s.id, "binary": s.binary, "host": s.host, "zone": s.zone,
            "status": "disabled" if s.disabled else "enabled",
            "state": "up" if s.up else "down", "updated_at": ts(s.updated_at),
            "disabled_reason": s.disabled_reason}


def hypervisor(hv: Hypervisor, detail: bool = False, host_ip: str = "",
               servers: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"id": hv.id, "hypervisor_hostname": hv.host.name,
                           "state": "up" if hv.service.up else "down",
                           "status": "disabled" if hv.service.disabled else "enabled"}
    if detail:
        out.update({"hypervisor_type": hv.host.hypervisor_type,
                    "hypervisor_version": HYPERVISOR_VERSION, "host_ip": host_ip,
                    "service": {"id": hv.service.id, "host": hv.host.name,
                                "disabled_reason": hv.service.disabled_reason},
                    **detail_numbers(hv), "cpu_info": cpu_info()})
    if servers and hv.servers:    # at 2.1 the key is absent for a host without servers
        out["servers"] = [{"name": n, "uuid": u} for n, u in hv.servers]
    return out


def aggregate(a: AggregateView, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"id": a.id, "name": a.name,
                           "availability_zone": a.availability_zone,
                           "created_at": ts(a.created_at), "updated_at": ts(a.updated_at),
                           "deleted": False, "deleted_at": None}
    if full:
        out["hosts"] = list(a.hosts)
        out["metadata"] = dict(a.metadata)
    return out
