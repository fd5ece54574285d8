"""Per-project limits on volumes, gigabytes and snapshots, as Cinder's DbQuotaDriver.

Usage is counted from the volumes and snapshots themselves inside the write transaction that
creates one (on SQLite that transaction holds the database's one write lock; on PostgreSQL and
MariaDB two concurrent creates may both pass the check: Cinder's reservations close that gap
and are not done yet).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.db import Database
from nubo.volume.errors import InvalidInput, OverQuota
from nubo.volume.models import Snapshot, Volume, VolumeQuota

#: Cinder's default quotas ([DEFAULT] quota_*); -1 is unlimited.
DEFAULTS: dict[str, int] = {"volumes": 10, "snapshots": 10, "gigabytes": 1000,
                            "backups": 10, "backup_gigabytes": 1000, "groups": 10,
                            "per_volume_gigabytes": -1}
#: the row key of the `default` quota class's overrides in volume_quota (a project id is a
#: UUID, never this; Cinder keeps classes in a table of their own)
DEFAULT_CLASS = "quota-class:default"
#: the resources this step counts (backups and groups are not served yet: always 0 in use)
COUNTED = ("volumes", "snapshots", "gigabytes")


@dataclass(frozen=True)
class Usage:
    volumes: int
    snapshots: int
    gigabytes: int

    def of(self, resource: str) -> int:
        return int(getattr(self, resource, 0))


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

    async def _limits(self, s: AsyncSession, project_id: str) -> dict[str, int]:
        rows = (await s.execute(select(VolumeQuota).where(
            VolumeQuota.project_id.in_((DEFAULT_CLASS, project_id))))).scalars().all()
        out = dict(DEFAULTS)
        for own in (False, True):     # the class's defaults, then the project's overrides
            out.update({r.resource: r.hard_limit for r in rows if r.resource in DEFAULTS
                        and (r.project_id == project_id) == own})
        return out

    async def defaults(self) -> dict[str, int]:
        """The `default` quota class: Cinder's defaults with an admin's changes."""
        async with self.db.read() as s:
            return await self._limits(s, DEFAULT_CLASS)

    async def update_defaults(self, changes: dict[str, int]) -> dict[str, int]:
        """Change the `default` quota class (no usage check: it limits no one by itself)."""
        unknown = sorted(set(changes) - set(DEFAULTS))
        if unknown:
            raise InvalidInput(reason=f"Bad key(s) in quota class set: {', '.join(unknown)}")
        async with self.db.write() as s:
            for resource, limit in changes.items():
                if limit < -1:
                    raise InvalidInput(reason=f"Quota limit {limit} for {resource} must be -1 or "
                                       "greater.")
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
        return Usage(int(vols), int(snaps), int(vol_gb) + int(snap_gb))

    async def update(self, project_id: str, changes: dict[str, int]) -> dict[str, int]:
        """Set the project's limits; a limit below what is in use is refused, as Cinder's
        quota-set update does (its message)."""
        unknown = sorted(set(changes) - set(DEFAULTS))
        if unknown:
            raise InvalidInput(f"Bad key(s) in quota set: {', '.join(unknown)}")
        async with self.db.write() as s:
            used = await self._usage(s, project_id)
            for resource, limit in changes.items():
                if limit < -1:
                    raise InvalidInput(f"Quota limit {limit} for {resource} must be -1 or "
                                       "greater.")
                in_use = used.of(resource)
                if limit != -1 and resource in COUNTED and limit < in_use:
                    raise InvalidInput(f"Quota {resource} limit must be equal or greater "
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
                    snapshots: int = 0, gigabytes: int = 0, volume_size: int = 0) -> None:
        """Raise OverQuota (Cinder's messages) when adding these would pass a limit. Called
        inside the write transaction that then adds them."""
        limits = await self._limits(s, project_id)
        per_volume = limits["per_volume_gigabytes"]
        if volume_size and per_volume != -1 and volume_size > per_volume:
            raise OverQuota(f"Requested volume size {volume_size}G is larger than maximum "
                            f"allowed limit {per_volume}G.")
        used = await self._usage(s, project_id)
        if gigabytes and limits["gigabytes"] != -1 and \
                used.gigabytes + gigabytes > limits["gigabytes"]:
            raise OverQuota(
                "Requested volume or snapshot exceeds allowed gigabytes quota. Requested "
                f"{gigabytes}G, quota is {limits['gigabytes']}G and {used.gigabytes}G has "
                "been consumed.")
        if volumes and limits["volumes"] != -1 and used.volumes + volumes > limits["volumes"]:
            raise OverQuota(f"Maximum number of volumes allowed ({limits['volumes']}) "
                            "exceeded for quota 'volumes'.")
        if snapshots and limits["snapshots"] != -1 and \
                used.snapshots + snapshots > limits["snapshots"]:
            raise OverQuota(f"Maximum number of snapshots allowed ({limits['snapshots']}) "
                            "exceeded for quota 'snapshots'.")
