"""Per-project limits on volumes, gigabytes and snapshots, as Cinder's DbQuotaDriver.

Usage is counted from the volumes and snapshots themselves inside the write transaction that
creates one (on SQLite that transaction holds the database's one write lock; on PostgreSQL and
MariaDB two concurrent creates may both pass the check: Cinder's reservations close that gap
and are not done yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database
from nubo.volume import errors
from nubo.volume.models import Backup, Snapshot, Volume, VolumeQuota, VolumeType

#: Cinder's default quotas ([DEFAULT] quota_*); -1 is unlimited.
DEFAULTS: dict[str, int] = {"volumes": 10, "snapshots": 10, "gigabytes": 1000,
                            "backups": 10, "backup_gigabytes": 1000, "groups": 10,
                            "per_volume_gigabytes": -1}
#: the row key of the `default` quota class's overrides in volume_quota (a project id is a
#: UUID, never this; Cinder keeps classes in a table of their own)
DEFAULT_CLASS = "quota-class:default"
#: the resources counted (groups are counted where they are made: service/groups.py)
COUNTED = ("volumes", "snapshots", "gigabytes", "backups", "backup_gigabytes")
#: Cinder's per volume type quotas, `<resource>_<type name>`: unlimited unless set
PER_TYPE = ("volumes", "gigabytes", "snapshots")


@dataclass(frozen=True)
class Usage:
    volumes: int
    snapshots: int
    gigabytes: int
    backups: int = 0
    backup_gigabytes: int = 0
    #: `<resource>_<type name>` -> in use
    per_type: dict[str, int] = field(default_factory=dict)

    def of(self, resource: str) -> int:
        if resource in self.per_type:
            return self.per_type[resource]
        return int(getattr(self, resource, 0)) if resource in COUNTED else 0


class QuotaService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def limits(self, project_id: str, session: AsyncSession | None = None
                     ) -> dict[str, int]:
        """The project's limits: its overrides over the defaults."""
        if session is None:
            async with self.db.read() as s:
                return await self._limits(s, project_id)
        return await self._limits(session, project_id)

    async def _resources(self, s: AsyncSession) -> dict[str, int]:
        """Every resource with its default: Cinder's, and -1 for each type's own."""
        out = dict(DEFAULTS)
        for name in (await s.execute(select(VolumeType.name))).scalars():
            out.update({f"{r}_{name}": -1 for r in PER_TYPE})
        return out

    async def _limits(self, s: AsyncSession, project_id: str) -> dict[str, int]:
        rows = (await s.execute(select(VolumeQuota).where(
            VolumeQuota.project_id.in_((DEFAULT_CLASS, project_id))))).scalars().all()
        out = await self._resources(s)
        for own in (False, True):     # the class's defaults, then the project's overrides
            out.update({r.resource: r.hard_limit for r in rows if r.resource in out
                        and (r.project_id == project_id) == own})
        return out

    async def defaults(self) -> dict[str, int]:
        """The `default` quota class: Cinder's defaults with an admin's changes."""
        async with self.db.read() as s:
            return await self._limits(s, DEFAULT_CLASS)

    async def update_defaults(self, changes: dict[str, int]) -> dict[str, int]:
        """Change the `default` quota class (no usage check: it limits no one by itself)."""
        async with self.db.write() as s:
            unknown = sorted(set(changes) - set(await self._resources(s)))
            if unknown:
                raise errors.InvalidInput(reason=f"Bad key(s) in quota class set: "
                                                 f"{', '.join(unknown)}")
            for resource, limit in changes.items():
                if limit < -1:
                    raise errors.InvalidInput(
                        reason=f"Quota limit {limit} for {resource} must be -1 or greater.")
                row = await s.get(VolumeQuota, (DEFAULT_CLASS, resource))
                if row is None:
                    s.add(VolumeQuota(project_id=DEFAULT_CLASS, resource=resource,
                                      hard_limit=limit))
                else:
                    row.hard_limit = limit
            await s.flush()
            return await self._limits(s, DEFAULT_CLASS)

    async def usage(self, project_id: str, session: AsyncSession | None = None) -> Usage:
        if session is None:
            async with self.db.read() as s:
                return await self._usage(s, project_id)
        return await self._usage(session, project_id)

    async def _usage(self, s: AsyncSession, project_id: str) -> Usage:
        vols, vol_gb = (await s.execute(select(
            func.count(Volume.id), func.coalesce(func.sum(Volume.size), 0)).where(
            Volume.project_id == project_id))).one()
        snaps, snap_gb = (await s.execute(select(
            func.count(Snapshot.id), func.coalesce(func.sum(Snapshot.size), 0)).where(
            Snapshot.project_id == project_id))).one()
        per_type: dict[str, int] = {}
        for name, n, gb in (await s.execute(select(
                VolumeType.name, func.count(Volume.id), func.coalesce(func.sum(Volume.size), 0))
                .join(VolumeType, VolumeType.id == Volume.type_id)
                .where(Volume.project_id == project_id).group_by(VolumeType.name))).all():
            per_type[f"volumes_{name}"], per_type[f"gigabytes_{name}"] = int(n), int(gb)
        for name, n, gb in (await s.execute(select(
                VolumeType.name, func.count(Snapshot.id),
                func.coalesce(func.sum(Snapshot.size), 0))
                .join(Volume, Volume.id == Snapshot.volume_id)
                .join(VolumeType, VolumeType.id == Volume.type_id)
                .where(Snapshot.project_id == project_id).group_by(VolumeType.name))).all():
            per_type[f"snapshots_{name}"] = int(n)
            per_type[f"gigabytes_{name}"] = per_type.get(f"gigabytes_{name}", 0) + int(gb)
        backups, backup_gb = (await s.execute(select(
            func.count(Backup.id), func.coalesce(func.sum(Backup.size), 0)).where(
            Backup.project_id == project_id))).one()
        return Usage(int(vols), int(snaps), int(vol_gb) + int(snap_gb), int(backups),
                     int(backup_gb), per_type)

    async def update(self, project_id: str, changes: dict[str, int]) -> dict[str, int]:
        """Set the project's limits; a limit below what is in use is refused, as Cinder's
        quota-set update does (its message)."""
        async with self.db.write() as s:
            unknown = sorted(set(changes) - set(await self._resources(s)))
            if unknown:
                raise errors.InvalidInput(
                    reason=f"Bad key(s) in quota set: {', '.join(unknown)}")
            used = await self._usage(s, project_id)
            for resource, limit in changes.items():
                if limit < -1:
                    raise errors.InvalidInput(
                        reason=f"Quota limit {limit} for {resource} must be -1 or "
                               "greater.")
                in_use = used.of(resource)
                # in_use: 0 for what is not counted here (groups: service/groups.py)
                if limit != -1 and limit < in_use:
                    raise errors.InvalidInput(
                        reason=f"Quota {resource} limit must be equal or greater "
                               f"than existing resources. Current usage is {in_use} "
                               f"and the requested limit is {limit}.")
                row = await s.get(VolumeQuota, (project_id, resource))
                if row is None:
                    s.add(VolumeQuota(project_id=project_id, resource=resource,
                                      hard_limit=limit))
                else:
                    row.hard_limit = limit
            await s.flush()
            return await self._limits(s, project_id)

    async def reset(self, project_id: str) -> None:
        async with self.db.write() as s:
            for row in (await s.execute(select(VolumeQuota).where(
                    VolumeQuota.project_id == project_id))).scalars():
                await s.delete(row)

    async def check(self, s: AsyncSession, project_id: str, *, volumes: int = 0,
                    snapshots: int = 0, gigabytes: int = 0, volume_size: int = 0,
                    type_name: str | None = None) -> None:
        """Raise OverQuota (Cinder's messages) when adding these would pass a limit. Called
        inside the write transaction that then adds them."""
        limits = await self._limits(s, project_id)
        per_volume = limits["per_volume_gigabytes"]
        if volume_size and per_volume != -1 and volume_size > per_volume:
            raise errors.VolumeSizeExceedsLimit(size=volume_size, limit=per_volume)
        used = await self._usage(s, project_id)
        if gigabytes and limits["gigabytes"] != -1 and \
                used.gigabytes + gigabytes > limits["gigabytes"]:
            raise errors.VolumeSizeExceedsAvailableQuota(
                requested=gigabytes, quota=limits["gigabytes"], consumed=used.gigabytes)
        if volumes and limits["volumes"] != -1 and used.volumes + volumes > limits["volumes"]:
            raise errors.VolumeLimitExceeded(allowed=limits["volumes"])
        if snapshots and limits["snapshots"] != -1 and \
                used.snapshots + snapshots > limits["snapshots"]:
            raise errors.SnapshotLimitExceeded(allowed=limits["snapshots"])
        if type_name is None:
            return
        for resource, adding in (("volumes", volumes), ("snapshots", snapshots),
                                 ("gigabytes", gigabytes)):
            key = f"{resource}_{type_name}"
            limit = limits.get(key, -1)
            if adding and limit != -1 and used.of(key) + adding > limit:
                if resource == "gigabytes":
                    raise errors.TypeGigabytesExceedsAvailableQuota(
                        name=key, requested=adding, quota=limit, consumed=used.of(key))
                raise errors.TypeLimitExceeded(resource=resource, allowed=limit, name=key)
