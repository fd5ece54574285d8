"""Heat's JSON shapes of stacks, resources, events and outputs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nubo.orchestration.models import Stack, StackEvent, StackResource
from nubo.orchestration.template.template import Template


def ts(t: datetime | None) -> str | None:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ") if t is not None else None


def stack_url(base: str, s: Stack) -> str:
    return f"{base}/v1/{s.project_id}/stacks/{s.name}/{s.id}"


def links(base: str, s: Stack) -> list[dict[str, str]]:
    return [{"href": stack_url(base, s), "rel": "self"}]


def summary(base: str, s: Stack, admin: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": s.id, "stack_name": s.name, "description": s.template.get("description", ""),
        "creation_time": ts(s.created_at), "updated_time": ts(s.updated_at),
        "deletion_time": ts(s.deleted_at), "stack_status": f"{s.action}_{s.status}",
        "stack_status_reason": s.status_reason, "stack_owner": s.owner.get("user_name"),
        "stack_user_project_id": s.project_id,
        "parent": (s.owner.get("nested_in") or {}).get("stack_id"), "tags": s.tags or None,
        "links": links(base, s)}
    if admin:
        out["project"] = s.project_id
    return out


def parameters(t: Template | None, s: Stack) -> dict[str, Any]:
    out: dict[str, Any] = {"OS::stack_name": s.name, "OS::stack_id": s.id,
                           "OS::project_id": s.project_id}
    for k, v in (s.parameters or {}).items():
        hidden = t is not None and k in t.parameters and t.parameters[k].hidden
        out[k] = "******" if hidden else (
            ",".join(str(x) for x in v) if isinstance(v, list) else
            str(v).lower() if isinstance(v, bool) else
            v if isinstance(v, (str, dict)) else str(v) if v is not None else None)
    return out


def detail(base: str, s: Stack, t: Template | None, outputs: list[dict[str, Any]] | None,
           admin: bool = False) -> dict[str, Any]:
    out = summary(base, s, admin)
    out.update({"disable_rollback": s.disable_rollback, "timeout_mins": s.timeout_mins,
                "parameters": parameters(t, s), "capabilities": [],
                "notification_topics": [], "template_description":
                    s.template.get("description", "No description"),
                "outputs": outputs if outputs is not None else []})
    if not out["description"]:
        out["description"] = "No description"
    return out


def resource(base: str, s: Stack, r: StackResource, attrs: bool = False,
             parent_resource: str | None = None) -> dict[str, Any]:
    rurl = f"{stack_url(base, s)}/resources/{r.name}"
    out: dict[str, Any] = {
        "resource_name": r.name, "logical_resource_id": r.name,
        "physical_resource_id": r.physical_id or "", "resource_type": r.type,
        "resource_status": f"{r.action}_{r.status}",
        "resource_status_reason": r.status_reason or "",
        "creation_time": ts(r.created_at), "updated_time": ts(r.updated_at or r.created_at),
        "required_by": list(r.required_by or []),
        "links": [{"href": rurl, "rel": "self"}, {"href": stack_url(base, s),
                                                   "rel": "stack"}]}
    if parent_resource is not None:
        out["parent_resource"] = parent_resource
    if attrs:
        out["attributes"] = {k: v for k, v in (r.attributes or {}).items()}
        out["description"] = ""
    return out


def event(base: str, s: Stack, e: StackEvent, full: bool = False) -> dict[str, Any]:
    surl = stack_url(base, s)
    out: dict[str, Any] = {
        "id": e.id, "event_time": ts(e.created_at), "resource_name": e.resource_name,
        "logical_resource_id": e.resource_name,
        "physical_resource_id": e.physical_resource_id or "",
        "resource_status": f"{e.action}_{e.status}",
        "resource_status_reason": e.status_reason,
        "links": [{"href": f"{surl}/resources/{e.resource_name}/events/{e.id}",
                   "rel": "self"},
                  {"href": f"{surl}/resources/{e.resource_name}", "rel": "resource"},
                  {"href": surl, "rel": "stack"}]}
    if full:
        out["resource_type"] = e.resource_type
        out["resource_properties"] = {}
    return out
