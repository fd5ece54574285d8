"""Render servers as Nova v2.1 does."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from nubo.compute import states
from nubo.compute.models import Instance, InstanceAction, InstanceActionEvent
from nubo.compute.servers import ServerView
from nubo.core.context import RequestContext


def ts(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def ts_micro(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


class ServerViews:
    def __init__(self, base: str) -> None:
        self.base = base          # http://host/compute

    def links(self, kind: str, id_: str) -> list[dict[str, str]]:
        return [{"rel": "self", "href": f"{self.base}/v2.1/{kind}/{id_}"},
                {"rel": "bookmark", "href": f"{self.base}/{kind}/{id_}"}]

    def brief(self, v: ServerView) -> dict[str, Any]:
        i = v.instance
        return {"id": i.id, "name": i.name, "links": self.links("servers", i.id)}

    def created(self, v: ServerView, admin_pass: str) -> dict[str, Any]:
        i = v.instance
        return {"id": i.id, "links": self.links("servers", i.id),
                "OS-DCF:diskConfig": "MANUAL", "adminPass": admin_pass,
                "security_groups": [{"name": n} for n in i.security_groups]}

    def detail(self, v: ServerView, ctx: RequestContext) -> dict[str, Any]:
        i = v.instance
        host_id = hashlib.sha224((i.project_id + (i.host or "")).encode()).hexdigest() \
            if i.host else ""
        out: dict[str, Any] = {
            "id": i.id, "name": i.name, "status": states.status(i.vm_state, i.task_state),
            "tenant_id": i.project_id, "user_id": i.user_id, "metadata": v.metadata,
            "hostId": host_id,
            "image": {"id": i.image_ref, "links": [
                {"rel": "bookmark", "href": f"{self.base}/images/{i.image_ref}"}]}
            if i.image_ref else "",
            "flavor": {"id": str(i.flavor["id"]), "links": [
                {"rel": "bookmark", "href": f"{self.base}/flavors/{i.flavor['id']}"}]},
            "created": ts(i.created_at), "updated": ts(i.updated_at), "addresses": {},
            "accessIPv4": i.access_ipv4 or "", "accessIPv6": i.access_ipv6 or "",
            "links": self.links("servers", i.id), "OS-DCF:diskConfig": "MANUAL",
            "progress": i.progress if i.vm_state == states.BUILDING else (
                100 if i.vm_state == states.ACTIVE else 0),
            "OS-EXT-AZ:availability_zone": i.availability_zone or ("nova" if i.host else ""),
            "config_drive": "True" if i.config_drive else "",
            "key_name": i.key_name,
            "OS-SRV-USG:launched_at": ts_micro(i.launched_at),
            "OS-SRV-USG:terminated_at": ts_micro(i.terminated_at),
            "OS-EXT-STS:task_state": i.task_state, "OS-EXT-STS:vm_state": i.vm_state,
            "OS-EXT-STS:power_state": i.power_state,
            "os-extended-volumes:volumes_attached": [],
        }
        if i.vm_state != states.DELETED:
            out["security_groups"] = [{"name": n} for n in i.security_groups]
        if i.vm_state in (states.ERROR, states.DELETED) and i.fault:
            fault = {k: i.fault[k] for k in ("code", "message", "created")}
            if ctx.is_admin or i.fault.get("code") != 500:
                fault["details"] = i.fault.get("details", "")
            out["fault"] = fault
        if ctx.is_admin:
            out["OS-EXT-SRV-ATTR:host"] = i.host
            out["OS-EXT-SRV-ATTR:hypervisor_hostname"] = i.host
            out["OS-EXT-SRV-ATTR:instance_name"] = f"instance-{i.seq:08x}"
        return out

    def rebuilt(self, v: ServerView, ctx: RequestContext) -> dict[str, Any]:
        """The rebuild response at 2.1: the server without the extended attributes."""
        body = self.detail(v, ctx)
        for key in list(body):
            if key.startswith(("OS-EXT-", "OS-SRV-USG:", "os-extended-volumes:")) or key in (
                    "config_drive", "key_name", "security_groups"):
                del body[key]
        return body

    def action(self, a: InstanceAction) -> dict[str, Any]:
        return {"action": a.action, "instance_uuid": a.instance_id, "message": a.message,
                "project_id": a.project_id, "request_id": a.request_id,
                "start_time": ts_micro(a.start_time), "user_id": a.user_id}

    def event(self, e: InstanceActionEvent, admin: bool) -> dict[str, Any]:
        out = {"event": e.event, "start_time": ts_micro(e.start_time),
               "finish_time": ts_micro(e.finish_time), "result": e.result}
        if admin:
            out["traceback"] = e.traceback
        return out


def instance_name(i: Instance) -> str:
    return f"instance-{i.seq:08x}"
