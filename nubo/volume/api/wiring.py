"""Wiring of the block storage API: the objects its handlers use, built once per process."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.requests import Request

from nubo.compute.agent.images import ImageClient
from nubo.config import Settings
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.policy import Policy
from nubo.core.service_auth import ServiceCredentials, TokenSource
from nubo.volume.api.policies import RULES
from nubo.volume.service import BlockStorage, build_backup_driver, build_driver
from nubo.volume.service.images import ImageCatalog, ImageRecords

PREFIX = "/volume"


class VolumeApi:
    def __init__(self, settings: Settings, db: Database, images: ImageRecords,
                 credentials: ServiceCredentials) -> None:
        """`images`: the image service's records (in-process); `credentials`: the service
        user the backend work fetches and uploads image data with, over the image API."""
        self.settings = settings
        self.base_url = settings.base_url + PREFIX
        driver = build_driver(settings.volume_driver, settings.data_dir,
                              settings.volume_capacity_gb, settings.volume_target_ip,
                              settings.volume_target_port)
        backup_root = settings.backup_path or settings.data_dir / "backups"
        store = build_backup_driver(settings.backup_driver, backup_root,
                                    settings.backup_chunk_mb)
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0))
        transfer = ImageClient(settings.base_url + "/image",
                               TokenSource(credentials, self._http), self._http)
        self.storage = BlockStorage.build(db, driver, ImageCatalog(images), transfer,
                                          settings.data_dir / "volume-scratch",
                                          backup_driver=store,
                                          work_dir=settings.data_dir / "backup-work")
        self.policy = Policy(RULES, settings.effective_policy_file)
        self.max_body = settings.max_request_body_size
        #: (binary, host) -> why an admin disabled that service (os-services/disable), and
        #: the backends an admin froze; kept in this process only (both services run in it)
        self.disabled_services: dict[tuple[str, str], str | None] = {}
        self.frozen_hosts: set[str] = set()

    async def start(self) -> None:
        await self.storage.start()

    async def stop(self) -> None:
        await self.storage.worker.stop()
        await self._http.aclose()

    def enforce(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> None:
        self.policy.enforce(ctx, action, target)

    def allowed(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> bool:
        return self.policy.allowed(ctx, action, target)


def api(request: Request) -> VolumeApi:
    state: VolumeApi = request.scope["nubo.state"]
    return state
