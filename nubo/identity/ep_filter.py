"""OS-EP-FILTER associations: endpoints and endpoint groups associated with projects, and the
per-project catalog they make (Keystone's catalog core and SQL backend).

A project with any association (an endpoint, or a group matching at least one endpoint) sees
only those endpoints in its tokens' catalog, and no service left without one; any other
project sees the full catalog.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.service import IdentityService


def group_matches(filters: dict[str, Any], ep: m.Endpoint) -> bool:
    """Keystone's get_endpoints_filtered_by_endpoint_group: every filter key equal."""
    return all(getattr(ep, k, None) == v for k, v in (filters or {}).items())


async def project_endpoint_ids(s: AsyncSession, project_id: str) -> set[str]:
    """The endpoints associated with a project, directly or through its groups."""
    ids = set((await s.execute(select(m.ProjectEndpoint.endpoint_id).where(
        m.ProjectEndpoint.project_id == project_id))).scalars())
    groups = (await s.execute(select(m.EndpointGroup).join(
        m.ProjectEndpointGroup, m.ProjectEndpointGroup.endpoint_group_id == m.EndpointGroup.id
    ).where(m.ProjectEndpointGroup.project_id == project_id))).scalars().all()
    if groups:
        for ep in (await s.execute(select(m.Endpoint))).scalars():
            if any(group_matches(g.filters, ep) for g in groups):
                ids.add(ep.id)
    if ids:   # associations to endpoints that are gone do not count
        ids = set((await s.execute(select(m.Endpoint.id).where(
            m.Endpoint.id.in_(ids)))).scalars())
    return ids


def filter_catalog(catalog: list[dict[str, Any]], allowed: set[str]) -> list[dict[str, Any]]:
    """The catalog with only `allowed` endpoints, dropping services left empty."""
    out = []
    for svc in catalog:
        eps = [e for e in svc["endpoints"] if e["id"] in allowed]
        if eps:
            out.append({**svc, "endpoints": eps})
    return out


class EndpointFilter:
    def __init__(self, identity: IdentityService) -> None:
        self.identity = identity
        self.db = identity.db

    async def _both(self, s: AsyncSession, project_id: str, endpoint_id: str) -> None:
        await self.identity._get(s, m.Endpoint, endpoint_id, "endpoint")
        await self.identity._get(s, m.Project, project_id, "project")

    # project <-> endpoint
    async def add_endpoint(self, project_id: str, endpoint_id: str) -> None:
        async with self.identity._write() as s:
            await self._both(s, project_id, endpoint_id)
            if await s.get(m.ProjectEndpoint, (endpoint_id, project_id)) is not None:
                raise errors.Conflict(type="project_endpoint", details="Duplicate entry")
            s.add(m.ProjectEndpoint(endpoint_id=endpoint_id, project_id=project_id))

    async def check_endpoint(self, project_id: str, endpoint_id: str) -> None:
        async with self.db.read() as s:
            await self._both(s, project_id, endpoint_id)
            if await s.get(m.ProjectEndpoint, (endpoint_id, project_id)) is None:
                raise errors.ProjectEndpointNotFound(endpoint_id=endpoint_id, project_id=project_id)

    async def remove_endpoint(self, project_id: str, endpoint_id: str) -> None:
        async with self.identity._write() as s:
            row = await s.get(m.ProjectEndpoint, (endpoint_id, project_id))
            if row is None:
                raise errors.ProjectEndpointNotFound(endpoint_id=endpoint_id, project_id=project_id)
            await s.delete(row)

    async def projects_for_endpoint(self, endpoint_id: str) -> list[m.Project]:
        async with self.db.read() as s:
            await self.identity._get(s, m.Endpoint, endpoint_id, "endpoint")
            return list((await s.execute(select(m.Project).join(
                m.ProjectEndpoint, m.ProjectEndpoint.project_id == m.Project.id).where(
                m.ProjectEndpoint.endpoint_id == endpoint_id).order_by(m.Project.id)
            )).scalars())

    async def endpoints_for_project(self, project_id: str) -> list[m.Endpoint]:
        async with self.db.read() as s:
            await self.identity._get(s, m.Project, project_id, "project")
            ids = await project_endpoint_ids(s, project_id)
            return list((await s.execute(select(m.Endpoint).where(
                m.Endpoint.id.in_(ids)).order_by(m.Endpoint.id))).scalars())

    # project <-> endpoint group
    async def _group_and_project(self, s: AsyncSession, group_id: str,
                                 project_id: str) -> None:
        await self.identity._get(s, m.Project, project_id, "project")
        await self.identity._get(s, m.EndpointGroup, group_id, "endpoint group")

    async def add_group(self, group_id: str, project_id: str) -> None:
        async with self.identity._write() as s:
            await self._group_and_project(s, group_id, project_id)
            if await s.get(m.ProjectEndpointGroup, (group_id, project_id)) is not None:
                raise errors.Conflict(type="project_endpoint_group", details="Duplicate entry")
            s.add(m.ProjectEndpointGroup(endpoint_group_id=group_id, project_id=project_id))

    async def get_group_in_project(self, group_id: str, project_id: str) -> None:
        async with self.db.read() as s:
            await self._group_and_project(s, group_id, project_id)
            if await s.get(m.ProjectEndpointGroup, (group_id, project_id)) is None:
                raise errors.EndpointGroupProjectNotFound()

    async def remove_group(self, group_id: str, project_id: str) -> None:
        async with self.identity._write() as s:
            await self._group_and_project(s, group_id, project_id)
            row = await s.get(m.ProjectEndpointGroup, (group_id, project_id))
            if row is None:
                raise errors.EndpointGroupProjectNotFound()
            await s.delete(row)

    async def projects_for_group(self, group_id: str) -> list[m.Project]:
        async with self.db.read() as s:
            await self.identity._get(s, m.EndpointGroup, group_id, "endpoint group")
            return list((await s.execute(select(m.Project).join(
                m.ProjectEndpointGroup, m.ProjectEndpointGroup.project_id == m.Project.id
            ).where(m.ProjectEndpointGroup.endpoint_group_id == group_id).order_by(
                m.Project.id))).scalars())

    async def endpoints_for_group(self, group_id: str) -> list[m.Endpoint]:
        async with self.db.read() as s:
            g = await self.identity._get(s, m.EndpointGroup, group_id, "endpoint group")
            eps = (await s.execute(select(m.Endpoint).order_by(m.Endpoint.id))).scalars()
            return [e for e in eps if group_matches(g.filters, e)]

    async def groups_for_project(self, project_id: str) -> list[m.EndpointGroup]:
        async with self.db.read() as s:
            await self.identity._get(s, m.Project, project_id, "project")
            return list((await s.execute(select(m.EndpointGroup).join(
                m.ProjectEndpointGroup,
                m.ProjectEndpointGroup.endpoint_group_id == m.EndpointGroup.id).where(
                m.ProjectEndpointGroup.project_id == project_id).order_by(
                m.EndpointGroup.id))).scalars())

