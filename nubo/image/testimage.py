"""Register the test guest image (`nubo-test`, public) that every later test boots.

Before `nubo up` says it is ready (`TestImage.prepare`): a build already in the guest cache is
registered at once (a cache hit costs milliseconds, the upload of ~16 MiB a fraction of a
second); otherwise the image record is created `queued`, so that `openstack image list` shows
it from the first moment. The build then runs in the background (`TestImage.finish`: some
seconds plus a download of Debian packages) and its upload takes the record through `saving`
to `active`, as Glance shows any upload. An image with the same content is never registered
twice. Older `nubo-test` images are hidden (os_hidden), not deleted: servers may still use
them; while one is visible no queued record is made (the name stays unambiguous).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from nubo.banner import TestImageState
from nubo.core.context import RequestContext
from nubo.core.files import read_chunks
from nubo.guest import BuildResult
from nubo.image import models as m
from nubo.image.api import ImageApi

LOG = logging.getLogger("nubo.image.testimage")
NAME = "nubo-test"
SHA_PROPERTY = "nubo_guest_sha256"
#: the SHA_PROPERTY of a record made before its build finished
PENDING = "pending"


class TestImage:
    """The `nubo-test` image of one node: prepared before readiness, finished after."""

    __test__ = False        # not a pytest test class, whatever its name

    def __init__(self, image: ImageApi, cache_dir: Path, admin_project: str,
                 on_change: Callable[[TestImageState], None] | None = None) -> None:
        self.image = image
        self.cache_dir = cache_dir
        self.ctx = RequestContext(request_id="req-nubo-test-image", user_id="nubo",
                                  project_id=admin_project,
                                  roles=("admin", "member", "reader"))
        self.state = TestImageState("queued", "waiting to build")
        self.pending: str | None = None      # the queued record the build will fill
        self.image_id: str | None = None     # the registered image
        self._on_change = on_change
        self._last = -1

    def _set(self, state: TestImageState) -> None:
        self.state = state
        if self._on_change:
            self._on_change(state)

    async def prepare(self) -> bool:
        """Register a cached build, or make the queued record; True if a build must follow."""
        from nubo.guest import GuestBuildError, cached_test_image
        try:
            cached = await asyncio.to_thread(cached_test_image, self.cache_dir)
        except (GuestBuildError, OSError) as exc:
            LOG.info("test image cache not usable: %s", exc)
            cached = None
        if cached is not None:
            self._progress("cached", 1.0)
            await self._register(cached)
            return False
        async with self.image.images.db.read() as s:
            visible = (await s.execute(select(m.Image.id).where(
                m.Image.name == NAME, m.Image.os_hidden.is_(False),
                m.Image.status == "active"))).scalars().first()
            leftovers = list((await s.execute(select(m.Image.id, m.Image.status).join(
                m.ImageProperty, m.ImageProperty.image_id == m.Image.id).where(
                m.ImageProperty.name == SHA_PROPERTY, m.Image.status != "active"))).all())
        reuse = next((i for i, status in leftovers if status == "queued"), None)
        for leftover, _ in leftovers:
            if leftover != reuse:   # a registration cut short by a crash
                await self.image.images.delete(self.ctx, leftover)
        if visible is None:
            if reuse is None:
                view = await self.image.images.create(self.ctx, self._record(PENDING, ""))
                reuse = view.image.id
            self.pending = reuse
        elif reuse is not None:
            await self.image.images.delete(self.ctx, reuse)
        self._set(TestImageState("queued", "waiting to build"))
        return True

    async def finish(self) -> str | None:
        """Build (or reuse) and register the image; returns its id, None on failure."""
        from nubo.guest import GuestBuildError, build_test_image
        try:
            built = await asyncio.to_thread(build_test_image, self.cache_dir, self._progress)
        except (GuestBuildError, OSError) as exc:
            LOG.warning("test image not available: %s", exc)
            if self.pending:
                await self.image.images.delete(self.ctx, self.pending)
            self._set(TestImageState("failed", str(exc)))
            return None
        return await self._register(built)

    def _progress(self, msg: str, frac: float) -> None:
        self.state = TestImageState("queued", msg, frac)
        pct = int(frac * 100)
        if pct >= self._last + 20 or frac >= 1.0:
            self._last = pct
            LOG.info("test image: %s (%d%%)", msg, pct)

    def _record(self, sha: str, kernel: str) -> dict[str, object]:
        return {"name": NAME, "disk_format": "qcow2", "container_format": "bare",
                "visibility": "public", "min_disk": 1, "min_ram": 64, "os_distro": NAME,
                "hw_rng_model": "virtio", SHA_PROPERTY: sha, "nubo_guest_kernel": kernel}

    async def _register(self, built: BuildResult) -> str:
        async with self.image.images.db.read() as s:
            existing = (await s.execute(select(m.Image.id).join(
                m.ImageProperty, m.ImageProperty.image_id == m.Image.id).where(
                m.ImageProperty.name == SHA_PROPERTY, m.ImageProperty.value == built.sha256,
                m.Image.status == "active"))).scalars().first()
            older = list((await s.execute(select(m.Image.id).where(
                m.Image.name == NAME, m.Image.os_hidden.is_(False),
                m.Image.status == "active"))).scalars())
            leftovers = list((await s.execute(select(m.Image.id).join(
                m.ImageProperty, m.ImageProperty.image_id == m.Image.id).where(
                m.ImageProperty.name == SHA_PROPERTY, m.Image.status != "active"))).scalars())
        for leftover in leftovers:
            if leftover != self.pending or existing:
                await self.image.images.delete(self.ctx, leftover)
        if existing:
            self.image_id = existing
            self._set(TestImageState("active", "registered", 1.0))
            return existing
        if self.pending:
            image_id = self.pending
            await self.image.images.update(self.ctx, image_id, [
                ("replace", SHA_PROPERTY, built.sha256),
                ("replace", "nubo_guest_kernel", built.kernel)])
        else:
            image_id = (await self.image.images.create(
                self.ctx, self._record(built.sha256, built.kernel))).image.id
        self._set(TestImageState("saving", "uploading", 1.0))
        await self.image.data.upload(self.ctx, image_id, read_chunks(built.path), built.size)
        for old in older:
            await self.image.images.update(self.ctx, old, [("replace", "os_hidden", True)])
        self.pending = None
        self.image_id = image_id
        self._set(TestImageState("active", "registered", 1.0))
        LOG.info("registered test image %s (%s, %d bytes)", image_id, NAME, built.size)
        return image_id
