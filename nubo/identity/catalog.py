"""The service catalog's records: regions, services, endpoints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.identity import errors
from nubo.identity import models as m
from nubo.identity.ep_filter import project_endpoint_ids
from nubo.identity.service import IdentityService, _apply, new_id


def _legacy_region(data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The v2-style `region` attribute stands for `region_id` when that is not given; the
    flag says the region was named that way (Keystone then creates it if missing)."""
    data = dict(data)
    if data.get("region") and data.get("region_id") is None:
        data["region_id"] = data["region"]
        return data, True
    return data, False


async def _check_region(s: AsyncSession, region_id: str | None, create: bool) -> None:
    """The endpoint's region must exist, unless it was named through the legacy `region`
    attribute: then Keystone creates it on the fly, on endpoint create and update alike."""
    if region_id and await s.get(m.Region, region_id) is None:
        if not create:
            raise errors.RegionNotFound(region_id=region_id)
        s.add(m.Region(id=region_id, extra={}))
        await s.flush()


class Catalog:
    def __init__(self, identity: IdentityService) -> None:
        self.identity = identity
        self.db = identity.db

    # regions
    async def create_region(self, data: dict[str, Any], region_id: str | None = None) -> m.Region:
        rid = region_id or data.get("id") or new_id()
        if region_id and data.get("id") and data["id"] != region_id:
            raise errors.RegionIdMismatch()
        async with self.identity._write() as s:
            if await s.get(m.Region, rid) is not None:
                raise errors.Conflict(type="region", details=f"Duplicate ID, {rid}")
            parent = data.get("parent_region_id")
            if parent and await s.get(m.Region, parent) is None:
                raise errors.RegionNotFound(region_id=parent)
            r = m.Region(id=rid)
            _apply(r, {**data, "id": rid})
            s.add(r)
            return r

    async def list_regions(self, parent_region_id: str | None = None) -> list[m.Region]:
        return await self.identity._list(m.Region, {"parent_region_id": parent_region_id})

    async def get_region(self, rid: str) -> m.Region:
        return await self.identity.get(m.Region, rid, "region")

    async def update_region(self, rid: str, data: dict[str, Any]) -> m.Region:
        async with self.identity._write() as s:
            r = await self.identity._get(s, m.Region, rid, "region")
            parent = data.get("parent_region_id")
            if parent:
                seen, cur = {rid}, parent
                while cur:
                    if cur in seen:
                        raise errors.CircularRegionHierarchyError()
                    seen.add(cur)
                    pr = await s.get(m.Region, cur)
                    if pr is None:
                        raise errors.RegionNotFound(region_id=cur)
                    cur = pr.parent_region_id
            _apply(r, data)
            return r

    async def delete_region(self, rid: str) -> None:
        async with self.identity._write() as s:
            r = await self.identity._get(s, m.Region, rid, "region")
            child = (await s.execute(select(m.Region.id).where(
                m.Region.parent_region_id == rid))).scalars().first()
            if child:
                raise errors.RegionDeletionError(region_id=rid)
            await s.delete(r)

    # services
    async def create_service(self, data: dict[str, Any]) -> m.Service:
        async with self.identity._write() as s:
            svc = m.Service(id=new_id(), enabled=True)
            _apply(svc, data)
            s.add(svc)
            return svc

    async def list_services(self, type: str | None = None,
                            name: str | None = None) -> list[m.Service]:
        return await self.identity._list(m.Service, {"type": type, "name": name})

    async def get_service(self, sid: str) -> m.Service:
        return await self.identity.get(m.Service, sid, "service")

    async def update_service(self, sid: str, data: dict[str, Any]) -> m.Service:
        async with self.identity._write() as s:
            svc = await self.identity._get(s, m.Service, sid, "service")
            _apply(svc, data)
            return svc

    async def delete_service(self, sid: str) -> None:
        async with self.identity._write() as s:
            svc = await self.identity._get(s, m.Service, sid, "service")
            for ep in (await s.execute(select(m.Endpoint).where(
                    m.Endpoint.service_id == sid))).scalars():
                await s.delete(ep)
            await s.delete(svc)

    # endpoints
    async def create_endpoint(self, data: dict[str, Any]) -> m.Endpoint:
        data, on_the_fly = _legacy_region(data)
        async with self.identity._write() as s:
            await self.identity._get(s, m.Service, data["service_id"], "service")
            await _check_region(s, data.get("region_id"), on_the_fly)
            ep = m.Endpoint(id=new_id(), enabled=True)
            _apply(ep, data)
            s.add(ep)
            return ep

    async def list_endpoints(self, **filters: Any) -> list[m.Endpoint]:
        return await self.identity._list(m.Endpoint, filters)

    async def get_endpoint(self, eid: str) -> m.Endpoint:
        return await self.identity.get(m.Endpoint, eid, "endpoint")

    async def update_endpoint(self, eid: str, data: dict[str, Any]) -> m.Endpoint:
        data, on_the_fly = _legacy_region(data)
        async with self.identity._write() as s:
            ep = await self.identity._get(s, m.Endpoint, eid, "endpoint")
            if "service_id" in data:
                await self.identity._get(s, m.Service, data["service_id"], "service")
            await _check_region(s, data.get("region_id"), on_the_fly)
            _apply(ep, data)
            return ep

    async def delete_endpoint(self, eid: str) -> None:
        async with self.identity._write() as s:
            await s.delete(await self.identity._get(s, m.Endpoint, eid, "endpoint"))
            await s.execute(delete(m.ProjectEndpoint).where(m.ProjectEndpoint.endpoint_id == eid))

    # endpoint groups (OS-EP-FILTER); their associations with projects: ep_filter.py
    async def create_endpoint_group(self, data: dict[str, Any]) -> m.EndpointGroup:
        async with self.identity._write() as s:
            g = m.EndpointGroup(id=new_id())
            _apply(g, data)
            s.add(g)
            return g

    async def list_endpoint_groups(self, name: str | None = None) -> list[m.EndpointGroup]:
        return await self.identity._list(m.EndpointGroup, {"name": name})

    async def get_endpoint_group(self, gid: str) -> m.EndpointGroup:
        return await self.identity.get(m.EndpointGroup, gid, "endpoint group")

    async def update_endpoint_group(self, gid: str, data: dict[str, Any]) -> m.EndpointGroup:
        async with self.identity._write() as s:
            g = await self.identity._get(s, m.EndpointGroup, gid, "endpoint group")
            _apply(g, data)
            return g

    async def delete_endpoint_group(self, gid: str) -> None:
        async with self.identity._write() as s:
            await s.delete(await self.identity._get(s, m.EndpointGroup, gid, "endpoint group"))

    async def project_endpoints(self, project_id: str) -> set[str]:
        """The endpoints OS-EP-FILTER associates with a project (none: no filter)."""
        async with self.db.read() as s:
            return await project_endpoint_ids(s, project_id)

    async def catalog(self) -> list[dict[str, Any]]:
        """The full catalog as tokens carry it: enabled services with their enabled
        endpoints."""
        async with self.db.read() as s:
            services = (await s.execute(select(m.Service).where(
                m.Service.enabled.is_(True)).order_by(m.Service.type))).scalars().all()
            eps = (await s.execute(select(m.Endpoint).where(
                m.Endpoint.enabled.is_(True)))).scalars().all()
        by_svc: dict[str, list[dict[str, Any]]] = {}
        for ep in eps:
            by_svc.setdefault(ep.service_id, []).append({
                "id": ep.id, "interface": ep.interface, "region_id": ep.region_id,
                "region": ep.region_id, "url": ep.url})
        return [{"id": svc.id, "type": svc.type, "name": svc.name or "",
                 "endpoints": by_svc.get(svc.id, [])} for svc in services]
