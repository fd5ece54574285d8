"""Register the test guest image (`nubo-test`, public) that every later test boots.

On each start `nubo up` asks the guest builder for the image (a cache hit costs milliseconds,
a first build some seconds plus a download of Debian packages) in the background, after the
API is already serving, and registers it unless an image with the same content is there.
Older `nubo-test` images are hidden (os_hidden), not deleted: servers may still use them.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy import select

from nubo.core.context import RequestContext
from nubo.core.files import read_chunks
from nubo.image import models as m
from nubo.image.api import ImageApi

LOG = logging.getLogger("nubo.image.testimage")
NAME = "nubo-test"
SHA_PROPERTY = "nubo_guest_sha256"


async def ensure_test_image(image: ImageApi, cache_dir: Path, admin_project: str) -> str | None:
    """Build (or reuse) and register the test image; returns its id, None on failure."""
    from nubo.guest import GuestBuildError, build_test_image

    last = [-1]

    def progress(msg: str, frac: float) -> None:
        pct = int(frac * 100)
        if pct >= last[0] + 20 or frac >= 1.0:
            last[0] = pct
            LOG.info("test image: %s (%d%%)", msg, pct)
    try:
        built = await asyncio.to_thread(build_test_image, cache_dir, progress)
    except (GuestBuildError, OSError) as exc:
        LOG.warning("test image not available: %s", exc)
        return None
    async with image.images.db.read() as s:
        existing = (await s.execute(select(m.Image.id).join(
            m.ImageProperty, m.ImageProperty.image_id == m.Image.id).where(
            m.ImageProperty.name == SHA_PROPERTY, m.ImageProperty.value == built.sha256,
            m.Image.status == "active"))).scalars().first()
        older = list((await s.execute(select(m.Image).where(
            m.Image.name == NAME, m.Image.os_hidden.is_(False),
            m.Image.status == "active"))).scalars())
        # a registration cut short by a crash left an image without data: remove it
        leftovers = list((await s.execute(select(m.Image.id).join(
            m.ImageProperty, m.ImageProperty.image_id == m.Image.id).where(
            m.ImageProperty.name == SHA_PROPERTY, m.Image.status != "active"))).scalars())
    if existing:
        return existing
    ctx = RequestContext(request_id="req-nubo-test-image", user_id="nubo",
                         project_id=admin_project, roles=("admin", "member", "reader"))
    for leftover in leftovers:
        await image.images.delete(ctx, leftover)
    view = await image.images.create(ctx, {
        "name": NAME, "disk_format": "qcow2", "container_format": "bare",
        "visibility": "public", "min_disk": 1, "min_ram": 64, "os_distro": "nubo-test",
        "hw_rng_model": "virtio", SHA_PROPERTY: built.sha256, "nubo_guest_kernel": built.kernel})
    await image.data.upload(ctx, view.image.id, read_chunks(built.path), built.size)
    for old in older:
        await image.images.update(ctx, old.id, [("replace", "os_hidden", True)])
    LOG.info("registered test image %s (%s, %d bytes)", view.image.id, NAME, built.size)
    return view.image.id
