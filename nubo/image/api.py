"""Wiring of the image service: the objects its handlers use, built once per process."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from nubo.config import Settings
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.metrics import reconciled
from nubo.core.policy import Policy
from nubo.image import models as m
from nubo.image.data import GIB, ImageData
from nubo.image.policies import RULES
from nubo.image.service import ImageService, Quotas
from nubo.image.stores.file import FileStore
from nubo.image.tasks import TaskStore

PREFIX = "/image"


class ImageApi:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.base_url = settings.base_url + PREFIX
        self.store = FileStore(settings.data_dir / "images")
        self.images = ImageService(db, Quotas(
            images=settings.image_count_quota, bytes=settings.image_size_quota_gb * GIB,
            properties=settings.image_property_quota, tags=settings.image_tag_quota,
            members=settings.image_member_quota), on_delete=self._deleted)
        self.tasks = TaskStore(db)
        self.data = ImageData(self.images, self.store, settings.image_size_cap_gb * GIB,
                              settings.image_size_quota_gb * GIB, self.tasks)
        self.policy = Policy(RULES, settings.effective_policy_file)
        self.max_body = max(settings.max_request_body_size, 1024 * 1024)

    def _deleted(self, image: m.Image) -> None:
        self.store.delete(image.location)
        self.store.unstage(image.id)

    async def start(self) -> dict[str, int]:
        self.store.setup()
        counts = await self.data.reconcile()
        reconciled("image", counts)
        return counts

    def enforce(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> None:
        self.policy.enforce(ctx, action, target)


def api(request: Request) -> ImageApi:
    state: ImageApi = request.scope["nubo.state"]
    return state
