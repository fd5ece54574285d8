"""block_device_mapping_v2 at server create: which disk the server boots from, and the volumes
it gets, checked before anything is made (Nova's compute API `_check_and_transform_bdm`,
`_validate_bdm` and their 400s, in Nova's words).

A mapping with destination `volume` is a volume the server gets: an existing one (`volume`),
or one made for it from an image, a snapshot or nothing (`image`, `snapshot`, `blank`, with
`volume_size`). The one with boot_index 0 is the root disk (vda): the server is
volume-backed and shows image "". Image to `local` with boot_index 0 is the image boot of
an imageRef. The plan is kept in the request spec as plain values; the conductor makes the
volumes and attaches them through the attachments API before the spawn
(server_volumes.py).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nubo.compute import errors
from nubo.core.context import RequestContext
from nubo.core.errors import NotFound
from nubo.volume.service import BlockStorage

#: volumes beyond the root disk take vdb... in the order given (the root disk is vda)
_DEVICES = [f"vd{chr(c)}" for c in range(ord("b"), ord("z") + 1)]
_DEV = re.compile(r"^(?:/dev/)?(vd[a-z])$")
#: whether the caller may use an image (by id)
ImageCheck = Callable[[str], Awaitable[bool]]
_NO_SIZE = "Images with destination_type 'volume' need to have a non-zero size specified"


@dataclass(frozen=True)
class BootPlan:
    #: the image the root disk is made of on the host (None: the server is volume-backed)
    image_ref: str | None
    #: for a volume-backed server made from an image: that image (its properties)
    volume_image: str | None = None
    #: the volume mappings, as the request spec keeps them
    bdms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def volume_backed(self) -> bool:
        return any(b["boot_index"] == 0 for b in self.bdms)


def _boot_index(raw: Any) -> int | None:
    if raw is None or str(raw).strip().lower() in ("", "none"):
        return None
    try:
        n = int(str(raw))
    except ValueError:
        raise errors.InvalidBDMFormat(details=f"Boot index {raw} is invalid.") from None
    return n if n >= 0 else None


def _size(raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        n = int(str(raw))
    except ValueError:
        raise errors.InvalidBDMFormat(details=f"Invalid volume_size {raw}.") from None
    if n < 0:
        raise errors.InvalidBDMFormat(details=f"Invalid volume_size {raw}.")
    return n or None


def _flag(raw: Any) -> bool:
    return str(raw).lower() in ("true", "1", "yes", "on", "y", "t")


class BootPlanner:
    def __init__(self, storage: BlockStorage) -> None:
        self.storage = storage

    async def plan(self, ctx: RequestContext, srv: dict[str, Any], max_count: int,
                   image_exists: ImageCheck) -> BootPlan:
        """The boot of `srv` (a server create body): its image, or its volumes. 400s for
        what Nova refuses. `image_exists(ref)`: whether the caller may use that image."""
        image_ref = srv.get("imageRef") or None
        bdms: list[dict[str, Any]] = []
        local_boot: str | None = None
        for raw in srv.get("block_device_mapping_v2") or []:
            source = raw.get("source_type") or "volume"
            dest = raw.get("destination_type") or ("local" if source in ("image", "blank")
                                                   else "volume")
            boot = _boot_index(raw.get("boot_index"))
            if dest == "local":
                if source == "image" and boot == 0:
                    local_boot = str(raw.get("uuid") or "")
                elif source != "blank":
                    raise errors.InvalidBDMFormat(
                        details=f"Mapping image/blank to local is the only local device "
                                f"supported, not {source}.")
                continue
            bdms.append(await self._entry(ctx, raw, source, boot, image_exists))
        if max_count > 1 and any(b["source"] == "volume" for b in bdms):
            raise errors.VolumesToMultipleInstances()
        order = sorted(b["boot_index"] for b in bdms if b["boot_index"] is not None)
        if local_boot is not None:
            order = sorted([0, *order])
        if order != list(range(len(order))):
            raise errors.InvalidBDMBootSequence()
        volume_boot = next((b for b in bdms if b["boot_index"] == 0), None)
        _devices(bdms)
        if volume_boot is not None:
            return BootPlan(None, volume_boot["uuid"] if volume_boot["source"] == "image"
                            else None, bdms)
        boot_image = local_boot or image_ref
        if not boot_image:
            if bdms:
                raise errors.InvalidBDMBootSequence()
            raise errors.MissingImageRef()
        return BootPlan(boot_image, None, bdms)

    async def _entry(self, ctx: RequestContext, raw: dict[str, Any], source: str,
                     boot: int | None, image_exists: ImageCheck) -> dict[str, Any]:
        uuid = str(raw.get("uuid") or "")
        size = _size(raw.get("volume_size"))
        project = None if ctx.is_admin else ctx.project_id
        volume_id: str | None = None
        if source == "volume":
            try:
                vol = (await self.storage.volumes.get(uuid, project)).volume
            except NotFound:
                raise errors.InvalidBDMVolume(id=uuid) from None
            if vol.status != "available":
                raise errors.InvalidVolume(
                    reason=f"volume '{uuid}' status must be 'available'. Currently in "
                           f"'{vol.status}'")
            if boot == 0 and not vol.bootable:
                raise errors.InvalidBDMVolumeNotBootable(id=uuid)
            volume_id, size = uuid, vol.size
        elif source == "snapshot":
            try:
                snap = await self.storage.snapshots.get(uuid, project)
            except NotFound:
                raise errors.InvalidBDMSnapshot(id=uuid) from None
            size = size or snap.size
        elif source == "image":
            if not uuid or not await image_exists(uuid):
                raise errors.InvalidBDMImage(id=uuid)
            if size is None:
                raise errors.InvalidBDMFormat(details=_NO_SIZE)
        elif size is None:       # blank
            raise errors.InvalidBDMFormat(
                details="Blank volumes need to have a non-zero size specified")
        return {"source": source, "uuid": uuid, "size": size, "boot_index": boot,
                "delete_on_termination": _flag(raw.get("delete_on_termination", False)),
                "device": raw.get("device_name"), "tag": raw.get("tag"),
                "volume_type": raw.get("volume_type"), "volume_id": volume_id}


def _devices(bdms: list[dict[str, Any]]) -> None:
    """vda for the boot volume; the others the device asked (when free) or the next free."""
    taken: set[str] = set()
    for b in bdms:
        if b["boot_index"] == 0:
            b["device"] = "vda"
            taken.add("vda")
    for b in bdms:
        if b["boot_index"] == 0:
            continue
        m = _DEV.match(str(b.get("device") or ""))
        if m is not None and m.group(1) not in taken and m.group(1) != "vda":
            b["device"] = m.group(1)
        else:
            free = [d for d in _DEVICES if d not in taken]
            if not free:
                raise errors.TooManyDiskDevices(maximum=len(_DEVICES))
            b["device"] = free[0]
        taken.add(b["device"])
