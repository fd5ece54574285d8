"""How a host gets its libvirt driver: which virt `auto` means here, and the driver built
from the settings (its image cache fetches through the `fetch` it is given: the image API).

The driver module (and the guest builder, pycdlib, ... it imports) is imported only when
libvirt is asked for: `nubo up --virt fake` starts without it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from nubo.config import Settings

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


def build_driver(settings: Settings, host: str, fetch: Fetch) -> LibvirtDriver:
    """The libvirt driver of this host; `fetch` brings an image's data (agent/images.py)."""
    from nubo.compute.agent.virt.libvirt.driver import LibvirtDriver, LibvirtOptions
    opts = LibvirtOptions(
        data_dir=settings.data_dir, uri=settings.libvirt_uri,
        virt_type=settings.libvirt_virt_type, vnc_listen=settings.vnc_listen,
        shutdown_timeout=float(settings.shutdown_timeout),
        force_config_drive=settings.force_config_drive,
        force_raw_images=settings.force_raw_images,
        image_max_unused_age=float(settings.image_cache_max_unused_age),
        guest_cache=settings.guest_cache_dir or settings.data_dir / "cache" / "guest")
    return LibvirtDriver(host, opts, fetch)
