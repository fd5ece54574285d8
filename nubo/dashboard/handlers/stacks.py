"""Stacks (orchestration): list, launch from a template (its parameters, as the service's
/validate reads them, rendered as a form), detail with live events, outputs, resources,
delete."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.responses import Response

from nubo.dashboard.app import Page
from nubo.dashboard.gateway import ApiError

#: a stack's status that is still moving: its page polls
MOVING = "_IN_PROGRESS"


def _o(p: Page, path: str = "") -> str:
    return f"/orchestration/v1/{p.project_id}{path}"


def _s(p: Page, path: str = "") -> str:
    return _o(p, f"/stacks/{p.params['name']}/{p.params['id']}{path}")


async def index(p: Page) -> Response:
    body = await p.api.get(_o(p, "/stacks"), p.token)
    stacks = sorted(body["stacks"], key=lambda s: s.get("creation_time") or "", reverse=True)
    return p.render("stacks.html", stacks=stacks, can_create=p.can("stacks:create"),
                    moving=any(str(s.get("stack_status", "")).endswith(MOVING)
                               for s in stacks))


async def rows(p: Page) -> Response:
    body = await p.api.get(_o(p, "/stacks"), p.token)
    stacks = sorted(body["stacks"], key=lambda s: s.get("creation_time") or "", reverse=True)
    return p.render("_stack_rows.html", stacks=stacks, moving=any(
        str(s.get("stack_status", "")).endswith(MOVING) for s in stacks))


async def new(p: Page) -> Response:
    """Step 1: the template, as text (an uploaded file is read into it by app.js)."""
    return p.render("stack_new.html", text=None, params=None, name="")


def fields(params: dict[str, Any]) -> list[dict[str, Any]]:
    """The /validate answer's parameters as form fields: the input's kind, its default."""
    out = []
    for name, spec in params.items():
        kind = spec.get("Type", "String")
        default = spec.get("Value", spec.get("Default"))
        if kind == "Json" and default is not None and not isinstance(default, str):
            default = json.dumps(default)
        elif isinstance(default, list):
            default = ",".join(str(x) for x in default)
        elif isinstance(default, bool):
            default = "true" if default else "false"
        elif default is not None and not isinstance(default, str):
            default = str(default)
        widget = ("select" if spec.get("AllowedValues") else
                  "password" if str(spec.get("NoEcho")).lower() == "true" else
                  "checkbox" if kind == "Boolean" else
                  "number" if kind == "Number" else
                  "textarea" if kind == "Json" else "text")
        out.append({"name": name, "type": kind, "widget": widget, "default": default,
                    "label": spec.get("Label") or name, "description":
                    spec.get("Description") or "", "allowed": [
                        str(v) for v in spec.get("AllowedValues") or []],
                    "required": "Default" not in spec})
    return out


async def parameters(p: Page) -> Response:
    """Step 2: the template checked by the service, its parameters as a form."""
    template, name = p.form.get("template", [""])[0], p.field("name")
    if not template.strip():
        return p.failed("/stacks/new", "Give a template: paste it or choose a file.",
                        "template")
    r = await p.api.call("POST", _o(p, "/validate"), p.token, {"template": template})
    if not r.ok:
        return _again(p, r.error(), r.status, template, name)
    return p.render("stack_new.html", text=template, name=name,
                    template_file=p.field("template_file"),
                    description=r.body.get("Description", ""),
                    params=fields(r.body.get("Parameters") or {}))


def _again(p: Page, message: str, status: int, template: str, name: str) -> Response:
    """The service refused the template: the form again, the text kept, its words."""
    p.session.say("error", message)
    p.session.errors_at["template"] = message
    return p.render("stack_new.html", status, text=template, name=name, params=None)


async def create(p: Page) -> Response:
    template, name = p.form.get("template", [""])[0], p.field("name")
    params: dict[str, str] = {}
    for key, values in p.form.items():
        # a checkbox's last value wins over its hidden "false"; a field left empty is left
        # out (the template's default applies, or the service says the value is missing)
        if key.startswith("param-") and values and values[-1].strip():
            params[key[len("param-"):]] = values[-1]
    if not name:
        return p.failed("/stacks/new", "The stack needs a name.", "template")
    try:
        r = await p.api.send("POST", _o(p, "/stacks"), p.token,
                             {"stack_name": name, "template": template,
                              "parameters": params})
    except ApiError as err:
        return _again(p, err.message, err.status, template, name)
    sid = r.body["stack"]["id"]
    return p.back(f"/stacks/{name}/{sid}", f"Launching stack {name}.")


async def _detail(p: Page) -> dict[str, Any]:
    stack, res, ev = await asyncio.gather(p.api.get(_s(p), p.token),
                                          p.api.get(_s(p, "/resources"), p.token),
                                          p.api.get(_s(p, "/events"), p.token))
    s = stack["stack"]
    events = sorted(ev["events"], key=lambda e: (e.get("event_time") or "", str(e["id"])),
                    reverse=True)
    return {"stack": s, "resources": res["resources"], "events": events,
            "moving": str(s.get("stack_status", "")).endswith(MOVING),
            "can_delete": p.can("stacks:delete")}


async def show(p: Page) -> Response:
    return p.render("stack.html", **await _detail(p))


async def live(p: Page) -> Response:
    """htmx: status, events, resources and outputs, polled while the stack moves."""
    return p.render("_stack_live.html", **await _detail(p))


async def delete(p: Page) -> Response:
    try:
        await p.api.send("DELETE", _s(p), p.token)
    except ApiError as err:
        return p.failed(f"/stacks/{p.params['name']}/{p.params['id']}", err, "stack")
    return p.back("/stacks", f"Deleting stack {p.params['name']}.")
