"""Response bodies of os-services, os-hypervisors and os-aggregates: 2.11 shows a service's
forced_down, 2.41 an aggregate's uuid, 2.53 names services and hypervisors by uuid, 2.88
leaves the hypervisor's resource figures to placement."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from nubo.compute.api.versions import MIN
from nubo.compute.service.aggregates import AggregateView
from nubo.compute.service.hypervisors import (
    HYPERVISOR_VERSION,
    Hypervisor,
    cpu_info,
    detail_numbers,
)
from nubo.compute.service.services import Service
from nubo.core.microversion import APIVersion

V253 = APIVersion(2, 53)
#: a stable uuid per service record (2.53), made from its integer id
_SERVICE_NS = uuid.UUID("6f1c2b4e-8f7a-4c38-9d2e-0b5a1e6c7d90")


def service_uuid(service_id: int) -> str:
    return str(uuid.uuid5(_SERVICE_NS, str(service_id)))


def ts(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


def service(s: Service, ver: APIVersion = MIN) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": service_uuid(s.id) if ver >= V253 else s.id, "binary": s.binary,
        "host": s.host, "zone": s.zone, "status": "disabled" if s.disabled else "enabled",
        "state": "up" if s.up else "down", "updated_at": ts(s.updated_at),
        "disabled_reason": s.disabled_reason}
    if ver >= APIVersion(2, 11):
        out["forced_down"] = s.forced_down
    return out


def hypervisor(hv: Hypervisor, detail: bool = False, host_ip: str = "",
               servers: bool = False, ver: APIVersion = MIN,
               uptime: str | None = None) -> dict[str, Any]:
    new = ver >= V253
    out: dict[str, Any] = {"id": hv.host.provider_uuid if new else hv.id,
                           "hypervisor_hostname": hv.host.name,
                           "state": "up" if hv.service.up else "down",
                           "status": "disabled" if hv.service.disabled else "enabled"}
    if detail:
        out.update({"hypervisor_type": hv.host.hypervisor_type,
                    "hypervisor_version": HYPERVISOR_VERSION, "host_ip": host_ip,
                    "service": {"id": service_uuid(hv.service.id) if new else hv.service.id,
                                "host": hv.host.name,
                                "disabled_reason": hv.service.disabled_reason}})
        if ver < APIVersion(2, 88):
            # 2.28: cpu_info is a JSON object, no longer a string holding one
            info = json.loads(cpu_info()) if ver >= APIVersion(2, 28) else cpu_info()
            out.update({**detail_numbers(hv), "cpu_info": info})
        else:
            out["uptime"] = uptime
    # before 2.53 the key is absent for a host without servers; from 2.53 asked for
    # with_servers it is there, empty
    if servers and (hv.servers or new):
        out["servers"] = [{"name": n, "uuid": u} for n, u in hv.servers or []]
    return out


def aggregate(a: AggregateView, full: bool = True, ver: APIVersion = MIN) -> dict[str, Any]:
    out: dict[str, Any] = {"id": a.id, "name": a.name,
                           "availability_zone": a.availability_zone,
                           "created_at": ts(a.created_at), "updated_at": ts(a.updated_at),
                           "deleted": False, "deleted_at": None}
    if ver >= APIVersion(2, 41):
        out["uuid"] = a.uuid
    if full:
        out["hosts"] = list(a.hosts)
        out["metadata"] = dict(a.metadata)
    return out
