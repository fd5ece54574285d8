"""What the admins see of the backends: /os-services (with enable, disable, freeze, thaw),
/scheduler-stats/get_pools, /capabilities/{host} and the deprecated /os-hosts, from the one
backend this process serves."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.db import utcnow
from nubo.core.http import json_response
from nubo.core.microversion import APIVersion
from nubo.volume.api.handlers.common import begin, body, flag, param, query
from nubo.volume.api.schemas import services as schemas
from nubo.volume.api.views.common import ts
from nubo.volume.api.wiring import VolumeApi
from nubo.volume.errors import (
    HostBinaryNotFound,
    HostNotFound,
    InvalidInput,
    ServiceActionNotFound,
)
from nubo.volume.service.volumes import ZONE

#: what the backend reports as Cinder's drivers do (the names a volume type's extra specs
#: match: volume_backend_name, vendor_name, storage_protocol)
VENDOR, PROTOCOL, DRIVER_VERSION = "Open Source", "iSCSI", "1.0.0"


def _stats(a: VolumeApi) -> dict[str, Any]:
    cap = a.storage.driver.capacity()
    now = ts(utcnow())
    return {"volume_backend_name": a.storage.driver.name, "vendor_name": VENDOR,
            "storage_protocol": PROTOCOL, "driver_version": DRIVER_VERSION,
            "total_capacity_gb": cap.total_gb, "free_capacity_gb": cap.free_gb,
            "reserved_percentage": 0, "QoS_support": False, "multiattach": True,
            "thin_provisioning_support": True, "updated": now, "timestamp": now}


async def pools(request: Request) -> Response:
    """GET /scheduler-stats/get_pools[?detail=true]: one pool, host@backend#pool."""
    a, _ctx, _v = begin(request, "scheduler_extension:scheduler_stats:get_pools")
    pool: dict[str, Any] = {"name": a.storage.host}
    if flag(query(request).get("detail"), "detail"):
        pool["capabilities"] = _stats(a)
    return json_response({"pools": [pool]})


async def capabilities(request: Request) -> Response:
    """GET /capabilities/{host}: host@backend, with or without its #pool."""
    a, _ctx, _v = begin(request, "volume_extension:capabilities")
    host = param(request, "host")
    backend = a.storage.host.split("#")[0]
    if host.split("#")[0] != backend:
        raise HostBinaryNotFound(binary="cinder-volume", host=host)
    stats = _stats(a)
    return json_response({
        "namespace": f"OS::Storage::Capabilities::{backend}",
        "volume_backend_name": stats["volume_backend_name"], "pool_name": None,
        "vendor_name": VENDOR, "driver_version": DRIVER_VERSION,
        "storage_protocol": PROTOCOL, "display_name": None, "description": None,
        "visibility": None, "replication_targets": [],
        "properties": {"thin_provisioning": {
            "title": "Thin Provisioning", "type": "boolean",
            "description": "Sets thin provisioning."}}})


def _hosts(a: VolumeApi) -> list[dict[str, Any]]:
    now = ts(utcnow())
    return [{"host_name": host, "service": binary, "zone": ZONE, "service-state": "enabled",
             "service-status": "available", "last-update": now}
            for binary, host in (("cinder-scheduler", a.storage.host.split("@")[0]),
                                 ("cinder-volume", a.storage.host.split("#")[0]))]


async def hosts(request: Request) -> Response:
    a, _ctx, _v = begin(request, "volume_extension:hosts")
    return json_response({"hosts": _hosts(a)})


async def host_show(request: Request) -> Response:
    """GET /os-hosts/{host}: the volumes and snapshots a cinder-volume host holds, in total
    and per project (Cinder's counts are strings)."""
    a, _ctx, _v = begin(request, "volume_extension:hosts")
    name = param(request, "host")
    if name not in [h["host_name"] for h in _hosts(a) if h["service"] == "cinder-volume"]:
        raise HostNotFound(host=name)
    usage = await a.storage.volumes.usage_by_project()
    rows = [("(total)", tuple(sum(u[i] for u in usage.values()) for i in range(4))),
            *sorted(usage.items())]
    return json_response({"host": [{"resource": {
        "host": name, "project": project, "volume_count": str(n[0]),
        "total_volume_gb": str(n[1]), "snapshot_count": str(n[2]),
        "total_snapshot_gb": str(n[3])}} for project, n in rows]})


