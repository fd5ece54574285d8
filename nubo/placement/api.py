"""Wiring of the placement service: the objects its handlers use, built once per process."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from nubo.config import Settings
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.policy import Policy
from nubo.placement.policies import RULES
from nubo.placement.service import PlacementService

PREFIX = "/placement"


class PlacementApi:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.base_url = settings.base_url + PREFIX
        self.service = PlacementService(db)
        self.policy = Policy(RULES, settings.effective_policy_file)
        self.max_body = max(settings.max_request_body_size, 1024 * 1024)

    def enforce(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> None:
        self.policy.enforce(ctx, action, target)


def api(request: Request) -> PlacementApi:
    state: PlacementApi = request.scope["nubo.state"]
    return state
