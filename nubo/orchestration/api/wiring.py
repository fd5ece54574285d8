"""Wiring of the orchestration API: the engine (with the other services' apps it calls
in-process), the stack operations, the policy; built once per process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from nubo.config import Settings
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.policy import Policy
from nubo.orchestration.api.policies import RULES
from nubo.orchestration.engine.engine import Engine
from nubo.orchestration.service.cloud import Asgi
from nubo.orchestration.service.nested import NestedStacks
from nubo.orchestration.service.stacks import Stacks

PREFIX = "/orchestration"


class OrchestrationApi:
    def __init__(self, settings: Settings, db: Database, apps: Mapping[str, Asgi]) -> None:
        """`apps`: the service apps the engine calls ("network", "compute", "image",
        "volume")."""
        self.settings = settings
        self.base_url = settings.base_url + PREFIX
        self.engine = Engine(db, apps)
        self.engine.public_url = self.base_url
        self.stacks = Stacks(self.engine)
        # the engine reaches child stacks through the stack service (nested.py imports it)
        self.engine.nested_for = lambda parent: NestedStacks(self.stacks, parent)
        self.store = self.engine.store
        self.policy = Policy(RULES, settings.effective_policy_file)
        # Heat's max_json_body_size: a template of up to 512 KiB with its files
        self.max_body = max(settings.max_request_body_size, 1048576)

    async def start(self) -> None:
        await self.engine.start()

    async def stop(self) -> None:
        await self.engine.stop()

    def enforce(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> None:
        self.policy.enforce(ctx, action, target)

    def allowed(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> bool:
        return self.policy.allowed(ctx, action, target)


def api(request: Request) -> OrchestrationApi:
    state: OrchestrationApi = request.scope["nubo.state"]
    return state
