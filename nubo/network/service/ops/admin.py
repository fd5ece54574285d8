"""Agents, network IP availabilities and quotas: the transactions of /v2.0/agents,
/v2.0/network-ip-availabilities and /v2.0/quotas (agents.py and quotas.py beside this
package do the work). Their policy needs no row: the handler checks it first."""

from __future__ import annotations

from typing import Any

from nubo.core.db import Database
from nubo.network import models as m
from nubo.network.service import agents, quotas


async def list_agents(db: Database) -> list[m.Agent]:
    async with db.read() as s:
        return await agents.list_agents(s)


async def get_agent(db: Database, agent_id: str) -> m.Agent:
    async with db.read() as s:
        return await agents.get_agent(s, agent_id)


async def update_agent(db: Database, agent_id: str, a: dict[str, Any]) -> m.Agent:
    async with db.write() as s:
        return await agents.update_agent(s, agent_id, a)


async def delete_agent(db: Database, agent_id: str) -> None:
    async with db.write() as s:
        await agents.delete_agent(s, agent_id)


async def ip_availability(db: Database, network_id: str | None) -> list[dict[str, Any]]:
    async with db.read() as s:
        return await agents.ip_availability(s, network_id)


async def all_quotas(db: Database) -> list[tuple[str, dict[str, int]]]:
    """(project, limits) of every project with limits of its own."""
    async with db.read() as s:
        return [(p, await quotas.limits(s, p)) for p in await quotas.projects_with_limits(s)]


async def quota(db: Database, project_id: str) -> dict[str, int]:
    async with db.read() as s:
        return await quotas.limits(s, project_id)


async def quota_details(db: Database, project_id: str
                        ) -> tuple[dict[str, int], dict[str, int]]:
    """The project's limits and what it uses."""
    async with db.read() as s:
        return await quotas.limits(s, project_id), await quotas.usage(s, project_id)


async def set_quota(db: Database, project_id: str, values: dict[str, int]) -> dict[str, int]:
    async with db.write() as s:
        await quotas.set_limits(s, project_id, values)
        await s.flush()
        return await quotas.limits(s, project_id)


async def reset_quota(db: Database, project_id: str) -> None:
    async with db.write() as s:
        await quotas.reset(s, project_id)
