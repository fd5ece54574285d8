"""Wiring of the block storage API: the objects its handlers use, built once per process."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from nubo.config import Settings
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.policy import Policy
from nubo.volume.api.policies import RULES
from nubo.volume.service import BlockStorage, build_backup_driver, build_driver

PREFIX = "/volume"


class VolumeApi:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.base_url = settings.base_url + PREFIX
        driver = build_driver(settings.volume_driver, settings.data_dir,
                              settings.volume_capacity_gb)
        backup_root = settings.backup_path or settings.data_dir / "backups"
        store = build_backup_driver(settings.backup_driver, backup_root,
                                    settings.backup_chunk_mb)
        self.storage = BlockStorage.build(db, driver, store,
                                          settings.data_dir / "backup-work")
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

    def enforce(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> None:
        self.policy.enforce(ctx, action, target)

    def allowed(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> bool:
        return self.policy.allowed(ctx, action, target)


def api(request: Request) -> VolumeApi:
    state: VolumeApi = request.scope["nubo.state"]
    return state
