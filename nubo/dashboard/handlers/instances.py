"""Instances: the list (its rows poll while something changes), the one-page create form,
the detail page (console log, action timeline, the actions the server allows now), the
browser console, volumes attached from here."""

from __future__ import annotations

import asyncio
import base64
import re
from typing import Any

from starlette.responses import RedirectResponse, Response

from nubo.dashboard import reads
from nubo.dashboard.app import Page
from nubo.dashboard.gateway import ApiError

C = "/compute/v2.1"
#: servers on a page of the list (newest first; "Next page" for the rest)
PAGE = 100
N = "/networking/v2.0"
#: statuses a server leaves by itself: their rows keep polling
MOVING = {"BUILD", "REBOOT", "HARD_REBOOT", "RESIZE", "MIGRATING", "REBUILD", "DELETED"}
#: action -> (the API body, its policy, the statuses it is offered in)
ACTIONS: dict[str, tuple[dict[str, Any] | None, str, set[str]]] = {
    "start": ({"os-start": None}, "os_compute_api:servers:start", {"SHUTOFF"}),
    "stop": ({"os-stop": None}, "os_compute_api:servers:stop", {"ACTIVE", "ERROR"}),
    "reboot": ({"reboot": {"type": "SOFT"}}, "os_compute_api:servers:reboot", {"ACTIVE"}),
    "hard-reboot": ({"reboot": {"type": "HARD"}}, "os_compute_api:servers:reboot",
                    {"ACTIVE", "SHUTOFF", "ERROR"}),
    "delete": (None, "os_compute_api:servers:delete",
               {"ACTIVE", "SHUTOFF", "ERROR", "BUILD", "PAUSED", "SUSPENDED"}),
}


def moving(server: dict[str, Any]) -> bool:
    return server.get("status") in MOVING or bool(server.get("OS-EXT-STS:task_state"))


