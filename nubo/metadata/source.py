"""Facts about an instance for its metadata, read from the compute database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select

from nubo.compute.api.views.servers import hostname_of
from nubo.compute.models import Instance, InstanceMetadata
from nubo.core.db import Database
from nubo.metadata.content import InstanceFacts, PortFacts

#: instance id -> its ports with addresses (from the network service, when there is one)
PortsLookup = Callable[[str], Awaitable[tuple[PortFacts, ...]]]


class InstanceSource:
    def __init__(self, db: Database, ports: PortsLookup | None = None) -> None:
        self.db = db
        self.ports = ports

    async def load(self, instance_id: str) -> InstanceFacts | None:
        async with self.db.read() as s:
            inst = await s.get(Instance, instance_id)
            if inst is None or inst.deleted:
                return None
            meta = {m.key: m.value for m in (await s.execute(select(InstanceMetadata).where(
                InstanceMetadata.instance_id == instance_id))).scalars()}
        ports = await self.ports(instance_id) if self.ports is not None else ()
        return facts_of(inst, meta, ports)


def facts_of(inst: Instance, meta: dict[str, str],
             ports: tuple[PortFacts, ...] = ()) -> InstanceFacts:
    return InstanceFacts(
        uuid=inst.id, seq=inst.seq, name=inst.name, hostname=hostname_of(inst),
        project_id=inst.project_id, availability_zone=inst.availability_zone,
        launch_index=inst.launch_index, reservation_id=inst.reservation_id,
        key_name=inst.key_name, key_data=inst.key_data, user_data=inst.user_data,
        metadata=meta, flavor_name=str((inst.flavor or {}).get("name", "")),
        image_ref=inst.image_ref, security_groups=tuple(inst.security_groups or ()),
        launched_at=inst.launched_at, ports=ports)
