"""Volumes (list, create, delete, attach/detach), key pairs (create, import), images."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from nubo.dashboard.app import Page
from nubo.dashboard.gateway import ApiError

C = "/compute/v2.1"


def _v(p: Page, path: str) -> str:
    return f"/volume/v3/{p.project_id}{path}"


async def volumes(p: Page) -> Response:
    vols, servers = await asyncio.gather(p.api.get(_v(p, "/volumes/detail"), p.token),
                                         p.api.get(f"{C}/servers", p.token))
    names = {s["id"]: s["name"] for s in servers["servers"]}
    return p.render("volumes.html", volumes=vols["volumes"], servers=servers["servers"],
                    names=names, can_create=p.can("volume:create"),
                    can_delete=p.can("volume:delete"),
                    can_attach=p.can("os_compute_api:os-volumes-attachments:create"),
                    can_detach=p.can("os_compute_api:os-volumes-attachments:delete"))


async def create_volume(p: Page) -> Response:
    name, size = p.field("name"), p.field("size")
    if not size.isdigit() or int(size) < 1:
        return p.failed("/volumes", "The size is a whole number of GiB, 1 or more.", "volume")
    try:
        await p.api.send("POST", _v(p, "/volumes"), p.token,
                         {"volume": {"name": name or None, "size": int(size)}})
    except ApiError as err:
        return p.failed("/volumes", err, "volume")
    return p.back("/volumes", f"Creating volume {name or ''}.")


async def delete_volume(p: Page) -> Response:
    try:
        await p.api.send("DELETE", _v(p, f"/volumes/{p.params['id']}"), p.token)
    except ApiError as err:
        return p.failed("/volumes", err, f"vol-{p.params['id']}")
    return p.back("/volumes", "Deleting the volume.")


async def attach_volume(p: Page) -> Response:
    vid, sid = p.params["id"], p.field("server")
    try:
        await p.api.send("POST", f"{C}/servers/{sid}/os-volume_attachments", p.token,
                         {"volumeAttachment": {"volumeId": vid}})
    except ApiError as err:
        return p.failed("/volumes", err, f"vol-{p.params['id']}")
    return p.back("/volumes", "Attaching the volume.")


async def detach_volume(p: Page) -> Response:
    vid, sid = p.params["id"], p.field("server")
    try:
        await p.api.send("DELETE", f"{C}/servers/{sid}/os-volume_attachments/{vid}",
                         p.token)
    except ApiError as err:
        return p.failed("/volumes", err, f"vol-{p.params['id']}")
    return p.back("/volumes", "Detaching the volume.")


async def keypairs(p: Page, created: dict[str, Any] | None = None) -> Response:
    keys = await p.api.get(f"{C}/os-keypairs", p.token)
    return p.render("keypairs.html", keypairs=[k["keypair"] for k in keys["keypairs"]],
                    created=created, can_create=p.can("os_compute_api:os-keypairs:create"),
                    can_delete=p.can("os_compute_api:os-keypairs:delete"))


async def create_keypair(p: Page) -> Response:
    name, public = p.field("name"), p.field("public_key")
    body: dict[str, Any] = {"name": name}
    if public:
        body["public_key"] = public
    else:
        body["type"] = "ssh"
    r = await p.api.call("POST", f"{C}/os-keypairs", p.token, {"keypair": body})
    if not r.ok:
        return p.failed("/key-pairs", r.error(), "keypair")
    key = r.body["keypair"]
    if key.get("private_key"):
        # shown once, on this response only: never kept by the dashboard
        p.session.say("ok", f"Key pair {name} created: save its private key now.")
        return await keypairs(p, created=key)
    return p.back("/key-pairs", f"Key pair {name} imported.")


async def delete_keypair(p: Page) -> Response:
    try:
        await p.api.send("DELETE", f"{C}/os-keypairs/{p.params['name']}", p.token)
    except ApiError as err:
        return p.failed("/key-pairs", err, f"kp-{p.params['name']}")
    return p.back("/key-pairs", "Key pair deleted.")


async def images(p: Page) -> Response:
    body = await p.api.get("/image/v2/images", p.token, limit=500)
    return p.render("images.html", images=body["images"])
