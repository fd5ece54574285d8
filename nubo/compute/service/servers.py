"""Servers: create, list, show, update, delete, power actions, lock, metadata, actions log.

The API checks (flavor, image, key, quota, zone), writes the instance rows and the `create`
action in one transaction, and hands the rest to the conductor; a server is never half
created: it exists in BUILD or not at all.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import secrets
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute import errors, states
from nubo.compute.conductor.manager import Conductor
from nubo.compute.conductor.resize import plan as resize_plan
from nubo.compute.conductor.snapshot import create_record as create_snapshot_record
from nubo.compute.conductor.snapshot import owner_context
from nubo.compute.models import Instance, InstanceAction, InstanceActionEvent, InstanceMetadata
from nubo.compute.service.boot_volumes import BootPlan, BootPlanner
from nubo.compute.service.flavors import FlavorService
from nubo.compute.service.groups import GroupService
from nubo.compute.service.keypairs import KeypairService
from nubo.compute.service.networking import ComputeNetworking
from nubo.compute.service.quotas import DEFAULTS, Limits, QuotaService
from nubo.compute.service.server_secgroups import bindings
from nubo.compute.service.server_view import ServerView
from nubo.compute.service.server_volumes import volumes_in
from nubo.compute.service.servers_query import filter_by_ip, more_filters
from nubo.compute.service.tags import filter_by_tags, tag_map
from nubo.core.context import RequestContext
from nubo.core.db import Database, Meta, utcnow
from nubo.core.errors import BadRequest, Conflict, NotFound, NuboError
from nubo.image.api import ImageApi


def _bad_image(image_ref: str) -> BadRequest:
    return errors.ImageNotFound(image_id=image_ref)


class ComputeCatalog(Protocol):
    """What servers need of the rest of compute (compute/api/wiring.py's Catalog has
    them): flavors, keypairs, quotas and server groups."""

    @property
    def flavors(self) -> FlavorService: ...

    @property
    def keypairs(self) -> KeypairService: ...

    @property
    def quotas(self) -> QuotaService: ...

    @property
    def groups(self) -> GroupService: ...


async def image_props(images: ImageApi, image_ref: str) -> dict[str, Any] | None:
    """An image's id and properties, for the scheduler and the driver (admin view); None
    when there is no such image."""
    ctx = RequestContext(request_id="req-conductor", roles=("admin",))
    try:
        view = await images.images.get(ctx, image_ref)
    except NotFound:
        return None
    return _image_doc(view)


class ServerService:
    def __init__(self, db: Database, conductor: Conductor, compute: ComputeCatalog,
                 images: ImageApi, networking: ComputeNetworking,
                 boot: BootPlanner | None = None) -> None:
        """`boot`: block_device_mapping_v2's volumes (None: no block storage, servers boot
        from images only)."""
        self.boot = boot
        self.db = db
        self.conductor = conductor
        self.compute = compute
        self.images = images
        self.networking = networking

    # ------------------------------------------------------------------ lookups

    async def load_in(self, s: AsyncSession, ctx: RequestContext, server_id: str) -> Instance:
        """The server's row read in the caller's transaction `s`, if the caller may see it
        (its project's, or any for an admin); NotFound otherwise, and when deleted."""
        inst = await s.get(Instance, server_id) if _is_uuid(server_id) else None
        if inst is None or inst.deleted or (not ctx.is_admin
                                            and inst.project_id != ctx.project_id):
            raise errors.InstanceNotFound(instance_id=server_id)
        return inst

    async def get(self, ctx: RequestContext, server_id: str) -> ServerView:
        async with self.db.read() as s:     # one transaction: clients poll this
            inst = await self.load_in(s, ctx, server_id)
            meta = await _metadata_map(s, [inst.id])
            tags = (await tag_map(s, [inst]))[inst.id]
            with_ports: set[str] = set()
            addresses = (await self.networking.addresses_in(s, [inst.id], with_ports))[inst.id]
            # a server without ports has no groups to show (nothing more to read)
            bound = (await bindings(s, [inst.id])).get(inst.id) if with_ports else None
            vols = (await volumes_in(s, [inst.id]))[inst.id]
        groups = None if bound is None else [g.name or g.id for g in bound]
        return ServerView(inst, meta.get(inst.id, {}), tags=tags, addresses=addresses,
                          security_groups=groups,
                          volumes=[(x.volume_id, x.delete_on_termination) for x in vols])

    async def image_props(self, image_ref: str) -> dict[str, Any] | None:
        """An image's id and properties, for the scheduler and the driver (admin view)."""
        return await image_props(self.images, image_ref)

    # ------------------------------------------------------------------ create

    async def create(self, ctx: RequestContext, body: dict[str, Any]) -> list[ServerView]:
        srv = body["server"]
        flavor = await self.compute.flavors.get_for(ctx, str(srv["flavorRef"]))
        boot = await self._boot_plan(ctx, srv)
        if boot.image_ref is not None:
            image = await self.check_image(ctx, boot.image_ref, flavor)
        elif boot.volume_image is not None:     # the root volume's image: its properties
            image = {**await self.check_image(ctx, boot.volume_image, None), "id": ""}
        else:
            image = {"id": "", "properties": {}}
        key_data = None
        if srv.get("key_name"):
            key_data = (await self.compute.keypairs.get_for(ctx, srv["key_name"])).public_key
        requested = await self.networking.check(ctx, srv.get("networks"))
        user_data = srv.get("user_data")
        _check_user_data(user_data)
        await self._check_metadata_quota(ctx, len(srv.get("metadata") or {}))
        zone = srv.get("availability_zone")
        if zone:
            zone = await self._check_zone(ctx, zone)
        min_count, max_count = _counts(srv)
        if srv.get("hostname") and max_count > 1:
            raise errors.HostnameWithMultipleInstances()
        if max_count > 1 and any(r.port_id for r in requested):
            raise errors.MultiplePortsNotApplicable()
        if max_count > 1 and any(r.fixed_ip for r in requested):
            raise errors.InvalidFixedIpAndMaxCountRequest()
        count, limits = await self._quota_count(ctx, flavor, min_count, max_count)
        config_drive = str(srv.get("config_drive", "")).lower() in ("true", "1", "yes", "on")
        hints = body.get("OS-SCH-HNT:scheduler_hints") or body.get("os:scheduler_hints") or {}
        group = hints.get("group")
        if group is not None:
            if not isinstance(group, str) or not _is_uuid(group):
                raise errors.FieldValidationError(path="group", value=group,
                                                  message="It is not a server group UUID.")
            try:
                await self.compute.groups.get(ctx, group)
            except NotFound:
                raise errors.InvalidServerGroup(group=group) from None
        reservation = f"r-{secrets.token_hex(4)}"
        flavor_doc = {"id": flavor.id, "name": flavor.name, "vcpus": flavor.vcpus,
                      "ram": flavor.memory_mb, "disk": flavor.root_gb,
                      "ephemeral": flavor.ephemeral_gb, "swap": flavor.swap,
                      "extra_specs": dict(flavor.extra_specs)}
        created: list[ServerView] = []
        now = utcnow()
        for attempt in range(5):      # the seq lock row's first insert may race: retry
            try:
                created = []
                async with self.db.write() as s:
                    seq = await _last_seq(s, self.db.is_sqlite)
                    for i in range(count):
                        name = srv["name"] if count == 1 else f"{srv['name']}-{i + 1}"
                        inst = Instance(
                            id=str(uuid.uuid4()), seq=seq + i + 1, name=name,
                            project_id=ctx.project_id or "", user_id=ctx.user_id or "",
                            flavor=flavor_doc, image_ref=image["id"],
                            vcpus=flavor.vcpus, memory_mb=flavor.memory_mb,
                            key_name=srv.get("key_name"), key_data=key_data,
                            user_data=user_data, config_drive=config_drive,
                            availability_zone=zone, vm_state=states.BUILDING,
                            task_state=states.SCHEDULING, power_state=states.NOSTATE,
                            reservation_id=reservation, launch_index=i,
                            access_ipv4=srv.get("accessIPv4"),
                            access_ipv6=_ipv6(srv.get("accessIPv6")),
                            # Nova: nameless entries dropped, each name once
                            security_groups=list(dict.fromkeys(
                                g["name"] for g in srv.get("security_groups") or []
                                if g.get("name"))) or ["default"],
                            description=srv.get("description"),
                            # the image as it was checked here, for the scheduler and the
                            # driver (Nova keeps it in the RequestSpec too): one less lookup
                            request_spec={"hints": hints, "tried": [], "group": group,
                                          "image": image,
                                          "networks": [r.as_dict() for r in requested],
                                          **({"bdms": boot.bdms} if boot.bdms else {}),
                                          **({"volume_backed": True}
                                             if boot.volume_backed else {}),
                                          # a multi-create: scheduled one at a time
                                          **({"batch": reservation} if count > 1 else {}),
                                          **_later_fields(srv)},
                            created_at=now,
                            updated_at=now, task_started_at=now)
                        s.add(inst)
                        for k, v in (srv.get("metadata") or {}).items():
                            s.add(InstanceMetadata(instance_id=inst.id, key=k, value=v))
                        s.add(InstanceAction(instance_id=inst.id, request_id=ctx.request_id,
                                             action="create", project_id=inst.project_id,
                                             user_id=inst.user_id, start_time=now,
                                             updated_at=now))
                        created.append(ServerView(inst, dict(srv.get("metadata") or {})))
                    if group:
                        await self.compute.groups.add_members(
                            s, group, [v.instance.id for v in created])
                break
            except Conflict:
                if attempt == 4:
                    raise
        await self._recheck_quota(ctx, [v.instance.id for v in created], limits)
        for view in created:
            self.conductor.build_created(view.instance)
        return created

    async def _recheck_quota(self, ctx: RequestContext, ids: list[str], limits: Limits
                             ) -> None:
        """Nova's quota recheck: two creates racing past the first check cannot both stay
        over the limit; the one that finds usage over it removes its rows and says so.
        Usage is counted again, against the limits the first check read."""
        try:
            await self.compute.quotas.check(ctx, ctx.project_id or "", ctx.user_id, {
                "instances": 0, "cores": 0, "ram": 0}, limits)
        except NuboError:
            async with self.db.write() as s:
                for iid in ids:
                    for model in (InstanceMetadata, InstanceAction):
                        for child in (await s.execute(select(model).where(
                                model.instance_id == iid))).scalars():
                            await s.delete(child)
                    inst = await s.get(Instance, iid)
                    if inst is not None:
                        await s.delete(inst)
            raise

    async def _boot_plan(self, ctx: RequestContext, srv: dict[str, Any]) -> BootPlan:
        """The image or the volumes the server boots from (boot_volumes.py); without block
        storage only an image (a volume mapping is refused)."""
        _lo, max_count = _counts(srv)
        if self.boot is not None:
            return await self.boot.plan(ctx, srv, max_count,
                                        lambda ref: self._image_usable(ctx, ref))
        image_ref = srv.get("imageRef") or _bdm_image(srv.get("block_device_mapping_v2"))
        if not image_ref:
            raise errors.MissingImageRef()
        return BootPlan(image_ref)

    async def _image_usable(self, ctx: RequestContext, image_ref: str) -> bool:
        if not _is_uuid(image_ref):
            return False
        try:
            view = await self.images.images.get(ctx, image_ref)
        except NotFound:
            return False
        return bool(view.image.status == "active")

    async def check_image(self, ctx: RequestContext, image_ref: str, flavor: Any
                          ) -> dict[str, Any]:
        """The image a server boots (or is rescued) from, as the scheduler sees it:
        BadRequest when it is not there, not active or too big for the flavor (None: a
        volume-backed server's image, whose size the flavor's disk does not bound)."""
        if not _is_uuid(image_ref):
            raise _bad_image(image_ref)
        try:
            view = await self.images.images.get(ctx, image_ref)
        except NotFound:
            raise _bad_image(image_ref) from None
        img = view.image
        if img.status != "active":
            raise errors.ImageNotActive(image_id=image_ref)
        if flavor is None:
            return _image_doc(view)
        if img.min_ram and flavor.memory_mb < img.min_ram:
            raise errors.FlavorMemoryTooSmall()
        if flavor.root_gb:
            if img.min_disk and flavor.root_gb < img.min_disk:
                raise errors.FlavorDiskSmallerThanMinDisk(flavor_size=flavor.root_gb * 1024**3,
                                                          image_min_disk=img.min_disk * 1024**3)
            if img.size and img.size > flavor.root_gb * 1024**3:
                raise errors.FlavorDiskSmallerThanImage(flavor_size=flavor.root_gb * 1024**3,
                                                        image_size=img.size)
        return _image_doc(view)

    async def _check_zone(self, ctx: RequestContext, zone: str) -> str:
        name, _, host = zone.partition(":")
        hosts = await self.conductor.host_states()
        zones = {h.availability_zone for h in hosts} | {"nova"}
        if name and name not in zones:
            raise errors.AvailabilityZoneNotAvailable()
        if host and not ctx.is_admin:
            raise errors.HostRequestForbidden()
        return name or "nova"

    async def _quota_count(self, ctx: RequestContext, flavor: Any, lo: int, hi: int
                           ) -> tuple[int, Limits]:
        """As many servers as the quota allows between min_count and max_count, and the
        limits that allowed them."""
        limits: Limits | None = None
        for count in (hi, lo) if hi != lo else (hi,):
            try:
                limits = await self.compute.quotas.check(ctx, ctx.project_id or "", ctx.user_id, {
                    "instances": count, "cores": count * flavor.vcpus,
                    "ram": count * flavor.memory_mb}, limits)
                return count, limits
            except NuboError:
                if count == lo:
                    raise
        raise AssertionError("unreachable: the last count either passes or raises")

    # ------------------------------------------------------------------ list

    async def list_servers(self, ctx: RequestContext, q: dict[str, Any]) -> list[ServerView]:
        # Core rows of the instance's columns (attribute access by the same names as
        # Instance's, read-only): no ORM objects to build for a list
        stmt = select(*Instance.__table__.columns)
        all_tenants = ctx.is_admin and _truthy(q.get("all_tenants"))
        if not all_tenants:
            stmt = stmt.where(Instance.project_id == ctx.project_id)
        elif q.get("project_id") or q.get("tenant_id"):
            stmt = stmt.where(Instance.project_id == (q.get("project_id") or q.get("tenant_id")))
        changes_since, changes_before = q.get("changes-since"), q.get("changes-before")
        if changes_since:
            stmt = stmt.where(Instance.updated_at >= _parse_time(changes_since))
        if changes_before:       # 2.66; like changes-since it includes deleted servers
            stmt = stmt.where(Instance.updated_at <= _parse_time(changes_before))
        if changes_since or changes_before:
            pass                 # these list deleted servers too, as Nova does
        elif not (ctx.is_admin and _truthy(q.get("deleted"))):
            stmt = stmt.where(Instance.deleted.is_(False))
        elif ctx.is_admin and _truthy(q.get("deleted")):
            stmt = stmt.where(Instance.deleted.is_(True))
        if q.get("status"):
            vm, tasks = states.statuses_to_states(q["status"])
            if not vm:
                return []
            stmt = stmt.where(Instance.vm_state.in_(vm))
            if tasks == [None]:
                stmt = stmt.where(Instance.task_state.is_(None))
            elif tasks:
                stmt = stmt.where(Instance.task_state.in_(tasks))
        if q.get("image"):
            stmt = stmt.where(Instance.image_ref == q["image"].rsplit("/", 1)[-1])
        if ctx.is_admin and q.get("host"):
            stmt = stmt.where(Instance.host == q["host"])
        if q.get("reservation_id"):
            stmt = stmt.where(Instance.reservation_id == q["reservation_id"])
        key = q.get("sort_key") or "created_at"
        if key not in ("created_at", "updated_at", "display_name", "name", "uuid", "id",
                       "vm_state", "task_state", "launched_at", "host"):
            raise errors.InvalidSortKey(key=key)
        col = {"display_name": Instance.name, "name": Instance.name, "uuid": Instance.id,
               "id": Instance.id}.get(key, getattr(Instance, key, Instance.created_at))
        direction = q.get("sort_dir") or "desc"
        if direction not in ("asc", "desc"):
            raise errors.InvalidSortDirection(direction=direction)
        stmt = stmt.order_by(col.asc() if direction == "asc" else col.desc(),
                             Instance.id.asc() if direction == "asc" else Instance.id.desc())
        async with self.db.read() as s:
            rows: list[Any]
            if PYTHON_FILTERS.intersection(q):
                rows = list((await s.execute(stmt)).all())
                rows = _python_filters(rows, q)
                rows = await filter_by_tags(s, rows, q)
                rows = await filter_by_ip(s, rows, q)
                rows = _page(rows, q)
            elif q.get("marker"):
                # the page cut on the ids in the same order, then the page's rows only
                order = _page(list((await s.execute(stmt.with_only_columns(
                    Instance.id))).all()), q)
                rows = await _rows_in_order(s, stmt, [r.id for r in order])
            else:
                rows = list((await s.execute(stmt.limit(_limit(q)))).all())
            ids = [r.id for r in rows]
            meta = await _metadata_map(s, ids)
            tags = await tag_map(s, rows)
            vols = await volumes_in(s, ids)
            # as `get`: in the same transaction, and the groups of servers with ports only
            # (the others have none to show: no query when no server has a port)
            with_ports: set[str] = set()
            addresses = await self.networking.addresses_in(s, ids, with_ports) if ids else {}
            bound = await bindings(s, [i for i in ids if i in with_ports]) if with_ports else {}
        groups = {i: [g.name or g.id for g in found] for i, found in bound.items()}
        return [ServerView(cast(Instance, r), meta.get(r.id, {}), tags=tags[r.id],
                           addresses=addresses[r.id], security_groups=groups.get(r.id),
                           volumes=[(x.volume_id, x.delete_on_termination)
                                    for x in vols[r.id]]) for r in rows]

    # ------------------------------------------------------------------ changes

    async def update(self, ctx: RequestContext, server_id: str, data: dict[str, Any]
                     ) -> ServerView:
        async with self.db.write() as s:
            inst = await self.load_in(s, ctx, server_id)
            if "name" in data:
                inst.name = data["name"]
            if "accessIPv4" in data:
                inst.access_ipv4 = data["accessIPv4"]
            if "accessIPv6" in data:
                inst.access_ipv6 = _ipv6(data["accessIPv6"])
            _set_later_fields(inst, data)
            inst.updated_at = utcnow()
            meta = await _metadata_map(s, [inst.id])
        return ServerView(inst, meta.get(inst.id, {}))

    async def begin_action(self, ctx: RequestContext, server_id: str, action: str,
                           allowed_vm: tuple[str, ...], task: str | None,
                           allowed_task: tuple[str | None, ...] = (None,),
                           plan: Any = None) -> Instance:
        """Start an action: check the state, set the task, log the action; `plan(inst)`
        returns request_spec entries to store in the same transaction."""
        async with self.db.write() as s:
            inst = await self.load_in(s, ctx, server_id)
            if inst.locked and not ctx.is_admin:
                raise errors.InstanceIsLocked(instance_uuid=inst.id)
            if inst.vm_state not in allowed_vm or inst.task_state not in allowed_task:
                attr, state = ("task_state", str(inst.task_state)) \
                    if inst.task_state not in allowed_task else ("vm_state", inst.vm_state)
                raise errors.InstanceInvalidState(action=action, uuid=inst.id, attr=attr,
                                                  state=state)
            if plan is not None:
                inst.request_spec = {**(inst.request_spec or {}), **plan(inst)}
            if task is not None:
                inst.task_state, inst.task_started_at = task, utcnow()
                inst.updated_at = utcnow()
                s.add(InstanceAction(instance_id=inst.id, request_id=ctx.request_id,
                                     action=action, project_id=inst.project_id,
                                     user_id=ctx.user_id or "", start_time=utcnow(),
                                     updated_at=utcnow()))
            return inst

    async def delete(self, ctx: RequestContext, server_id: str) -> None:
        async with self.db.write() as s:
            inst = await self.load_in(s, ctx, server_id)
            if inst.locked and not ctx.is_admin:
                raise errors.InstanceIsLocked(instance_uuid=inst.id)
            if inst.task_state != states.DELETING:
                inst.task_state, inst.task_started_at = states.DELETING, utcnow()
                inst.updated_at = utcnow()
                s.add(InstanceAction(instance_id=inst.id, request_id=ctx.request_id,
                                     action="delete", project_id=inst.project_id,
                                     user_id=ctx.user_id or "", start_time=utcnow(),
                                     updated_at=utcnow()))
            building = inst.vm_state == states.BUILDING
        # Runs after any operation in flight on the instance; a build still running sees
        # DELETING at its next step and stops early.
        del building
        self.conductor.spawn_task(inst.id, self.conductor.delete)

    async def start(self, ctx: RequestContext, server_id: str) -> None:
        await self.begin_action(ctx, server_id, "start", (states.STOPPED,), states.POWERING_ON)
        self.conductor.spawn_task(server_id, self.conductor.power)

    async def stop(self, ctx: RequestContext, server_id: str) -> None:
        await self.begin_action(ctx, server_id, "stop", (states.ACTIVE, states.ERROR),
                                states.POWERING_OFF)
        self.conductor.spawn_task(server_id, self.conductor.power)

    async def reboot(self, ctx: RequestContext, server_id: str, hard: bool) -> None:
        if hard:
            await self.begin_action(ctx, server_id, "reboot", (states.ACTIVE, states.STOPPED,
                                                               states.ERROR),
                                    states.REBOOTING_HARD, (None, states.REBOOTING))
        else:
            await self.begin_action(ctx, server_id, "reboot", (states.ACTIVE,), states.REBOOTING)
        self.conductor.spawn_task(server_id, self.conductor.power)

    async def resize(self, ctx: RequestContext, server_id: str, flavor_ref: str) -> None:
        flavor = await self.compute.flavors.get_for(ctx, flavor_ref)
        current = (await self.get(ctx, server_id)).instance
        old = current.flavor
        if str(flavor.id) == str(old["id"]):
            raise errors.CannotResizeToSameFlavor()
        if flavor.root_gb < old["disk"]:
            raise errors.CannotResizeDisk()
        if current.image_ref:
            await self.check_image(ctx, current.image_ref, flavor)
        grow = {"cores": max(flavor.vcpus - old["vcpus"], 0),
                "ram": max(flavor.memory_mb - old["ram"], 0)}
        if any(grow.values()):
            await self.compute.quotas.check(ctx, current.project_id, current.user_id, grow)
        new = {"id": flavor.id, "name": flavor.name, "vcpus": flavor.vcpus,
               "ram": flavor.memory_mb, "disk": flavor.root_gb,
               "ephemeral": flavor.ephemeral_gb, "swap": flavor.swap,
               "extra_specs": dict(flavor.extra_specs)}
        await self.begin_action(ctx, server_id, "resize", (states.ACTIVE, states.STOPPED),
                                states.RESIZE_PREP, plan=lambda i: {"resize": resize_plan(i, new)})
        self.conductor.spawn_task(server_id, self.conductor.resizer.resize)

    async def create_image(self, ctx: RequestContext, server_id: str, name: str,
                           metadata: dict[str, str]) -> str:
        current = (await self.get(ctx, server_id)).instance
        if current.locked and not ctx.is_admin:
            raise errors.InstanceIsLocked(instance_uuid=current.id)
        if current.vm_state not in (states.ACTIVE, states.STOPPED, states.PAUSED,
                                    states.SUSPENDED) or current.task_state is not None:
            attr, state = ("task_state", current.task_state) if current.task_state is not None \
                else ("vm_state", current.vm_state)
            raise errors.InstanceInvalidState(action="createImage", uuid=current.id, attr=attr,
                                              state=state)
        image_id = await create_snapshot_record(self.images, ctx, current, name, metadata)
        try:
            await self.begin_action(ctx, server_id, "createImage",
                                    (states.ACTIVE, states.STOPPED, states.PAUSED,
                                     states.SUSPENDED), states.IMAGE_SNAPSHOT,
                                    plan=lambda i: {"snapshot": {"image_id": image_id}})
        except NuboError:
            await self.images.images.delete(owner_context(current), image_id)
            raise
        self.conductor.spawn_task(server_id, self.conductor.snapshotter.snapshot)
        return image_id

    async def rebuild(self, ctx: RequestContext, server_id: str, arg: dict[str, Any]
                      ) -> ServerView:
        """Rebuild on the same host from an image (the same or another one)."""
        current = (await self.get(ctx, server_id)).instance
        f = current.flavor
        flavor = SimpleNamespace(memory_mb=f["ram"], root_gb=f["disk"])
        image = await self.check_image(ctx, arg["imageRef"], flavor)
        await self._check_metadata_quota(ctx, len(arg.get("metadata") or {}))

        _check_user_data(arg.get("user_data"))
        key_data = None
        if arg.get("key_name"):      # 2.54: a new key pair (null removes it)
            key_data = (await self.compute.keypairs.get_for(ctx, arg["key_name"])).public_key

        def plan(inst: Instance) -> dict[str, Any]:
            if "name" in arg:
                inst.name = arg["name"]
            if "accessIPv4" in arg:
                inst.access_ipv4 = arg["accessIPv4"]
            if "accessIPv6" in arg:
                inst.access_ipv6 = _ipv6(arg["accessIPv6"])
            _set_later_fields(inst, arg, key_data)
            return {"rebuild": {"image_ref": image["id"], "old_vm_state": inst.vm_state}}
        await self.begin_action(ctx, server_id, "rebuild", (states.ACTIVE, states.STOPPED,
                                                            states.ERROR),
                                states.REBUILDING, plan=plan)
        if "metadata" in arg:
            await self.set_metadata(ctx, server_id, arg["metadata"], replace=True)
        self.conductor.spawn_task(server_id, self.conductor.rebuild)
        return await self.get(ctx, server_id)

    async def reset_state(self, ctx: RequestContext, server_id: str, state: str) -> None:
        async with self.db.write() as s:
            inst = await self.load_in(s, ctx, server_id)
            inst.vm_state = states.ACTIVE if state == "active" else states.ERROR
            inst.task_state, inst.task_started_at = None, None
            inst.updated_at = utcnow()
            s.add(InstanceAction(instance_id=inst.id, request_id=ctx.request_id,
                                 action="os-resetState", project_id=inst.project_id,
                                 user_id=ctx.user_id or "", start_time=utcnow(),
                                 finish_time=utcnow(), updated_at=utcnow()))

    async def confirm_resize(self, ctx: RequestContext, server_id: str) -> None:
        await self.begin_action(ctx, server_id, "confirmResize", (states.RESIZED,),
                                states.RESIZE_CONFIRMING)
        self.conductor.spawn_task(server_id, self.conductor.resizer.confirm)

    async def revert_resize(self, ctx: RequestContext, server_id: str) -> None:
        await self.begin_action(ctx, server_id, "revertResize", (states.RESIZED,),
                                states.RESIZE_REVERTING)
        self.conductor.spawn_task(server_id, self.conductor.resizer.revert)

    async def lock(self, ctx: RequestContext, server_id: str, locked: bool,
                   reason: str | None = None) -> None:
        async with self.db.write() as s:
            inst = await self.load_in(s, ctx, server_id)
            inst.locked, inst.locked_reason = locked, reason if locked else None
            inst.updated_at = utcnow()
            s.add(InstanceAction(instance_id=inst.id, request_id=ctx.request_id,
                                 action="lock" if locked else "unlock",
                                 project_id=inst.project_id, user_id=ctx.user_id or "",
                                 start_time=utcnow(), finish_time=utcnow(),
                                 updated_at=utcnow()))

    # ------------------------------------------------------------------ metadata

    async def _metadata_limit(self, ctx: RequestContext) -> int:
        """Nova's metadata_items quota of the caller's project (server_metadata_items under
        unified limits); -1: none."""
        limits = await self.compute.quotas.limits(ctx.project_id or "")
        return int(limits.get("metadata_items", DEFAULTS["metadata_items"]))

    async def _check_metadata_quota(self, ctx: RequestContext, count: int) -> None:
        """Nova's _check_metadata_properties_quota; the limit is read only when there is
        metadata to check (most boots have none)."""
        if count:
            _check_metadata_count(count, await self._metadata_limit(ctx))

    async def set_metadata(self, ctx: RequestContext, server_id: str, items: dict[str, str],
                           replace: bool) -> dict[str, str]:
        limit = await self._metadata_limit(ctx) if items else DEFAULTS["metadata_items"]
        async with self.db.write() as s:
            inst = await self.load_in(s, ctx, server_id)
            if inst.locked and not ctx.is_admin:
                raise errors.InstanceIsLocked(instance_uuid=inst.id)
            current = (await _metadata_map(s, [inst.id])).get(inst.id, {})
            merged = dict(items) if replace else {**current, **items}
            _check_metadata_count(len(merged), limit)
            for row in (await s.execute(select(InstanceMetadata).where(
                    InstanceMetadata.instance_id == inst.id))).scalars():
                await s.delete(row)
            await s.flush()
            for k, v in merged.items():
                s.add(InstanceMetadata(instance_id=inst.id, key=k, value=v))
            inst.updated_at = utcnow()
            return merged

    async def delete_metadata(self, ctx: RequestContext, server_id: str, key: str) -> None:
        async with self.db.write() as s:
            inst = await self.load_in(s, ctx, server_id)
            row = await s.get(InstanceMetadata, (inst.id, key))
            if row is None:
                raise errors.MetadataItemNotFound()
            await s.delete(row)

    # ------------------------------------------------------------------ actions log

    async def actions(self, ctx: RequestContext, server_id: str) -> list[InstanceAction]:
        async with self.db.read() as s:
            inst = await s.get(Instance, server_id) if _is_uuid(server_id) else None
            if inst is None or (not ctx.is_admin and inst.project_id != ctx.project_id):
                raise errors.InstanceNotFound(instance_id=server_id)
            return list((await s.execute(select(InstanceAction).where(
                InstanceAction.instance_id == server_id).order_by(
                InstanceAction.start_time.desc(), InstanceAction.id.desc()))).scalars())

    async def action(self, ctx: RequestContext, server_id: str, request_id: str
                     ) -> tuple[InstanceAction, list[InstanceActionEvent]]:
        for a in await self.actions(ctx, server_id):
            if a.request_id == request_id:
                async with self.db.read() as s:
                    events = list((await s.execute(select(InstanceActionEvent).where(
                        InstanceActionEvent.action_id == a.id).order_by(
                        InstanceActionEvent.id))).scalars())
                return a, events
        raise errors.InstanceActionNotFound(request_id=request_id, instance_uuid=server_id)

    # ------------------------------------------------------------------ quota counters

    async def counts(self, project_id: str, user_id: str | None) -> dict[str, int]:
        """instances, cores and ram in use by the project (or one user in it): one query."""
        q = select(func.count(Instance.id), func.sum(Instance.vcpus),
                   func.sum(Instance.memory_mb)).where(
            Instance.project_id == project_id, Instance.deleted.is_(False))
        if user_id:
            q = q.where(Instance.user_id == user_id)
        async with self.db.read() as s:
            n, cores, ram = (await s.execute(q)).one()
        return {"instances": int(n or 0), "cores": int(cores or 0), "ram": int(ram or 0)}


def _image_doc(view: Any) -> dict[str, Any]:
    """An image's id and properties, for the scheduler and the driver."""
    img = view.image
    return {"id": img.id, "name": img.name, "disk_format": img.disk_format,
            "min_ram": img.min_ram, "min_disk": img.min_disk, "size": img.size,
            "properties": dict(view.properties)}


def _check_user_data(user_data: str | None) -> None:
    if user_data is not None:
        try:
            base64.b64decode(user_data, validate=True)
        except (binascii.Error, ValueError):
            raise errors.InvalidUserData() from None


def _set_later_fields(inst: Instance, data: dict[str, Any], key_data: str | None = None
                      ) -> None:
    """Update/rebuild of the fields later microversions let one change: description
    (2.19), key pair (2.54), user data (2.57), trusted certificates (2.63), hostname
    (2.90); the schema of the request's version admits only its own."""
    if "description" in data:
        inst.description = data["description"]
    if "key_name" in data:
        inst.key_name, inst.key_data = data["key_name"], key_data
    if "user_data" in data:
        inst.user_data = data["user_data"]
    spec = dict(inst.request_spec or {})
    for key in ("trusted_image_certificates", "hostname"):
        if key in data:
            spec[key] = data[key]
    inst.request_spec = spec


def _later_fields(srv: dict[str, Any]) -> dict[str, Any]:
    """What later microversions add to a create that Nubo keeps with the request (as Nova
    keeps the requested zone in its RequestSpec): the zone asked for (2.96's pinned zone),
    trusted certificates (2.63), the hostname (2.90) and the tags given at create (2.52)."""
    keys = ("tags", "trusted_image_certificates", "hostname")
    out = {k: srv[k] for k in keys if srv.get(k) is not None}
    if srv.get("availability_zone"):
        out["availability_zone"] = srv["availability_zone"].partition(":")[0] or None
    return out


def _ipv6(value: str | None) -> str | None:
    """Nova keeps an IPv6 address in its compressed form."""
    return None if not value else ipaddress.ip_address(value).compressed


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False


def _truthy(v: Any) -> bool:
    """Nova's flags: present with no value, or a true-ish value."""
    return v is not None and str(v).lower() in ("1", "true", "yes", "on", "")


def _parse_time(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise errors.InvalidChangesSince(value=value) from None
    if dt.tzinfo:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def _counts(srv: dict[str, Any]) -> tuple[int, int]:
    lo = int(srv.get("min_count", 1))
    hi = int(srv.get("max_count", lo))
    if lo < 1 or hi < 1:
        raise errors.InvalidMinCount()
    if lo > hi:
        raise errors.MinCountAboveMaxCount()
    return lo, hi


def _bdm_image(bdms: list[dict[str, Any]] | None) -> str | None:
    for b in bdms or []:
        if b.get("source_type") == "image" and str(b.get("boot_index", "0")) in ("0", "None"):
            if b.get("destination_type", "local") != "local":
                raise errors.InvalidBDMFormat(details="volumes need block storage")
            return str(b.get("uuid"))
        if b.get("source_type") in ("volume", "snapshot") or b.get("destination_type") == \
                "volume":
            raise errors.InvalidBDMFormat(details="volumes need block storage")
    return None


def _python_filters(rows: list[Instance], q: dict[str, Any]) -> list[Instance]:
    if q.get("name"):
        try:
            rx = re.compile(q["name"])
        except re.error:
            raise errors.InvalidRegexFilter(name="name", value=q['name']) from None
        rows = [r for r in rows if rx.search(r.name)]
    if q.get("flavor"):
        want = q["flavor"].rsplit("/", 1)[-1]
        rows = [r for r in rows if str(r.flavor.get("id")) == want]
    return more_filters(rows, q)


#: the list's filters applied in Python (_python_filters, more_filters, the tag and address
#: filters): with any of them the page is cut after them; without, in SQL
PYTHON_FILTERS = frozenset({
    "name", "flavor", "user_id", "key_name", "vm_state", "task_state", "availability_zone",
    "power_state", "config_drive", "tags", "tags-any", "not-tags", "not-tags-any", "ip",
    "ip6"})


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_R = TypeVar("_R", bound=_HasId)


def _limit(q: dict[str, Any]) -> int:
    """The page size: `limit` (at most 1,000), or 1,000."""
    if q.get("limit") is None:
        return 1000
    try:
        limit = int(q["limit"])
    except ValueError:
        raise errors.ParamNotInteger(param="limit") from None
    if limit < 0:
        raise errors.ParamNotPositive(param="limit")
    return min(limit, 1000)


def _page(rows: list[_R], q: dict[str, Any]) -> list[_R]:
    marker = q.get("marker")
    if marker:
        ids = [r.id for r in rows]
        if marker not in ids:
            raise errors.MarkerNotFound(marker=marker)
        rows = rows[ids.index(marker) + 1:]
    return rows[:_limit(q)]


async def _rows_in_order(s: AsyncSession, stmt: Select[Any], ids: list[str]) -> list[Any]:
    """The rows of `stmt` whose ids are `ids`, in that order (in chunks of 500)."""
    found: dict[str, Any] = {}
    for i in range(0, len(ids), 500):
        for r in (await s.execute(stmt.where(Instance.id.in_(ids[i:i + 500])).order_by(
                None))).all():
            found[r.id] = r
    return [found[i] for i in ids]


async def _metadata_map(s: Any, ids: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    if not ids:
        return out
    for chunk in range(0, len(ids), 500):
        for iid, key, value in (await s.execute(select(   # columns: no ORM objects to build
                InstanceMetadata.instance_id, InstanceMetadata.key, InstanceMetadata.value
                ).where(InstanceMetadata.instance_id.in_(ids[chunk:chunk + 500])))).all():
            out.setdefault(iid, {})[key] = value
    return out


#: nubo_meta row whose lock orders the creates that number instances on server databases
SEQ_LOCK_KEY = "compute.instance_seq_lock"


async def _last_seq(s: AsyncSession, is_sqlite: bool) -> int:
    """The highest instance number, for the caller's transaction to number new instances
    after it. SQLite runs one writer at a time; PostgreSQL and MariaDB run creates side by
    side, and two reading the same maximum would collide on the unique number (ten clients
    hit it every few boots). There the creates queue on a row lock first; the maximum read
    after the lock is granted includes every create committed before."""
    if not is_sqlite:
        lock = (await s.execute(select(Meta.key).where(Meta.key == SEQ_LOCK_KEY)
                                .with_for_update())).first()
        if lock is None:                 # `ensure_seq_lock` did not run: a racing insert
            s.add(Meta(key=SEQ_LOCK_KEY, value={}))     # is a Conflict the caller retries
            await s.flush()
    return int((await s.execute(select(func.coalesce(func.max(Instance.seq), 0)))).scalar_one())


async def ensure_seq_lock(db: Database) -> None:
    """Make `_last_seq`'s lock row at start (controllers starting together: one wins)."""
    try:
        async with db.write() as s:
            if await s.get(Meta, SEQ_LOCK_KEY) is None:
                s.add(Meta(key=SEQ_LOCK_KEY, value={}))
    except Conflict:
        pass


def _check_metadata_count(count: int, limit: int) -> None:
    if 0 <= limit < count:
        raise errors.MetadataLimitExceeded(count=count, limit=limit)
