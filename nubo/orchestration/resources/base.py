"""The contract of a resource type: a small class with a properties schema, the
create/check/update/delete steps and its attributes.

Every step is idempotent enough for the engine to run again what a restart cut off: a step
reads what it did from `Ctx.physical_id` and `Ctx.data` (kept in the database between steps)
and `check_*_complete` only looks. A failure is `ResourceFailure` with a message a person can
act on; a service's refusal arrives as `ServiceCallFailed` and is recorded as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from nubo.orchestration.errors import bad
from nubo.orchestration.service.cloud import Cloud, ServiceCallFailed

__all__ = ["Ctx", "Nested", "Prop", "ResourceFailure", "ResourceType", "ServiceCallFailed", "Base"]

UPDATE_REPLACE = "replace"


class ResourceFailure(Exception):
    """A resource could not reach its state; `kind` is Heat's exception name."""

    def __init__(self, message: str, kind: str = "ResourceFailure",
                 inner: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        #: the message is a nested stack's "resources.<member>: ..." (the path goes on)
        self.inner = inner


@dataclass(frozen=True)
class Prop:
    """One property: its type (string integer number boolean list map any), whether it is
    required, its default, and whether changing it updates in place (else: replace)."""

    type: str = "string"
    required: bool = False
    default: Any = None
    update_allowed: bool = False
    allowed: tuple[Any, ...] = ()
    description: str = ""


@dataclass
class Ctx:
    """What a step knows of its resource; `data` is kept between steps."""

    cloud: Cloud
    stack_name: str
    stack_id: str
    name: str
    physical_id: str | None
    properties: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    #: the stacks this resource's stack may nest (ResourceGroup, OS::Heat::Stack)
    nested: Nested | None = None

    def physical_name(self) -> str:
        """Heat's generated name: stack-resource-random."""
        if "physical_name" not in self.data:
            self.data["physical_name"] = (f"{self.stack_name}-{self.name}-"
                                          f"{uuid.uuid4().hex[:12]}")
        return str(self.data["physical_name"])


class Nested(Protocol):
    """The stack a resource belongs to, as its resources see it (service/nested.py): its
    child stacks, made as its owner (a child's state is (action, status, reason), None once
    it is gone), its files, the signals its wait condition handles received."""

    async def create(self, resource: str, template: Mapping[str, Any],
                     parameters: Mapping[str, Any], files: Mapping[str, Any] | None = None
                     ) -> str:
        ...

    async def update(self, stack_id: str, template: Mapping[str, Any],
                     parameters: Mapping[str, Any], files: Mapping[str, Any] | None = None
                     ) -> None:
        ...

    async def delete(self, stack_id: str) -> bool:
        """Start deleting it; False while another action of it is in progress."""
        ...

    async def state(self, stack_id: str) -> tuple[str, str, str] | None:
        ...

    async def members(self, stack_id: str) -> dict[str, tuple[str | None, dict[str, Any]]]:
        """Its resources: name -> (physical id, attributes)."""
        ...

    async def outputs(self, stack_id: str) -> dict[str, Any]:
        ...

    def file(self, name: str) -> str | None:
        """A file passed with the parent stack (a provider template)."""
        ...

    async def signals(self, handle_id: str) -> dict[str, Any]:
        """The signals a wait condition handle of this stack received: id -> {status,
        reason, data}."""
        ...

    async def config(self, config_id: str) -> str | None:
        """The config of this stack's config resource (SoftwareConfig, CloudConfig,
        MultipartMime) of that id, None when there is none."""
        ...

    def signal_url(self, resource: str) -> str:
        """Where a resource of this stack is signalled (the orchestration API)."""
        ...


class ResourceType(Protocol):
    type_name: ClassVar[str]
    properties: ClassVar[Mapping[str, Prop]]
    attributes: ClassVar[tuple[str, ...]]

    async def create(self, c: Ctx) -> str:
        """Start creating it; its physical id."""
        ...

    async def check_create_complete(self, c: Ctx) -> bool:
        ...

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        """Apply `c.properties` in place (only update_allowed properties changed)."""
        ...

    async def check_update_complete(self, c: Ctx) -> bool:
        ...

    async def delete(self, c: Ctx) -> None:
        """Start deleting it (already gone is fine)."""
        ...

    async def check_delete_complete(self, c: Ctx) -> bool:
        ...

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        """Its attributes now (`show` among them)."""
        ...

    def must_replace(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        """Whether an update must replace it even where its properties allow in place."""
        ...


class Base:
    """Defaults: complete at once, nothing to update, nothing to delete."""

    type_name: ClassVar[str] = ""
    properties: ClassVar[Mapping[str, Prop]] = {}
    attributes: ClassVar[tuple[str, ...]] = ()
    #: any property name is accepted (OS::Heat::None)
    open_properties: ClassVar[bool] = False

    async def create(self, c: Ctx) -> str:
        return str(uuid.uuid4())

    async def check_create_complete(self, c: Ctx) -> bool:
        return True

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        return None

    async def check_update_complete(self, c: Ctx) -> bool:
        return True

    async def delete(self, c: Ctx) -> None:
        return None

    async def check_delete_complete(self, c: Ctx) -> bool:
        return True

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        return {}

    def must_replace(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return False


_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
          "list": (list,), "map": (dict,)}


def check_properties(schema: Mapping[str, Prop], props: Mapping[str, Any], path: str,
                     open_: bool = False, resolved: bool = False) -> dict[str, Any]:
    """Properties against their schema; defaults filled in. Values still holding functions
    (before they resolve) are only checked once `resolved`."""
    from nubo.orchestration.template.functions import has_functions
    for k in props:
        if k not in schema and not open_:
            raise bad(f"Property error: {path}: Unknown Property {k}")
    out: dict[str, Any] = {}
    for k, p in schema.items():
        v = props.get(k, p.default)
        if v is None:
            if p.required and (resolved or k not in props):
                raise bad(f"Property error: {path}: Property {k} not assigned")
            out[k] = None
            continue
        if not resolved and has_functions(v):
            out[k] = v
            continue
        out[k] = coerce(p, v, f"{path}.{k}")
    if open_:
        out.update({k: v for k, v in props.items() if k not in schema})
    return out


def coerce(p: Prop, v: Any, path: str) -> Any:
    t = p.type
    if t == "any":
        return v
    if t in ("integer", "number") and isinstance(v, str):
        try:
            v = int(v) if t == "integer" else float(v) if "." in v else int(v)
        except ValueError:
            raise bad(f"Property error: {path}: Value '{v}' is not an integer") from None
    if t == "boolean" and isinstance(v, str):
        if v.lower() not in ("true", "false"):
            raise bad(f'Property error: {path}: "{v}" is not a valid boolean')
        v = v.lower() == "true"
    if t == "string" and isinstance(v, (int, float)) and not isinstance(v, bool):
        v = str(v)
    if t == "list" and isinstance(v, str):
        v = [x.strip() for x in v.split(",")] if v else []
    if not isinstance(v, _TYPES[t]) or (t in ("integer", "number") and isinstance(v, bool)):
        raise bad(f"Property error: {path}: Value must be a {t}, not "
                  f"{type(v).__name__}")
    if p.allowed and v not in p.allowed:
        raise bad(f'Property error: {path}: "{v}" is not an allowed value '
                  f"{list(p.allowed)}")
    return v
