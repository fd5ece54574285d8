"""Who sees which network (admin sees all; a project its own; shared and external networks
are everybody's to see) and whose project a create body is for: the rules every area of the
network service shares."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.network import errors
from nubo.network import models as m


def visible_networks_clause(ctx: RequestContext) -> Any:
    if ctx.is_admin:
        return True
    return or_(m.Network.project_id == (ctx.project_id or ""), m.Network.shared.is_(True),
               m.Network.external.is_(True))


def can_see_network(ctx: RequestContext, n: m.Network) -> bool:
    return ctx.is_admin or n.project_id == ctx.project_id or n.shared or n.external


async def get_network(session: AsyncSession, ctx: RequestContext, network_id: str,
                      for_ports: bool = False) -> m.Network:
    """The network, or NetworkNotFound when it does not exist or the caller cannot see it.
    `for_ports`: an external network that is not shared is not usable for ports."""
    n = await session.get(m.Network, network_id)
    if n is None or not can_see_network(ctx, n):
        raise errors.not_found("Network", network_id)
    return n


def check_project(ctx: RequestContext, a: dict[str, Any]) -> str:
    """The project a create body is for; Neutron's populate_project_id: only an admin may
    name another project than the caller's (a 400, before any policy)."""
    given = [a[k] for k in ("project_id", "tenant_id") if a.get(k)]
    if not ctx.is_admin and any(p != ctx.project_id for p in given):
        raise errors.ForeignProject()
    return str(given[0]) if given else ctx.project_id or ""


def check_network_ownership(ctx: RequestContext, net: m.Network, project: str,
                            resource: str) -> None:
    """Neutron's OwnershipValidationHook, before policy: a non-admin's port or subnet goes on
    a network of its own project or a shared one (an external network is not shared by
    being external)."""
    if ctx.is_admin or net.shared or net.project_id == project:
        return
    raise errors.HTTPForbidden(
        msg=f"Tenant {project} not allowed to create {resource} on this network")


async def visible_network_ids(session: AsyncSession, ctx: RequestContext) -> set[str] | None:
    """None for an admin (everything), else the ids of the networks the caller sees."""
    if ctx.is_admin:
        return None
    rows = await session.execute(select(m.Network.id).where(visible_networks_clause(ctx)))
    return {r[0] for r in rows}
