"""What block storage needs of the image service.

Records in-process (the image service's own interface, as compute uses it): the facts of an
image a volume is made from, and the record of an image a volume is uploaded to, owned by
the volume's project. Data over the image API (`ImageTransfer`, the compute host's
`ImageClient`): the backend work fetches and uploads image bytes as a host would, so it can
move to a volume host unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nubo.core.context import RequestContext
from nubo.core.errors import NotFound, NuboError
from nubo.volume import errors

GIB = 1024 ** 3
#: image attributes Cinder copies into a volume's volume_image_metadata (besides properties)
_CORE = ("name", "checksum", "container_format", "disk_format", "min_disk", "min_ram",
         "size")
#: properties a volume's image metadata never passes on to an image uploaded from it
#: (Cinder's glance_core_properties are written by the image service itself)
_NOT_INHERITED = frozenset({"image_id", "image_name", "checksum", "size", "min_disk",
                           "min_ram", "disk_format", "container_format", "name", "status",
                           "os_hash_algo", "os_hash_value", "owner", "visibility"})


class ImageRecords(Protocol):
    """The image service's interface (nubo.image.service.ImageService), as far as used."""

    async def get(self, ctx: RequestContext, image_id: str) -> Any: ...

    async def create(self, ctx: RequestContext, data: dict[str, Any]) -> Any: ...

    async def delete(self, ctx: RequestContext, image_id: str) -> None: ...


class ImageTransfer(Protocol):
    """Image bytes over the image API (nubo.compute.agent.images.ImageClient)."""

    async def download(self, image_id: str, dest: Path) -> None:
        """The image's data into `dest`, checked against its checksum; OSError otherwise."""
        ...

    async def upload(self, image_id: str, path: Path) -> None:
        """`path` as the data of the queued image `image_id`; OSError when refused."""
        ...


@dataclass(frozen=True)
class ImageFacts:
    id: str
    disk_format: str
    size: int                       # bytes of the image's data
    virtual_size: int | None
    min_disk: int                   # GiB
    #: what the volume keeps as volume_image_metadata (Cinder's volume_glance_metadata)
    volume_metadata: dict[str, str]

    @property
    def min_gb(self) -> int:
        """The smallest volume that holds it: min_disk, the virtual size, at least 1 GiB."""
        return max(self.min_disk, math.ceil((self.virtual_size or self.size) / GIB), 1)


def context_of(project_id: str, user_id: str | None, admin: bool) -> RequestContext:
    return RequestContext(request_id="req-volume", user_id=user_id, project_id=project_id,
                          roles=("admin", "member", "reader") if admin
                          else ("member", "reader"))


class ImageCatalog:
    """Image records for volumes: lookups as the caller, records as the volume's owner."""

    def __init__(self, records: ImageRecords) -> None:
        self.records = records

    async def facts(self, ctx: RequestContext, image_id: str) -> ImageFacts:
        """The image the caller may use; InvalidImageRef or ImageNotActive otherwise."""
        try:
            view = await self.records.get(ctx, image_id)
        except NotFound:
            raise errors.InvalidImageRef() from None
        img = view.image
        if img.status != "active":
            raise errors.ImageNotActive(image_id=image_id)
        meta = {"image_id": str(img.id), "image_name": str(img.name or "")}
        for key in _CORE[1:]:
            value = getattr(img, key, None)
            if value is not None:
                meta[key] = str(value)
        meta.update({k: str(v) for k, v in view.properties.items()})
        return ImageFacts(str(img.id), str(img.disk_format or "raw"), int(img.size or 0),
                          img.virtual_size, int(img.min_disk or 0), meta)

    async def create_for_upload(self, ctx: RequestContext, name: str, disk_format: str,
                                container_format: str, visibility: str, protected: bool,
                                inherited: dict[str, str], min_disk: int) -> str:
        """A queued image for os-volume_upload_image, owned by `ctx`'s project, with the
        volume's image properties (Cinder passes its volume_glance_metadata on)."""
        body: dict[str, Any] = {
            **{k: v for k, v in inherited.items() if k not in _NOT_INHERITED},
            "name": name, "disk_format": disk_format, "container_format": container_format,
            "visibility": visibility, "protected": protected, "min_disk": min_disk}
        view = await self.records.create(ctx, body)
        return str(view.image.id)

    async def discard(self, ctx: RequestContext, image_id: str) -> None:
        """Delete a half-made image (if_exists)."""
        try:
            await self.records.delete(ctx, image_id)
        except NuboError:
            pass
