"""What the server service returns for one server: the instance row with what the API shows
beside it (metadata, tags, host status, addresses, security group names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute.models import Instance
from nubo.core.context import RequestContext


@dataclass
class ServerView:
    instance: Instance
    metadata: dict[str, str]
    #: the server's tags (2.26) and its host's status (2.16, admins), where filled in
    #: (None: not read here; the view falls back to the tags given at create)
    tags: list[str] | None = None
    host_status: str | None = None
    #: Nova's `addresses`: {network name: [{version, addr, OS-EXT-IPS:type, ...}]}
    addresses: dict[str, Any] | None = None
    #: the names of its ports' security groups (None: no ports; the view then shows the
    #: names kept on the instance)
    security_groups: list[str] | None = None
    #: its volumes (volume id, delete_on_termination), oldest first (server_volumes.py)
    volumes: list[tuple[str, bool]] | None = None


class ServerLookup(Protocol):
    """Finding a server the caller may see (ServerService), for the modules servers.py
    itself uses (they cannot import it back)."""

    async def get(self, ctx: RequestContext, server_id: str) -> ServerView:
        """The server as the API shows it; NotFound when the caller may not see it."""
        ...

    async def load_in(self, s: AsyncSession, ctx: RequestContext, server_id: str) -> Instance:
        """The server's row in the caller's transaction `s`; NotFound as `get`."""
        ...
