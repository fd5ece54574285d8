"""Child stacks (ResourceGroup, OS::Heat::Stack, provider templates): real stacks of this
service, created, updated and deleted through the same checks as the API's, as the parent's
owner, with the parent's files and resource registry. The child names its parent in its
owner record (`nested_in`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from nubo.orchestration.models import Stack
from nubo.orchestration.service.cloud import owner_context
from nubo.orchestration.service.stacks import Stacks, StackSpec, output_values, template_of


class NestedStacks:
    """The `Nested` of resources/base.py for the resources of stack `parent`."""

    def __init__(self, stacks: Stacks, parent: Stack) -> None:
        self.stacks = stacks
        self.parent = parent

    def _env(self) -> dict[str, Any]:
        reg = (self.parent.environment or {}).get("resource_registry") or {}
        return {"resource_registry": {k: v for k, v in reg.items() if k != "resources"}}

    def _files(self, files: Mapping[str, Any] | None) -> dict[str, Any]:
        return {**(self.parent.files or {}), **(files or {})}

    async def create(self, resource: str, template: Mapping[str, Any],
                     parameters: Mapping[str, Any], files: Mapping[str, Any] | None = None
                     ) -> str:
        p = self.parent
        name = f"{p.name[:200]}-{resource[:30]}-{uuid.uuid4().hex[:12]}"
        name = "".join(ch if ch.isalnum() or ch in "_.-" else "-" for ch in name)
        spec = StackSpec(name=name, template=dict(template), parameters=dict(parameters),
                         environment=self._env(), files=self._files(files),
                         timeout_mins=p.timeout_mins, disable_rollback=True)
        ctx = owner_context(p.owner, f"req-stack-{p.id[:8]}")
        child = await self.stacks.create(ctx, spec, nested_in={
            "stack_id": p.id, "stack_name": p.name, "resource": resource,
            "facade": self._facade(resource)})
        return child.id

    def _facade(self, resource: str) -> dict[str, Any]:
        """The parent resource as resource_facade shows it to the child."""
        p = self.parent
        doc = (p.new_template or {}).get("template") or p.template or {}
        spec = ((doc.get("resources") or {}).get(resource) or {}) if isinstance(doc, dict) \
            else {}
        return {"metadata": spec.get("metadata") or {},
                "deletion_policy": str(spec.get("deletion_policy") or "Delete").capitalize(),
                "update_policy": spec.get("update_policy") or {}}

    def file(self, name: str) -> str | None:
        v = (self.parent.files or {}).get(name)
        return None if v is None else str(v)

    async def signals(self, handle_id: str) -> dict[str, Any]:
        for r in await self.stacks.store.resources(self.parent.id):
            if r.physical_id == handle_id and r.type == "OS::Heat::WaitConditionHandle":
                return dict((r.data or {}).get("signals") or {})
        return {}

    async def config(self, config_id: str) -> str | None:
        from nubo.orchestration.resources.config import CONFIG_TYPES
        for r in await self.stacks.store.resources(self.parent.id):
            if r.physical_id == config_id and r.type in CONFIG_TYPES:
                v = (r.data or {}).get("config")
                return None if v is None else str(v)
        return None

    def signal_url(self, resource: str) -> str:
        p = self.parent
        return (f"{self.stacks.engine.public_url}/v1/{p.project_id}/stacks/{p.name}/{p.id}"
                f"/resources/{resource}/signal")

    async def update(self, stack_id: str, template: Mapping[str, Any],
                     parameters: Mapping[str, Any], files: Mapping[str, Any] | None = None
                     ) -> None:
        child = await self.stacks.store.get(stack_id)
        if child is None:
            raise LookupError(f"nested stack {stack_id} is gone")
        spec = StackSpec(name=child.name, template=dict(template),
                         parameters=dict(parameters), environment=self._env(),
                         files=self._files(files))
        await self.stacks.update(owner_context(child.owner), child, spec)

    async def delete(self, stack_id: str) -> bool:
        child = await self.stacks.store.get(stack_id)
        if child is None or child.deleted_at is not None or child.action == "DELETE":
            return True
        if child.status == "IN_PROGRESS":
            return False
        await self.stacks.delete(child)
        return True

    async def state(self, stack_id: str) -> tuple[str, str, str] | None:
        child = await self.stacks.store.get(stack_id)
        if child is None or (child.action == "DELETE" and child.status == "COMPLETE"):
            return None
        return child.action, child.status, child.status_reason

    async def members(self, stack_id: str) -> dict[str, tuple[str | None, dict[str, Any]]]:
        rows = await self.stacks.store.resources(stack_id)
        return {r.name: (r.physical_id, dict(r.attributes or {})) for r in rows}

    async def outputs(self, stack_id: str) -> dict[str, Any]:
        child = await self.stacks.store.get(stack_id)
        if child is None:
            return {}
        rows = await self.stacks.engine.live_attributes(child)
        return {o["output_key"]: o.get("output_value")
                for o in output_values(template_of(child), child, rows)}
