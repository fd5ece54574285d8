"""Flavors: the sizes servers come in, their extra specs, and which projects may use a
private one.

Who sees a flavor follows Nova: admins see every flavor; others see public flavors and the
private ones shared with their project. A flavor they cannot see is a 404 ("Flavor X could
not be found."), and for server create a 400 with the same message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute import errors
from nubo.compute import models_flavors as m
from nubo.core.context import RequestContext
from nubo.core.db import Database, Meta, utcnow
from nubo.core.errors import NotFound

#: the largest integer a flavor field may hold (Nova's db MAX_INT)
MAX_INT = 0x7FFFFFFF
SQL_SP_FLOAT_MAX = 3.40282e38
DEFAULTS_KEY = "compute.default_flavors"

#: DevStack's flavors (id, name, ram MiB, disk GB, vcpus); m1.nano fits the `nubo-test` guest
DEFAULT_FLAVORS = (
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 20, 1),
    ("3", "m1.medium", 4096, 40, 2),
    ("4", "m1.large", 8192, 80, 4),
    ("5", "m1.xlarge", 16384, 160, 8),
    ("42", "m1.nano", 128, 1, 1),
    ("84", "m1.micro", 192, 1, 1),
)

SORT_COLUMNS = {
    "created_at": m.Flavor.created_at, "description": m.Flavor.description,
    "disabled": m.Flavor.disabled, "ephemeral_gb": m.Flavor.ephemeral_gb,
    "flavorid": m.Flavor.flavorid, "id": m.Flavor.id, "is_public": m.Flavor.is_public,
    "memory_mb": m.Flavor.memory_mb, "name": m.Flavor.name, "root_gb": m.Flavor.root_gb,
    "rxtx_factor": m.Flavor.rxtx_factor, "swap": m.Flavor.swap,
    "updated_at": m.Flavor.updated_at, "vcpu_weight": m.Flavor.id, "vcpus": m.Flavor.vcpus,
}


@dataclass
class Flavor:
    """A flavor as the rest of compute uses it (`id` is the flavor id clients see)."""

    id: str
    name: str
    vcpus: int
    memory_mb: int
    root_gb: int
    ephemeral_gb: int
    swap: int
    rxtx_factor: float
    is_public: bool
    disabled: bool = False
    description: str | None = None
    extra_specs: dict[str, str] = field(default_factory=dict)


@dataclass
class FlavorQuery:
    """Filters, order and page of a flavor listing (already parsed)."""

    is_public: bool | None = True
    min_memory_mb: int | None = None
    min_root_gb: int | None = None
    sort_key: str = "flavorid"
    sort_dir: str = "asc"
    limit: int = 1000
    marker: str | None = None


def _dto(row: m.Flavor, specs: dict[str, str] | None = None) -> Flavor:
    return Flavor(id=row.flavorid, name=row.name, vcpus=row.vcpus, memory_mb=row.memory_mb,
                  root_gb=row.root_gb, ephemeral_gb=row.ephemeral_gb, swap=row.swap,
                  rxtx_factor=row.rxtx_factor, is_public=row.is_public,
                  disabled=row.disabled, description=row.description,
                  extra_specs=dict(specs or {}))


def _not_found(flavor_id: str) -> NotFound:
    return errors.FlavorNotFound(flavor_id=flavor_id)


def _visible(ctx: RequestContext) -> Any:
    if ctx.is_admin:
        return True
    shared = exists().where(m.FlavorProject.flavor_id == m.Flavor.id,
                            m.FlavorProject.project_id == ctx.project_id)
    return or_(m.Flavor.is_public.is_(True), shared)


def _int(value: Any, name: str, minimum: int) -> int:
    """Nova's utils.validate_integer, with its messages."""
    try:
        number = int(str(value))
    except ValueError:
        raise errors.InvalidInput(reason=f"{name} must be an integer.") from None
    if number < minimum:
        raise errors.InvalidInput(reason=f"{name} must be >= {minimum}")
    if number > MAX_INT:
        raise errors.InvalidInput(reason=f"{name} must be <= {MAX_INT}")
    return number


