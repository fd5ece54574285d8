"""Wiring of the network service: the objects its handlers use, built once per process (the
database they hand to the service, which opens the transactions; the policy), and the
request helpers every area shares."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from nubo.config import Settings
from nubo.core.context import RequestContext
from nubo.core.policy import Policy
from nubo.network.api.policies import RULES
from nubo.network.service.visibility import check_project

if TYPE_CHECKING:
    from nubo.core.db import Database

__all__ = ["PREFIX", "NetworkApi", "api", "check_project", "if_match"]

PREFIX = "/networking"


class NetworkApi:
    def __init__(self, settings: Settings, db: Database, *, status_from_agent: bool) -> None:
        """`status_from_agent`: whether the hosts' dataplane reports ports up (Linux): a
        port bound to a host then stays DOWN until it does; otherwise it is ACTIVE at
        once."""
        self.settings = settings
        self.db = db
        self.status_from_agent = status_from_agent
        self.base_url = settings.base_url + PREFIX
        self.policy = Policy(RULES + _extra_rules(), settings.effective_policy_file)
        self.max_body = settings.max_request_body_size
        self.hostname = socket.gethostname()

    def enforce(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> None:
        self.policy.enforce(ctx, action, target)

    def allowed(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> bool:
        return self.policy.allowed(ctx, action, target)


def _extra_rules() -> list[Any]:
    """Rules of N2's areas (routers, floating IPs, security groups), when they exist."""
    out: list[Any] = []
    for mod in ("nubo.network.policies_l3", "nubo.network.policies_secgroups"):
        try:
            module = __import__(mod, fromlist=["RULES"])
        except ImportError:
            continue
        out += list(getattr(module, "RULES", []))
    return out


def api(request: Request) -> NetworkApi:
    state: NetworkApi = request.scope["nubo.state"]
    return state


def if_match(request: Request) -> str | None:
    """The If-Match header the service checks against a row's revision_number."""
    return request.headers.get("if-match")