def addresses(server: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(network, address, "fixed"/"floating") of every address."""
    return [(net, a["addr"], a.get("OS-EXT-IPS:type", "fixed"))
            for net, addrs in (server.get("addresses") or {}).items() for a in addrs]


def allowed_actions(p: Page, server: dict[str, Any]) -> list[str]:
    if server.get("OS-EXT-STS:task_state") and server.get("status") != "BUILD":
        return ["delete"] if p.can(ACTIONS["delete"][1]) else []
    return [name for name, (_b, rule, states) in ACTIONS.items()
            if server.get("status") in states and p.can(rule)]


async def servers_of(p: Page, limit: int | None = None, marker: str | None = None
                     ) -> tuple[list[dict[str, Any]], bool]:
    """A page of servers from the compute service in-process (reads.py), under the API's
    own rule; whether more follow."""
    assert p.ctx is not None
    if not p.can("os_compute_api:servers:detail"):
        raise ApiError.refused()
    return await reads.servers(p.dash.servers, p.ctx, limit or PAGE, marker)


def _marker(p: Page) -> str | None:
    m = p.request.query_params.get("marker", "")
    return m if re.fullmatch(r"[0-9a-fA-F-]{36}", m) else None


async def index(p: Page) -> Response:
    marker = _marker(p)
    servers, more = await servers_of(p, marker=marker)
    return p.render("instances.html", servers=servers, marker=marker,
                    next_marker=servers[-1]["id"] if more and servers else None,
                    moving=moving, can_create=p.can("os_compute_api:servers:create"))


async def rows(p: Page) -> Response:
    marker = _marker(p)
    servers, _more = await servers_of(p, marker=marker)
    return p.render("_instance_rows.html", servers=servers, marker=marker, moving=moving)


async def _choices(p: Page) -> dict[str, Any]:
    """What the create form offers: one call per resource type, concurrently."""
    images, flavors, nets, keys, groups, limits = await asyncio.gather(
        p.api.get("/image/v2/images", p.token, limit=200),
        p.api.get(f"{C}/flavors/detail", p.token),
        p.api.get(f"{N}/networks", p.token),
        p.api.get(f"{C}/os-keypairs", p.token),
        p.api.get(f"{N}/security-groups", p.token, project_id=p.project_id),
        p.api.get(f"{C}/limits", p.token))
    absolute = limits["limits"]["absolute"]
    free_cores = absolute["maxTotalCores"] - absolute["totalCoresUsed"]
    free_ram = absolute["maxTotalRAMSize"] - absolute["totalRAMUsed"]
    flavor_list = sorted(flavors["flavors"], key=lambda f: (f["vcpus"], f["ram"]))
    for f in flavor_list:
        f["fits"] = (absolute["maxTotalCores"] < 0 or f["vcpus"] <= free_cores) and (
            absolute["maxTotalRAMSize"] < 0 or f["ram"] <= free_ram)
    return {"images": [i for i in images["images"] if i.get("status") == "active"],
            "flavors": flavor_list,
            "networks": [n for n in nets["networks"] if not n.get("router:external")],
            "keypairs": [k["keypair"] for k in keys["keypairs"]],
            "groups": groups["security_groups"]}


async def new(p: Page) -> Response:
    return p.render("instance_new.html", values={"count": "1", "groups": ["default"]},
                    error=None, **await _choices(p))


async def create(p: Page) -> Response:
    values = {k: p.field(k) for k in ("name", "image", "flavor", "key", "user_data",
                                      "count", "new_key_name", "new_key")}
    nets, groups = p.fields("network"), p.fields("group")
    server: dict[str, Any] = {"name": values["name"], "imageRef": values["image"],
                              "flavorRef": values["flavor"],
                              "networks": [{"uuid": n} for n in nets] or "auto"}
    if values["key"]:
        server["key_name"] = values["key"]
    if groups:
        server["security_groups"] = [{"name": g} for g in groups]
    if values["user_data"]:
        server["user_data"] = base64.b64encode(values["user_data"].encode()).decode()
    error: str | None = None
    if not values["name"]:
        error = "Give the instance a name."
    elif not values["count"].isdigit() or not 1 <= int(values["count"]) <= 100:
        error = "The count is a number from 1 to 100."
    if error is None and values["new_key"]:
        # the key pair imported inline, then used by this launch
        imported = await p.api.call("POST", f"{C}/os-keypairs", p.token, {"keypair": {
            "name": values["new_key_name"], "public_key": values["new_key"]}})
        if imported.ok:
            server["key_name"] = values["key"] = values["new_key_name"]
            values["new_key"] = values["new_key_name"] = ""
        else:
            error = f"The public key was not imported: {imported.error()}"
    if error is None:
        server["min_count"] = server["max_count"] = int(values["count"])
        r = await p.api.call("POST", f"{C}/servers", p.token, {"server": server})
        if r.ok:
            return p.back("/instances", f"Launching {values['name']}.")
        error = r.error()
    return p.render("instance_new.html", 400, values={**values, "networks": nets,
                                                      "groups": groups},
                    error=error, **await _choices(p))


async def _server(p: Page) -> dict[str, Any]:
    body = await p.api.get(f"{C}/servers/{p.params['id']}", p.token)
    return dict(body["server"])


async def show(p: Page) -> Response:
    server = await _server(p)
    sid = server["id"]
    actions, attached, volumes = await asyncio.gather(
        p.api.get(f"{C}/servers/{sid}/os-instance-actions", p.token),
        p.api.get(f"{C}/servers/{sid}/os-volume_attachments", p.token),
        _volumes(p))
    attached_ids = {a["volumeId"] for a in attached["volumeAttachments"]}
    return p.render("instance.html", server=server,
                    volume_names={v["id"]: v["name"] or v["id"] for v in volumes},
                    timeline=actions["instanceActions"], addresses=addresses,
                    attachments=attached["volumeAttachments"],
                    attachable=[v for v in volumes if v["status"] == "available"
                                and v["id"] not in attached_ids],
                    actions=allowed_actions(p, server), moving=moving,
                    can_console=p.can("os_compute_api:os-remote-consoles"),
                    can_log=p.can("os_compute_api:os-console-output"),
                    can_attach=p.can("os_compute_api:os-volumes-attachments:create"))


async def _volumes(p: Page) -> list[dict[str, Any]]:
    r = await p.api.call("GET", f"/volume/v3/{p.project_id}/volumes/detail", p.token)
    return list(r.body["volumes"]) if r.ok else []


async def summary(p: Page) -> Response:
    server = await _server(p)
    return p.render("_instance_summary.html", server=server, addresses=addresses,
                    actions=allowed_actions(p, server), moving=moving,
                    can_console=p.can("os_compute_api:os-remote-consoles"))


async def console_log(p: Page) -> Response:
    r = await p.api.call("POST", f"{C}/servers/{p.params['id']}/action", p.token,
                         {"os-getConsoleOutput": {"length": 200}})
    text = r.body.get("output", "") if r.ok and isinstance(r.body, dict) else None
    return p.render("_console_log.html", output=text, error=None if r.ok else r.error())


async def action(p: Page) -> Response:
    sid, name = p.params["id"], p.params["action"]
    if name not in ACTIONS:
        return p.failed(f"/instances/{sid}", f"There is no action {name}.", "actions")
    body = ACTIONS[name][0]
    try:
        if name == "delete":
            await p.api.send("DELETE", f"{C}/servers/{sid}", p.token)
            return p.back("/instances", "Deleting the instance.")
        await p.api.send("POST", f"{C}/servers/{sid}/action", p.token, body)
    except ApiError as err:
        return p.failed(f"/instances/{sid}", err, "actions")
    return p.back(f"/instances/{sid}", f"{name.replace('-', ' ').capitalize()} requested.")


async def console(p: Page) -> Response:
    """The browser console: a one-time noVNC URL (POST, so the link cannot be replayed
    from a page's source)."""
    sid = p.params["id"]
    try:
        r = await p.api.send("POST", f"{C}/servers/{sid}/remote-consoles", p.token,
                             {"remote_console": {"protocol": "vnc", "type": "novnc"}})
    except ApiError as err:
        return p.failed(f"/instances/{sid}", err, "actions")
    return RedirectResponse(r.body["remote_console"]["url"], 303)


async def attach(p: Page) -> Response:
    sid, vid = p.params["id"], p.field("volume")
    try:
        await p.api.send("POST", f"{C}/servers/{sid}/os-volume_attachments", p.token,
                         {"volumeAttachment": {"volumeId": vid}})
    except ApiError as err:
        return p.failed(f"/instances/{sid}", err, "attach")
    return p.back(f"/instances/{sid}", "Attaching the volume.")


async def detach(p: Page) -> Response:
    sid, vid = p.params["id"], p.params["volume"]
    try:
        await p.api.send("DELETE", f"{C}/servers/{sid}/os-volume_attachments/{vid}", p.token)
    except ApiError as err:
        return p.failed(f"/instances/{sid}", err, "attach")
    return p.back(f"/instances/{sid}", "Detaching the volume.")
