"""The metadata routes of volumes and snapshots (Cinder's volume_metadata and
snapshot_metadata controllers are one shape): index, create (merge), replace, show, update
one key, delete one key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import json_response, no_content
from nubo.volume import errors
from nubo.volume.api.handlers.common import begin, body, param, scope
from nubo.volume.api.schemas.types_ import META_ITEM, METADATA_BODY
from nubo.volume.api.wiring import VolumeApi

Handler = Callable[[Request], Awaitable[Response]]


class MetadataOwner(Protocol):
    """A service whose rows carry metadata (VolumeService, SnapshotService)."""

    async def metadata(self, owner_id: str, project_id: str | None) -> dict[str, str]: ...

    async def set_metadata(self, owner_id: str, project_id: str | None,
                           metadata: dict[str, str], replace: bool) -> dict[str, str]: ...

    async def delete_metadata(self, owner_id: str, project_id: str | None,
                              key: str) -> None: ...


@dataclass(frozen=True)
class MetadataRoutes:
    kind: str                                   # "Volume", "Snapshot" (in messages)
    id_param: str                               # the path parameter of the owner
    read_policy: str
    create_policy: str
    update_policy: str
    delete_policy: str
    service: Callable[[VolumeApi], MetadataOwner]

    async def index(self, request: Request) -> Response:
        a, ctx, _v = begin(request, self.read_policy)
        meta = await self.service(a).metadata(param(request, self.id_param), scope(a, ctx))
        return json_response({"metadata": meta})

    async def create(self, request: Request) -> Response:
        return await self._set(request, self.create_policy, replace=False)

    async def replace(self, request: Request) -> Response:
        return await self._set(request, self.update_policy, replace=True)

    async def _set(self, request: Request, policy: str, replace: bool) -> Response:
        a, ctx, _v = begin(request, policy)
        meta = (await body(request, METADATA_BODY))["metadata"]
        out = await self.service(a).set_metadata(param(request, self.id_param),
                                                 scope(a, ctx), meta, replace=replace)
        return json_response({"metadata": out})

    async def show(self, request: Request) -> Response:
        a, ctx, _v = begin(request, self.read_policy)
        owner, key = param(request, self.id_param), param(request, "key")
        meta = await self.service(a).metadata(owner, scope(a, ctx))
        if key not in meta:
            raise errors.MetadataNotFound(kind=self.kind, owner_id=owner, key=key)
        return json_response({"meta": {key: meta[key]}})

    async def update(self, request: Request) -> Response:
        a, ctx, _v = begin(request, self.update_policy)
        key = param(request, "key")
        meta = (await body(request, META_ITEM))["meta"]
        if key not in meta:
            raise errors.BodyUriMismatch()
        await self.service(a).set_metadata(param(request, self.id_param), scope(a, ctx),
                                           meta, replace=False)
        return json_response({"meta": meta})

    async def delete(self, request: Request) -> Response:
        a, ctx, _v = begin(request, self.delete_policy)
        await self.service(a).delete_metadata(param(request, self.id_param), scope(a, ctx),
                                              param(request, "key"))
        return no_content(200)
