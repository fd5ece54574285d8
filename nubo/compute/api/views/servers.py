"""Render servers as Nova does, per microversion (2.1 up to versions.MAX): each version's
additions are in `_versioned`, and docs/api-versions.md lists them."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from nubo.compute import states
from nubo.compute.api.versions import MIN
from nubo.compute.models import Instance, InstanceAction, InstanceActionEvent
from nubo.compute.service.server_view import ServerView
from nubo.core.context import RequestContext
from nubo.core.microversion import APIVersion

#: the microversions the views compare with, built once (not per server and request)
V2_3 = APIVersion(2, 3)
V2_9 = APIVersion(2, 9)
V2_16 = APIVersion(2, 16)
V2_19 = APIVersion(2, 19)
V2_26 = APIVersion(2, 26)
V2_47 = APIVersion(2, 47)
V2_54 = APIVersion(2, 54)
V2_57 = APIVersion(2, 57)
V2_58 = APIVersion(2, 58)
V2_62 = APIVersion(2, 62)
V2_63 = APIVersion(2, 63)
V2_71 = APIVersion(2, 71)
V2_73 = APIVersion(2, 73)
V2_75 = APIVersion(2, 75)
V2_84 = APIVersion(2, 84)
V2_90 = APIVersion(2, 90)
V2_96 = APIVersion(2, 96)

#: the extended attributes 2.3 adds (admin only, as all OS-EXT-SRV-ATTR keys)
_EXT_23 = ("reservation_id", "launch_index", "hostname", "kernel_id", "ramdisk_id",
           "root_device_name", "user_data")


#: the statuses Nova's view builder shows `progress` in (_progress_statuses)
_PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING")


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

    def detail(self, v: ServerView, ctx: RequestContext, ver: APIVersion = MIN,
               show: bool = False) -> dict[str, Any]:
        """GET /servers/{id} (`show`) or one item of /servers/detail, at `ver`."""
        out = self._detail_21(v, ctx)
        self._versioned(out, v, ctx, ver, show)
        return out

    def _detail_21(self, v: ServerView, ctx: RequestContext) -> dict[str, Any]:
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
            "created": ts(i.created_at), "updated": ts(i.updated_at),
            "addresses": v.addresses or {},
            "accessIPv4": i.access_ipv4 or "", "accessIPv6": i.access_ipv6 or "",
            "links": self.links("servers", i.id), "OS-DCF:diskConfig": "MANUAL",
            "OS-EXT-AZ:availability_zone": i.availability_zone or ("nova" if i.host else ""),
            "config_drive": "True" if i.config_drive else "",
            "key_name": i.key_name,
            "OS-SRV-USG:launched_at": ts_micro(i.launched_at),
            "OS-SRV-USG:terminated_at": ts_micro(i.terminated_at),
            "OS-EXT-STS:task_state": i.task_state, "OS-EXT-STS:vm_state": i.vm_state,
            "OS-EXT-STS:power_state": i.power_state,
            "os-extended-volumes:volumes_attached": [{"id": vid} for vid, _ in v.volumes or ()],
        }
        if out["status"] in _PROGRESS_STATUSES:       # Nova shows progress only in these
            out["progress"] = i.progress if i.vm_state == states.BUILDING else (
                100 if i.vm_state == states.ACTIVE else 0)
        groups = v.security_groups if v.security_groups is not None else i.security_groups
        if i.vm_state != states.DELETED and groups:     # none: Nova leaves the key out
            out["security_groups"] = [{"name": n} for n in groups]
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

    def _versioned(self, out: dict[str, Any], v: ServerView, ctx: RequestContext,
                   ver: APIVersion, show: bool) -> None:
        """What each microversion adds to the server view (Nova's view builder)."""
        i, spec = v.instance, v.instance.request_spec or {}
        hostname = hostname_of(i) if ver >= V2_3 and ctx.is_admin or ver >= V2_90 else ""
        if ver >= V2_3 and ctx.is_admin:
            ext = {"reservation_id": i.reservation_id, "launch_index": i.launch_index,
                   "hostname": hostname, "kernel_id": "", "ramdisk_id": "",
                   "root_device_name": "/dev/vda", "user_data": i.user_data}
            out.update({f"OS-EXT-SRV-ATTR:{k}": ext[k] for k in _EXT_23})
        if ver >= V2_3:      # each volume's delete_on_termination from 2.3
            out["os-extended-volumes:volumes_attached"] = [
                {"id": vid, "delete_on_termination": dot} for vid, dot in v.volumes or ()]
        if ver >= V2_90:     # the hostname is everybody's from 2.90
            out["OS-EXT-SRV-ATTR:hostname"] = hostname
        if ver >= V2_9:
            out["locked"] = bool(i.locked)
        if ver >= V2_16 and v.host_status is not None:
            out["host_status"] = v.host_status
        if ver >= V2_19:
            out["description"] = i.description
        if ver >= V2_26:
            out["tags"] = list(v.tags if v.tags is not None else spec.get("tags") or [])
        if ver >= V2_47:
            out["flavor"] = embedded_flavor(i.flavor, ctx)
        if ver >= V2_63:
            out["trusted_image_certificates"] = spec.get("trusted_image_certificates")
        if ver >= V2_71 and show:
            out["server_groups"] = [spec["group"]] if spec.get("group") else []
        if ver >= V2_73:
            out["locked_reason"] = i.locked_reason if i.locked else None
        if ver >= V2_96:
            out["pinned_availability_zone"] = spec.get("availability_zone")

    def updated(self, v: ServerView, ctx: RequestContext, ver: APIVersion = MIN
                ) -> dict[str, Any]:
        """The PUT /servers/{id} response: before 2.75 without the extended attributes,
        from 2.75 the same as GET (Nova's consistent views)."""
        if ver >= V2_75:
            return self.detail(v, ctx, ver, show=True)
        body = self.detail(v, ctx, ver, show=True)
        # Nova's update and rebuild views pass extend_address=False before 2.75
        body["addresses"] = {net: [{k: a[k] for k in ("addr", "version") if k in a}
                                   for a in addrs]
                             for net, addrs in body["addresses"].items()}
        for key in list(body):
            if key.startswith(("OS-EXT-", "OS-SRV-USG:", "os-extended-volumes:")) or key in (
                    "config_drive", "key_name", "security_groups", "host_status",
                    "pinned_availability_zone"):
                del body[key]
        return body

    def rebuilt(self, v: ServerView, ctx: RequestContext, ver: APIVersion = MIN
                ) -> dict[str, Any]:
        """The rebuild response: the update shape, plus key_name (2.54) and user_data
        (2.57); from 2.75 the whole server, whose user_data is the plain key."""
        body = self.updated(v, ctx, ver)
        body.pop("OS-EXT-SRV-ATTR:user_data", None)
        if ver >= V2_54:
            body["key_name"] = v.instance.key_name
        if ver >= V2_57:
            body["user_data"] = v.instance.user_data
        return body

    def action(self, a: InstanceAction, ver: APIVersion = MIN) -> dict[str, Any]:
        out = {"action": a.action, "instance_uuid": a.instance_id, "message": a.message,
               "project_id": a.project_id, "request_id": a.request_id,
               "start_time": ts_micro(a.start_time), "user_id": a.user_id}
        if ver >= V2_58:
            out["updated_at"] = ts_micro(a.updated_at)
        return out

    def event(self, e: InstanceActionEvent, admin: bool, ver: APIVersion = MIN,
              project_id: str = "") -> dict[str, Any]:
        out = {"event": e.event, "start_time": ts_micro(e.start_time),
               "finish_time": ts_micro(e.finish_time), "result": e.result}
        if admin:
            out["traceback"] = e.traceback
        if ver >= V2_62:
            # hostId for everybody, the host name itself for admins only
            out["hostId"] = hashlib.sha224((project_id + (e.host or "")).encode()
                                           ).hexdigest() if e.host else ""
            if admin:
                out["host"] = e.host or ""
        if ver >= V2_84 and admin:
            out["details"] = None
        return out


def instance_name(i: Instance) -> str:
    return f"instance-{i.seq:08x}"


def hostname_of(i: Instance) -> str:
    """The hostname the guest gets: set at create (2.90) or made from the display name as
    Nova's `sanitize_hostname` does."""
    spec = i.request_spec or {}
    return str(spec.get("hostname") or sanitize_hostname(i.name))


_SPACES = re.compile(r"[ _]")
_NOT_HOSTNAME = re.compile(r"[^\w.-]+", flags=re.ASCII)


def sanitize_hostname(name: str) -> str:
    """Nova's rule: latin-1 only, spaces and underscores become dashes, other characters
    outside [a-z0-9.-] dropped, at most 63 characters, no leading/trailing dots or dashes."""
    host = name.encode("latin-1", "ignore").decode("latin-1").lower()
    host = _SPACES.sub("-", host)
    host = _NOT_HOSTNAME.sub("", host)
    host = host[:63].strip(".-")
    return host or "server"


def embedded_flavor(flavor: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    """The flavor a server was built with, as 2.47 embeds it (extra specs shown to admins,
    the policy default of os_compute_api:os-flavor-extra-specs:index for servers)."""
    out: dict[str, Any] = {"vcpus": flavor["vcpus"], "ram": flavor["ram"],
                           "disk": flavor["disk"], "ephemeral": flavor.get("ephemeral", 0),
                           "swap": flavor.get("swap", 0),
                           "original_name": flavor.get("name", "")}
    if ctx.is_admin:
        out["extra_specs"] = dict(flavor.get("extra_specs") or {})
    return out