def parse_bool(value: Any) -> bool | None:
    """oslo's strict bool_from_string; None when it is not a boolean."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "t", "true", "on", "y", "yes"):
        return True
    if text in ("0", "f", "false", "off", "n", "no"):
        return False
    return None


class FlavorService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ defaults

    async def ensure_defaults(self) -> int:
        """Create DevStack's flavors once per deployment (deleting one later sticks)."""
        async with self.db.write() as s:
            if await s.get(Meta, DEFAULTS_KEY) is not None:
                return 0
            taken = {(r.flavorid, r.name) for r in (await s.execute(select(m.Flavor))).scalars()}
            ids = {i for i, _ in taken}
            names = {n for _, n in taken}
            created = 0
            for fid, name, ram, disk, vcpus in DEFAULT_FLAVORS:
                if fid in ids or name in names:
                    continue
                s.add(m.Flavor(flavorid=fid, name=name, memory_mb=ram, root_gb=disk,
                               vcpus=vcpus, ephemeral_gb=0, swap=0, rxtx_factor=1.0,
                               is_public=True, disabled=False))
                created += 1
            s.add(Meta(key=DEFAULTS_KEY, value={"done": True}))
        return created

    # ------------------------------------------------------------------ read

    async def _row(self, s: AsyncSession, ctx: RequestContext, flavor_id: str) -> m.Flavor:
        row = (await s.execute(select(m.Flavor).where(
            m.Flavor.flavorid == flavor_id, _visible(ctx)))).scalars().first()
        if row is None:
            raise _not_found(flavor_id)
        return row

    @staticmethod
    async def _specs(s: AsyncSession, pk: int) -> dict[str, str]:
        rows = (await s.execute(select(m.FlavorExtraSpec).where(
            m.FlavorExtraSpec.flavor_id == pk))).scalars()
        return {r.key: r.value for r in rows}

    async def get(self, ctx: RequestContext, flavor_id: str) -> Flavor:
        async with self.db.read() as s:
            row = await self._row(s, ctx, flavor_id)
            return _dto(row, await self._specs(s, row.id))

    async def get_for(self, ctx: RequestContext, flavor_ref: str) -> Flavor:
        """The flavor a server is created (or resized) with: a 400 when there is none."""
        flavor_id = str(flavor_ref).rstrip("/").rsplit("/", 1)[-1]
        try:
            flavor = await self.get(ctx, flavor_id)
        except NotFound:
            raise errors.InvalidFlavorRef(flavor_id=flavor_id) from None
        if flavor.disabled:
            raise errors.InvalidFlavorRef(flavor_id=flavor_id)
        return flavor

    async def find(self, ctx: RequestContext, q: FlavorQuery) -> list[Flavor]:
        stmt = select(m.Flavor).where(_visible(ctx))
        if q.min_memory_mb is not None:
            stmt = stmt.where(m.Flavor.memory_mb >= q.min_memory_mb)
        if q.min_root_gb is not None:
            stmt = stmt.where(m.Flavor.root_gb >= q.min_root_gb)
        if not ctx.is_admin:
            stmt = stmt.where(m.Flavor.disabled.is_(False))
        if q.is_public is not None:
            clause: Any = m.Flavor.is_public.is_(q.is_public)
            if q.is_public and ctx.project_id:
                clause = or_(clause, exists().where(
                    m.FlavorProject.flavor_id == m.Flavor.id,
                    m.FlavorProject.project_id == ctx.project_id))
            stmt = stmt.where(clause)
        col = SORT_COLUMNS[q.sort_key]
        if q.sort_dir == "desc":
            stmt = stmt.order_by(col.desc(), m.Flavor.id.desc())
        else:
            stmt = stmt.order_by(col.asc(), m.Flavor.id.asc())
        async with self.db.read() as s:
            rows = list((await s.execute(stmt)).scalars())
            if q.marker is not None:
                marker = (await s.execute(select(m.Flavor.id).where(
                    m.Flavor.flavorid == q.marker, _visible(ctx)))).scalar()
                if marker is None:
                    raise errors.MarkerNotFound(marker=q.marker)
                # Rows after the marker in this order; a marker filtered out of this
                # listing still pages from where it would sort.
                rows = _after(rows, marker, q, await s.get(m.Flavor, marker))
            rows = rows[:q.limit]
            return [_dto(r) for r in rows]

    # ------------------------------------------------------------------ write

    async def create(self, body: dict[str, Any]) -> Flavor:
        flavor_id = body.get("id")
        flavor_id = str(uuid.uuid4()) if flavor_id in (None, "") else str(flavor_id)
        values = {
            "memory_mb": _int(body["ram"], "ram", 1),
            "vcpus": _int(body["vcpus"], "vcpus", 1),
            "root_gb": _int(body["disk"], "disk", 0),
            "ephemeral_gb": _int(body.get("OS-FLV-EXT-DATA:ephemeral", 0), "ephemeral", 0),
            "swap": _int(body.get("swap", 0), "swap", 0),
        }
        try:
            rxtx = float(body.get("rxtx_factor", 1.0))
        except ValueError:
            rxtx = 0.0
        if not 0 < rxtx <= SQL_SP_FLOAT_MAX:
            raise errors.InvalidInput(reason="'rxtx_factor' argument must be a float between 0 "
                                             f"and {SQL_SP_FLOAT_MAX:g}")
        is_public = parse_bool(body.get("os-flavor-access:is_public", True))
        if is_public is None:
            raise errors.InvalidInput(reason="is_public must be a boolean")
        name = str(body["name"]).strip()
        async with self.db.write() as s:
            if (await s.execute(select(m.Flavor.id).where(
                    m.Flavor.flavorid == flavor_id))).first():
                raise errors.FlavorIdExists(flavor_id=flavor_id)
            if (await s.execute(select(m.Flavor.id).where(m.Flavor.name == name))).first():
                raise errors.FlavorExists(name=name)
            row = m.Flavor(flavorid=flavor_id, name=name, rxtx_factor=rxtx,
                           is_public=is_public, disabled=False,
                           description=body.get("description"), **values)
            s.add(row)
        return _dto(row)

    async def set_description(self, ctx: RequestContext, flavor_id: str,
                              description: str | None) -> Flavor:
        """PUT /flavors/{id} (2.55): the description is the one thing that may change."""
        async with self.db.write() as s:
            row = await self._row(s, ctx, flavor_id)
            row.description, row.updated_at = description, utcnow()
        return await self.get(ctx, flavor_id)

    async def delete(self, ctx: RequestContext, flavor_id: str) -> None:
        async with self.db.write() as s:
            row = (await s.execute(select(m.Flavor).where(
                m.Flavor.flavorid == flavor_id))).scalars().first()
            if row is None:
                raise _not_found(flavor_id)
            await s.execute(delete(m.FlavorExtraSpec).where(
                m.FlavorExtraSpec.flavor_id == row.id))
            await s.execute(delete(m.FlavorProject).where(m.FlavorProject.flavor_id == row.id))
            await s.delete(row)

    # ------------------------------------------------------------------ extra specs

    async def extra_specs(self, ctx: RequestContext, flavor_id: str) -> dict[str, str]:
        return (await self.get(ctx, flavor_id)).extra_specs

    async def set_extra_specs(self, ctx: RequestContext, flavor_id: str,
                              specs: dict[str, Any]) -> None:
        async with self.db.write() as s:
            row = await self._row(s, ctx, flavor_id)
            for key, value in specs.items():
                text = value if isinstance(value, str) else str(value)
                if len(text) > 255:
                    raise errors.InvalidInput(
                        reason="extra_specs value has more than 255 characters.")
                spec = await s.get(m.FlavorExtraSpec, (row.id, key))
                if spec is None:
                    s.add(m.FlavorExtraSpec(flavor_id=row.id, key=key, value=text))
                else:
                    spec.value = text
            row.updated_at = utcnow()

    async def delete_extra_spec(self, ctx: RequestContext, flavor_id: str, key: str) -> None:
        async with self.db.write() as s:
            row = await self._row(s, ctx, flavor_id)
            spec = await s.get(m.FlavorExtraSpec, (row.id, key))
            if spec is None:
                raise errors.FlavorExtraSpecsNotFound(flavor_id=flavor_id, extra_specs_key=key)
            await s.delete(spec)

    # ------------------------------------------------------------------ access

    async def access(self, ctx: RequestContext, flavor_id: str) -> tuple[Flavor, list[str]]:
        async with self.db.read() as s:
            row = await self._row(s, ctx, flavor_id)
            projects = (await s.execute(select(m.FlavorProject.project_id).where(
                m.FlavorProject.flavor_id == row.id).order_by(
                m.FlavorProject.project_id))).scalars().all()
            return _dto(row), list(projects)

    async def add_access(self, ctx: RequestContext, flavor_id: str, project_id: str) -> None:
        async with self.db.write() as s:
            row = await self._row(s, ctx, flavor_id)
            if await s.get(m.FlavorProject, (row.id, project_id)) is not None:
                raise errors.FlavorAccessExists(flavor_id=flavor_id, project_id=project_id)
            s.add(m.FlavorProject(flavor_id=row.id, project_id=project_id))

    async def remove_access(self, ctx: RequestContext, flavor_id: str,
                            project_id: str) -> None:
        async with self.db.write() as s:
            row = await self._row(s, ctx, flavor_id)
            link = await s.get(m.FlavorProject, (row.id, project_id))
            if link is None:
                raise errors.FlavorAccessNotFound(flavor_id=flavor_id, project_id=project_id)
            await s.delete(link)


def _after(rows: list[m.Flavor], marker_pk: int, q: FlavorQuery,
           marker: m.Flavor | None) -> list[m.Flavor]:
    for i, r in enumerate(rows):
        if r.id == marker_pk:
            return rows[i + 1:]
    if marker is None:
        return []
    attr = SORT_COLUMNS[q.sort_key].key
    key = (getattr(marker, attr), marker.id)

    def later(r: m.Flavor) -> bool:
        mine = (getattr(r, attr), r.id)
        try:
            return mine < key if q.sort_dir == "desc" else mine > key
        except TypeError:           # None against a value: Nova's NULLs sort first
            return mine[0] is not None if q.sort_dir != "desc" else mine[0] is None
    return [r for r in rows if later(r)]
