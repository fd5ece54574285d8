"""How the runtime gets its libvirt driver: which virt `auto` means here, and the image
fetch the driver's image cache uses (in one process: the image service's store, streamed).

The driver module (and the guest builder, pycdlib, ... it imports) is imported only when
libvirt is asked for: `nubo up --virt fake` starts without it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nubo.config import Settings
from nubo.core.context import RequestContext
from nubo.core.files import read_chunks

if TYPE_CHECKING:
    from nubo.compute.agent.virt.libvirt.driver import LibvirtDriver
    from nubo.compute.agent.virt.libvirt.imagecache import Fetch

LOG = logging.getLogger("nubo.compute.libvirt")


def resolve_virt(settings: Settings) -> str:
    """`libvirt` or `fake`: what --virt auto means on this machine."""
    if settings.virt != "auto":
        return settings.virt
    from nubo.compute.agent.virt.libvirt.driver import libvirt_usable
    why = libvirt_usable(settings.libvirt_uri)
    if why:
        LOG.info("--virt auto: using the fake hypervisor (libvirt not usable: %s)", why)
        return "fake"
    return "libvirt"


def image_fetcher(images: Any) -> Fetch:
    async def fetch(image_id: str, dest: Path) -> None:
        ctx = RequestContext(request_id="req-image-cache", roles=("admin",))
        _img, path = await images.data.open(ctx, image_id)
        if path is None:
            raise OSError(f"image {image_id} has no data (not active)")
        f = await asyncio.to_thread(dest.open, "wb")
        try:
            async for chunk in read_chunks(path):
                await asyncio.to_thread(f.write, chunk)
        finally:
            f.close()
    return fetch


def build_driver(settings: Settings, host: str, images: Any) -> LibvirtDriver:
    from nubo.compute.agent.virt.libvirt.driver import LibvirtDriver, LibvirtOptions
    opts = LibvirtOptions(
        data_dir=settings.data_dir, uri=settings.libvirt_uri,
        virt_type=settings.libvirt_virt_type, vnc_listen=settings.vnc_listen,
        shutdown_timeout=float(settings.shutdown_timeout),
        force_config_drive=settings.force_config_drive,
        force_raw_images=settings.force_raw_images,
        image_max_unused_age=float(settings.image_cache_max_unused_age),
        guest_cache=settings.guest_cache_dir or settings.data_dir / "cache" / "guest")
    return LibvirtDriver(host, opts, image_fetcher(images))