def _services(a: VolumeApi, v: APIVersion) -> list[dict[str, Any]]:
    """The scheduler and the volume service of this cloud: both run in this process, so
    they are up whenever this answers."""
    now = ts(utcnow())
    rows: list[dict[str, Any]] = []
    for binary, host in (("cinder-scheduler", a.storage.host.split("@")[0]),
                         ("cinder-volume", a.storage.host.split("#")[0])):
        disabled = (binary, host) in a.disabled_services
        row: dict[str, Any] = {
            "binary": binary, "host": host, "zone": ZONE,
            "status": "disabled" if disabled else "enabled", "state": "up",
            "updated_at": now, "disabled_reason": a.disabled_services.get((binary, host))}
        if binary == "cinder-volume":
            row.update(replication_status="disabled", active_backend_id=None,
                       frozen=host in a.frozen_hosts)
        if v.matches("3.7"):
            row["cluster"] = None
        if v.matches("3.49") and binary == "cinder-volume":
            row["backend_state"] = "up"
        rows.append(row)
    return rows


def _same_host(name: str, wanted: str) -> bool:
    """Cinder's host filter: `host` matches host, host@backend and host@backend#pool."""
    return name == wanted or name.startswith(wanted + "@") or name.startswith(wanted + "#")


async def services(request: Request) -> Response:
    a, _ctx, v = begin(request, "volume_extension:services:index")
    q = query(request)
    rows = [r for r in _services(a, v)
            if ("binary" not in q or r["binary"] == q["binary"])
            and ("host" not in q or _same_host(r["host"], q["host"]))]
    return json_response({"services": rows})


async def service_action(request: Request) -> Response:
    """PUT /os-services/{enable,disable,disable-log-reason,freeze,thaw}."""
    a, _ctx, v = begin(request, "volume_extension:services:update")
    action = param(request, "action")
    doc = await body(request, schemas.SERVICE_ACTION)
    if action in ("freeze", "thaw"):
        host = doc.get("host")
        backends = [r["host"] for r in _services(a, v) if r["binary"] == "cinder-volume"]
        if host not in backends:
            raise InvalidInput(reason=f"Invalid host: no cinder-volume service on {host}.")
        if action == "freeze":
            a.frozen_hosts.add(host)
        else:
            a.frozen_hosts.discard(host)
        return json_response({})
    if action not in ("enable", "disable", "disable-log-reason"):
        raise ServiceActionNotFound(action=action)
    host, binary = doc.get("host"), doc.get("binary") or doc.get("service")
    if not isinstance(host, str) or not isinstance(binary, str):
        raise InvalidInput(reason="Missing required element 'host' or 'binary' in "
                                  "request body.")
    reason: str | None = None
    if action == "disable-log-reason":
        reason = doc.get("disabled_reason")
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 255:
            raise InvalidInput(reason="Disabled reason contains invalid characters or is "
                                      "too long")
    if not any(r["host"] == host for r in _services(a, v)):
        raise HostNotFound(host=host)
    if not any(r["host"] == host and r["binary"] == binary for r in _services(a, v)):
        raise HostBinaryNotFound(binary=binary, host=host)
    if action == "enable":
        a.disabled_services.pop((binary, host), None)
    else:
        a.disabled_services[(binary, host)] = reason
    out: dict[str, Any] = {"host": host, "service": binary, "binary": binary,
                           "disabled": action != "enable",
                           "status": "enabled" if action == "enable" else "disabled"}
    if action != "disable":
        out["disabled_reason"] = reason
    return json_response(out)
