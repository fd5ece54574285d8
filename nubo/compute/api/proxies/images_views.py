"""Render images as Nova's /images proxy does (nova/api/openstack/compute/views/images.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from nubo.compute.api.views.servers import ts
from nubo.image.service import ImageView

#: Glance status -> Nova's image status; anything else is UNKNOWN
STATUS = {"active": "ACTIVE", "queued": "SAVING", "saving": "SAVING", "deleted": "DELETED",
          "pending_delete": "DELETED", "killed": "ERROR"}
PROGRESS = {"queued": 25, "saving": 50, "active": 100}
_TRUE = ("1", "t", "true", "on", "y", "yes")


class ImageProxyViews:
    def __init__(self, compute_base: str, image_base: str) -> None:
        self.base = compute_base         # http://host/compute
        self.image_base = image_base     # http://host/image

    def _links(self, kind: str, id_: str) -> list[dict[str, str]]:
        return [{"rel": "self", "href": f"{self.base}/v2.1/{kind}/{id_}"},
                {"rel": "bookmark", "href": f"{self.base}/{kind}/{id_}"}]

    def links(self, image_id: str) -> list[dict[str, str]]:
        return [*self._links("images", image_id),
                {"rel": "alternate", "type": "application/vnd.openstack.image",
                 "href": f"{self.image_base}/images/{image_id}"}]

    def basic(self, v: ImageView) -> dict[str, Any]:
        return {"id": v.image.id, "name": v.image.name, "links": self.links(v.image.id)}

    def show(self, v: ImageView) -> dict[str, Any]:
        img, meta = v.image, dict(v.properties)
        body: dict[str, Any] = {
            "id": img.id, "name": img.name, "minRam": int(img.min_ram or 0),
            "minDisk": int(img.min_disk or 0), "metadata": meta,
            "created": ts(img.created_at), "updated": ts(img.updated_at),
            "status": STATUS.get(img.status, "UNKNOWN"), "progress": PROGRESS.get(img.status, 0),
            "OS-EXT-IMG-SIZE:size": img.size or 0, "links": self.links(img.id)}
        server = meta.get("instance_uuid")
        if server is not None:
            body["server"] = {"id": server, "links": self._links("servers", server)}
        if meta.get("auto_disk_config") is not None:
            auto = str(meta["auto_disk_config"]).strip().lower() in _TRUE
            body["OS-DCF:diskConfig"] = "AUTO" if auto else "MANUAL"
        return body

    def listing(self, found: list[ImageView], detail: bool,
                query: list[tuple[str, str]]) -> dict[str, Any]:
        """A page; a `next` link when it is as long as the `limit` asked for."""
        render = self.show if detail else self.basic
        body: dict[str, Any] = {"images": [render(v) for v in found]}
        limit = dict(query).get("limit")
        if limit and found and int(limit) == len(found):
            params = [(k, v) for k, v in query if k != "marker"]
            params.append(("marker", found[-1].image.id))
            path = "images/detail" if detail else "images"
            body["images_links"] = [{"rel": "next",
                                     "href": f"{self.base}/v2.1/{path}?{urlencode(params)}"}]
        return body
