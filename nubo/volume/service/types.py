"""Volume types: named sets of extra specs a volume is created with; `__DEFAULT__` always
exists (Cinder's default type since Train). Private types are seen by admins and by the
projects on their access list."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database
from nubo.volume import errors
from nubo.volume.models import Volume, VolumeType, VolumeTypeAccess

DEFAULT_TYPE = "__DEFAULT__"


class TypeService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure_default(self) -> None:
        async with self.db.read() as s:
            found = (await s.execute(select(VolumeType.id).where(
                VolumeType.name == DEFAULT_TYPE))).first()
        if found is None:
            async with self.db.write() as s:
                s.add(VolumeType(id=str(uuid.uuid4()), name=DEFAULT_TYPE,
                                 description="Default Volume Type", is_public=True,
                                 extra_specs={}))

    async def default(self, s: AsyncSession) -> VolumeType:
        row = (await s.execute(select(VolumeType).where(
            VolumeType.name == DEFAULT_TYPE))).scalars().first()
        if row is None:
            raise errors.VolumeTypeNotFoundByName(volume_type_name=DEFAULT_TYPE)
        return row

    async def list_(self, project_id: str | None, is_public: bool | None = None
                   ) -> list[VolumeType]:
        """Types `project_id` may use (None: an admin, every type); `is_public` filters."""
        async with self.db.read() as s:
            q = select(VolumeType).order_by(VolumeType.created_at, VolumeType.id)
            if is_public is not None:
                q = q.where(VolumeType.is_public == is_public)
            if project_id is not None:
                q = q.where(or_(VolumeType.is_public.is_(True), VolumeType.id.in_(
                    select(VolumeTypeAccess.type_id).where(
                        VolumeTypeAccess.project_id == project_id))))
            return list((await s.execute(q)).scalars())

    async def get(self, type_id: str, project_id: str | None = None) -> VolumeType:
        async with self.db.read() as s:
            return await self.lookup(s, type_id, project_id, by_name=False)

    async def lookup(self, s: AsyncSession, ref: str, project_id: str | None,
                     by_name: bool = True) -> VolumeType:
        """A type by id (or by name when `by_name`), as `project_id` may see it."""
        row = await s.get(VolumeType, ref)
        if row is None and by_name:
            row = (await s.execute(select(VolumeType).where(
                VolumeType.name == ref))).scalars().first()
            if row is None:
                raise errors.VolumeTypeNotFoundByName(volume_type_name=ref)
        if row is None:
            raise errors.VolumeTypeNotFound(volume_type_id=ref)
        if project_id is not None and not row.is_public:
            access = await s.get(VolumeTypeAccess, (row.id, project_id))
            if access is None:
                raise errors.VolumeTypeNotFound(volume_type_id=ref)
        return row

    async def create(self, name: str, description: str | None, is_public: bool,
                     extra_specs: dict[str, str]) -> VolumeType:
        async with self.db.write() as s:
            taken = (await s.execute(select(VolumeType.id).where(
                VolumeType.name == name))).first()
            if taken is not None:
                raise errors.VolumeTypeExists(id=name)
            row = VolumeType(id=str(uuid.uuid4()), name=name, description=description,
                             is_public=is_public, extra_specs=dict(extra_specs))
            s.add(row)
            return row

    async def update(self, type_id: str, name: str | None, description: str | None,
                     is_public: bool | None, description_set: bool) -> VolumeType:
        async with self.db.write() as s:
            row = await self.lookup(s, type_id, None, by_name=False)
            if name is not None and name != row.name:
                if row.name == DEFAULT_TYPE:
                    raise errors.InvalidVolumeType(
                        reason="The default volume type cannot be renamed.")
                taken = (await s.execute(select(VolumeType.id).where(
                    VolumeType.name == name))).first()
                if taken is not None:
                    raise errors.VolumeTypeExists(id=name)
                row.name = name
            if description_set:
                row.description = description
            if is_public is not None:
                row.is_public = is_public
            return row

    async def delete(self, type_id: str) -> None:
        async with self.db.write() as s:
            row = await self.lookup(s, type_id, None, by_name=False)
            if row.name == DEFAULT_TYPE:
                raise errors.InvalidVolumeType(reason="Default volume type can not be deleted.")
            used = (await s.execute(select(func.count(Volume.id)).where(
                Volume.type_id == row.id))).scalar_one()
            if used:
                raise errors.InvalidVolumeType(
                    reason=f"Volume Type {row.id} deletion is not allowed with "
                           "volumes present with the type.")
            await s.delete(row)

    async def set_extra_specs(self, type_id: str, specs: dict[str, str]) -> dict[str, str]:
        async with self.db.write() as s:
            row = await self.lookup(s, type_id, None, by_name=False)
            row.extra_specs = {**row.extra_specs, **specs}
            return dict(row.extra_specs)

    async def extra_spec(self, type_id: str, key: str) -> str:
        row = await self.get(type_id)
        if key not in row.extra_specs:
            raise errors.VolumeTypeExtraSpecsNotFound(volume_type_id=type_id, extra_specs_key=key)
        return row.extra_specs[key]

    async def delete_extra_spec(self, type_id: str, key: str) -> None:
        async with self.db.write() as s:
            row = await self.lookup(s, type_id, None, by_name=False)
            if key not in row.extra_specs:
                raise errors.VolumeTypeExtraSpecsNotFound(
                    volume_type_id=type_id, extra_specs_key=key)
            row.extra_specs = {k: v for k, v in row.extra_specs.items() if k != key}

    async def access(self, type_id: str) -> list[str]:
        async with self.db.read() as s:
            row = await self.lookup(s, type_id, None, by_name=False)
            if row.is_public:
                raise errors.VolumeTypeAccessNotFound(volume_type_id=type_id, project_id="*")
            return list((await s.execute(select(VolumeTypeAccess.project_id).where(
                VolumeTypeAccess.type_id == row.id).order_by(
                VolumeTypeAccess.project_id))).scalars())

    async def add_access(self, type_id: str, project_id: str) -> None:
        async with self.db.write() as s:
            row = await self.lookup(s, type_id, None, by_name=False)
            if row.is_public:
                raise errors.InvalidVolumeType(
                    reason="Type access modification is not applicable to "
                           "public volume type.")
            if await s.get(VolumeTypeAccess, (row.id, project_id)) is not None:
                raise errors.VolumeTypeAccessExists(volume_type_id=row.id, project_id=project_id)
            s.add(VolumeTypeAccess(type_id=row.id, project_id=project_id))

    async def remove_access(self, type_id: str, project_id: str) -> None:
        async with self.db.write() as s:
            row = await self.lookup(s, type_id, None, by_name=False)
            if row.is_public:
                raise errors.InvalidVolumeType(
                    reason="Type access modification is not applicable to "
                           "public volume type.")
            access = await s.get(VolumeTypeAccess, (row.id, project_id))
            if access is None:
                raise errors.VolumeTypeAccessNotFound(volume_type_id=row.id, project_id=project_id)
            await s.delete(access)
