"""Nova's /images proxy onto the image service, in-process (the ImageApi the servers use).

Facts from nova/api/openstack/compute/images.py, image_metadata.py and nova/image/glance.py:
Nova's filters become Glance's (`server` -> the instance_uuid property, with a server link
reduced to its last segment; `type` -> image_type; `changes-since` -> updated_at gte;
`status` lowercased; `property-<x>` -> property x); without `limit` every visible image is
listed (glanceclient pages through them all). A metadata change is a whole-properties
update; more properties than the metadata_items quota is Nova's 403 "Image metadata limit
exceeded". Glance's 404 is "Image not found.", its 403 on change "Not authorized for image
<id>.".
"""

from __future__ import annotations

from typing import Any

from nubo.compute import errors
from nubo.compute.api.validation import query_int
from nubo.compute.service.quotas import QuotaService
from nubo.core.context import RequestContext
from nubo.core.errors import Forbidden, NotFound, PayloadTooLarge
from nubo.image import models as m
from nubo.image.api import ImageApi
from nubo.image.listing import ListQuery
from nubo.image.service import CORE, ImageView

#: no `limit`: every image (glanceclient follows Glance's pages to the end)
ALL = 100000
#: min_ram/min_disk are 32-bit columns in Glance
MAX_INT = 2**31 - 1


class ProxyQuery(ListQuery):
    """Glance's list query plus Nova's minRam/minDisk: images needing at least that much."""

    def __init__(self, params: dict[str, str], minimums: dict[str, int]) -> None:
        super().__init__(params, max_limit=ALL)
        self.minimums = minimums

    def statement(self, stmt: Any, ctx: RequestContext) -> Any:
        stmt = super().statement(stmt, ctx)
        for column, least in self.minimums.items():
            stmt = stmt.where(getattr(m.Image, column) >= least)
        return stmt


def _minimum(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise errors.InvalidInput(reason=f"{name} must be an integer.") from None
    if number < 0:
        raise errors.InvalidInput(reason=f"{name} must be >= 0.")
    if number > MAX_INT:
        raise errors.InvalidInput(reason=f"{name} must be <= {MAX_INT}.")
    return number


def list_query(query: Any) -> ProxyQuery:
    """Nova's filters and pagination (images._get_filters, get_pagination_params) as a
    query on the image service."""
    for name in ("limit", "page_size", "offset"):
        query_int(query, name, 1 if name != "offset" else 0)
    params: dict[str, str] = {}
    minimums: dict[str, int] = {}
    for key, value in query.items():
        if key == "name":
            params["name"] = value
        elif key == "status":
            params["status"] = value.lower()
        elif key == "changes-since":
            params["updated_at"] = f"gte:{value}"
        elif key == "server":
            params["instance_uuid"] = value.rsplit("/", 1)[-1]
        elif key == "type":
            params["image_type"] = value
        elif key in ("minRam", "minDisk"):
            minimums["min_ram" if key == "minRam" else "min_disk"] = _minimum(value, key)
        elif key.startswith("property-") and len(key) > len("property-"):
            params[key[len("property-"):]] = value
    params["limit"] = query.get("limit") or str(ALL)
    if "marker" in query:
        params["marker"] = query["marker"]
    return ProxyQuery(params, minimums)


class ImagesProxy:
    """What the handlers ask of the image service; Nova's errors, never Glance's."""

    def __init__(self, images: ImageApi, quotas: QuotaService) -> None:
        self.images = images
        self.quotas = quotas

    async def list(self, ctx: RequestContext, query: Any) -> list[ImageView]:
        q = list_query(query)
        found: list[ImageView] = await self.images.images.list_images(ctx, q)
        return found

    async def get(self, ctx: RequestContext, image_id: str) -> ImageView:
        try:
            view: ImageView = await self.images.images.get(ctx, image_id)
        except NotFound:
            raise errors.ImageNotFoundInGlance() from None
        return view

    async def delete(self, ctx: RequestContext, image_id: str) -> None:
        try:
            await self.images.images.delete(ctx, image_id)
        except NotFound:
            raise errors.ImageNotFoundInGlance() from None
        except Forbidden:
            raise errors.ImageDeleteForbidden() from None

    # ------------------------------------------------------------------ metadata

    async def check_quota(self, ctx: RequestContext, metadata: dict[str, str]) -> None:
        """common.check_img_metadata_properties_quota: metadata_items of the project."""
        if not metadata:
            return
        limit = (await self.quotas.limits(ctx.project_id or "")).get("metadata_items", -1)
        if 0 <= limit < len(metadata):
            raise errors.ImageMetadataLimitExceeded()

    async def replace(self, ctx: RequestContext, view: ImageView,
                      new: dict[str, str]) -> dict[str, str]:
        """Make the image's properties `new` (Nova's update with purge_props=True)."""
        image_id = str(view.image.id)
        for key in new:
            if key in CORE or key.startswith("os_glance"):
                # Glance refuses base and reserved attributes as properties with a 403
                raise errors.ImageNotAuthorized(image_id=image_id)
        ops: list[tuple[str, str, Any]] = [("remove", k, None) for k in view.properties
                                           if k not in new]
        ops += [("add", k, v) for k, v in new.items() if view.properties.get(k) != v]
        if not ops:
            return dict(view.properties)
        try:
            done: ImageView = await self.images.images.update(ctx, image_id, ops)
        except Forbidden:
            raise errors.ImageNotAuthorized(image_id=image_id) from None
        except NotFound:
            raise errors.ImageNotFoundInGlance() from None
        except PayloadTooLarge:
            raise errors.ImageMetadataLimitExceeded() from None
        return dict(done.properties)
