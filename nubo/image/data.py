"""Image data: upload, staged import, download, and the reconcile that makes a restart after
`kill -9` converge (no image stuck in saving/importing, no orphaned file)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.requests import ClientDisconnect

from nubo.core.context import RequestContext
from nubo.image import errors, formats
from nubo.image import models as m
from nubo.image.service import ImageService
from nubo.image.stores.file import FileStore, Incomplete, TooLarge, Written
from nubo.image.tasks import TaskStore

LOG = logging.getLogger("nubo.image.data")
GIB = 1024**3


class ImageData:
    def __init__(self, images: ImageService, store: FileStore, cap_bytes: int,
                 quota_bytes: int, tasks: TaskStore) -> None:
        self.images = images
        self.tasks = tasks
        self.store = store
        self.cap_bytes = cap_bytes
        self.quota_bytes = quota_bytes
        self._tasks: set[asyncio.Task[None]] = set()

    async def _room(self, owner: str | None) -> int:
        room = self.cap_bytes
        if self.quota_bytes:
            room = min(room, self.quota_bytes - await self.images.usage(owner))
        return max(room, 0)

    async def _prepare(self, ctx: RequestContext, image_id: str, to: str) -> m.Image:
        img = (await self.images.get(ctx, image_id)).image
        if not self.images.owns(ctx, img):
            raise errors.ImageActionForbidden(action="upload data to", image_id=image_id)
        if not img.disk_format or not img.container_format:
            raise errors.ImageFormatsRequired()
        if not await self.images.transition(image_id, ["queued"], to):
            fresh = (await self.images.get(ctx, image_id)).image
            raise errors.InvalidImageStatusTransition(cur_status=fresh.status, new_status=to)
        return img

    async def _receive(self, img: m.Image, stream: AsyncIterator[bytes],
                       length: int | None, frm: str) -> Written:
        room = await self._room(img.owner)
        if length is not None and length > room:
            await self.images.fail_upload(img.id, frm, "too large")
            raise errors.ImageSizeLimitExceeded(size=length, room=room)
        try:
            written = await self.store.write(stream, room, length)
        except TooLarge:
            await self.images.fail_upload(img.id, frm, "too large")
            raise errors.StorageQuotaFull() from None
        except (Incomplete, ClientDisconnect) as exc:
            await self.images.fail_upload(img.id, frm, "upload interrupted")
            raise errors.UploadCutOff(reason=exc) from None
        except BaseException:
            await asyncio.shield(self.images.fail_upload(img.id, frm, "upload failed"))
            raise
        return written

    async def upload(self, ctx: RequestContext, image_id: str, stream: AsyncIterator[bytes],
                     length: int | None) -> None:
        img = await self._prepare(ctx, image_id, "saving")
        written = await self._receive(img, stream, length, "saving")
        await self._activate(img, written.path, "saving", written)

    async def _activate(self, img: m.Image, tmp: Path, frm: str,
                        written: Written | None = None) -> None:
        """Check, checksum and store `tmp`; the image becomes active, or queued with a reason.
        `written` carries the digests computed while the data streamed in, if it did."""
        try:
            inspection = await asyncio.to_thread(formats.inspect, tmp, img.disk_format or "raw")
            if written is None:
                size, md5, sha = await asyncio.to_thread(_digest, tmp)
            else:
                size, md5, sha = written.size, written.md5, written.sha512
        except formats.ImageRejected as exc:
            _discard(tmp)
            await self.images.fail_upload(img.id, frm, str(exc))
            raise errors.ImageRejected(reason=exc) from None
        except BaseException:
            _discard(tmp)
            await asyncio.shield(self.images.fail_upload(img.id, frm, "check failed"))
            raise
        location = self.store.commit(tmp, img.id)
        ok = await self.images.finish_upload(
            img.id, frm, size=size, checksum=md5, os_hash_algo="sha512", os_hash_value=sha,
            virtual_size=inspection.virtual_size, location=location)
        if not ok:          # deleted while we were writing
            self.store.delete(location)
            raise errors.ImageDeletedDuringUpload(image_id=img.id)

    # ------------------------------------------------------------------ import

    async def stage(self, ctx: RequestContext, image_id: str, stream: AsyncIterator[bytes],
                    length: int | None) -> None:
        img = await self._prepare(ctx, image_id, "uploading")
        written = await self._receive(img, stream, length, "uploading")
        self.store.stage(written.path, image_id)

    async def start_import(self, ctx: RequestContext, image_id: str, method: str,
                           import_req: dict[str, Any] | None = None) -> None:
        if method != "glance-direct":
            raise errors.UnsupportedImportMethod(method=method)
        img = (await self.images.get(ctx, image_id)).image
        if not self.images.owns(ctx, img):
            raise errors.ImageActionForbidden(action="import", image_id=image_id)
        if img.status != "uploading" or not self.store.stage_path(image_id).exists():
            raise errors.ImageNotStaged(image_id=image_id, status=img.status)
        if not await self.images.transition(image_id, ["uploading"], "importing"):
            raise errors.ImportInProgress(image_id=image_id)
        await self.tasks.start_import(ctx, image_id, import_req or {"method": {"name": method}})
        self._spawn(img)

    def _spawn(self, img: m.Image) -> None:
        task = asyncio.create_task(self._import(img))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _import(self, img: m.Image) -> None:
        # The staged file is checked in place and renamed into the store: a crash at any
        # point leaves it staged, and the next start resumes the import.
        try:
            await self._activate(img, self.store.stage_path(img.id), "importing")
            LOG.info("imported image %s", img.id)
        except Exception as exc:  # noqa: BLE001 - the image records the reason
            LOG.warning("import of image %s failed: %s", img.id, exc)
            await self.tasks.finish(img.id, str(exc) or type(exc).__name__)
            return
        await self.tasks.finish(img.id, None)

    async def wait_imports(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # ------------------------------------------------------------------ download

    async def open(self, ctx: RequestContext, image_id: str) -> tuple[m.Image, Path | None]:
        img = (await self.images.get(ctx, image_id)).image
        if img.status == "deactivated" and not ctx.is_admin:
            raise errors.DeactivatedImageDownload()
        if img.status not in ("active", "deactivated") or not img.location:
            return img, None
        path = self.store.path(img.location)
        if not path.exists():
            raise errors.ImageDataNotFound(image_id=image_id)
        return img, path

    # ------------------------------------------------------------------ reconcile

    async def reconcile(self) -> dict[str, int]:
        """After a crash: interrupted uploads go back to queued, interrupted imports resume,
        files nobody owns are removed."""
        counts = {"requeued": 0, "resumed": 0, "removed": 0}
        async with self.images.db.read() as s:
            rows = list((await s.execute(select(m.Image).where(m.Image.status.in_(
                ("saving", "uploading", "importing"))))).scalars())
        resume = []
        for img in rows:
            staged = self.store.stage_path(img.id).exists()
            if img.status == "importing" and staged:
                resume.append(img)
            elif img.status == "saving" or not staged:
                await self.images.fail_upload(img.id, img.status, "interrupted by a restart")
                counts["requeued"] += 1
        async with self.images.db.read() as s:
            live = set((await s.execute(select(m.Image.location).where(
                m.Image.location.is_not(None)))).scalars())
            staged_ids = set((await s.execute(select(m.Image.id).where(
                m.Image.status.in_(("uploading", "importing"))))).scalars())
        counts["removed"] = len(self.store.sweep({x for x in live if x}, staged_ids))
        for img in resume:      # after the sweep, which must not see their files as orphans
            self._spawn(img)
            counts["resumed"] += 1
        return counts


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


def _digest(path: Path) -> tuple[int, str, str]:
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha512()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(8 * 1024 * 1024):
            size += len(chunk)
            md5.update(chunk)
            sha.update(chunk)
    return size, md5.hexdigest(), sha.hexdigest()
