"""A stack's template loaded with this cloud's resource types, and the resolver that gives
its functions the values of a running stack (parameters, physical ids, attributes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nubo.orchestration import resources as registry
from nubo.orchestration.models import Stack, StackResource
from nubo.orchestration.template.environment import Environment
from nubo.orchestration.template.environment import parse as parse_env
from nubo.orchestration.template.template import ParamsOnly, Template


def load(template: Mapping[str, Any], environment: Any, files: Mapping[str, Any] | None
         ) -> Template:
    """The template checked whole against this cloud's resource types (Heat's 400s)."""
    env = environment if isinstance(environment, Environment) else parse_env(environment)
    return Template(template, env, files,
                    lambda r, path: registry.check(r, path, files), registry.implicit)


def pseudo(name: str, stack_id: str, project_id: str) -> dict[str, Any]:
    return {"OS::stack_name": name, "OS::stack_id": stack_id, "OS::project_id": project_id}


def facade_of(stack: Stack) -> dict[str, Any] | None:
    """What resource_facade reads in a child stack: its parent resource's metadata,
    deletion_policy and update_policy."""
    nested = (stack.owner or {}).get("nested_in")
    return None if not nested else dict(nested.get("facade") or {})


class StackResolver(ParamsOnly):
    """Parameters and conditions, and the resources as they stand in the database."""

    def __init__(self, t: Template, stack: Stack, rows: Sequence[StackResource]) -> None:
        super().__init__(t, stack.parameters, pseudo(stack.name, stack.id, stack.project_id))
        self.rows = {r.name: r for r in rows if not r.replaced}
        self.facade = facade_of(stack)

    def resource_id(self, name: str) -> Any:
        row = self.rows.get(name)
        if row is None or row.physical_id is None:
            return None
        return row.physical_id

    def attribute(self, name: str, attr: str | None, path: Any) -> Any:
        row = self.rows.get(name)
        if row is None:
            return None
        attrs = row.attributes or {}
        # a type whose attributes are paths of their own (a group's resource.N.attr)
        own = getattr(registry.TYPES.get(row.type), "attribute_path", None)
        if own is not None and attr is not None:
            return own(attrs, attr, list(path))
        if attr is None:
            return {k: v for k, v in attrs.items() if k != "show"}
        value = attrs.get(attr)
        for key in path:
            if isinstance(value, dict):
                value = value[key] if key in value else value.get(str(key))
            elif isinstance(value, list):
                try:
                    value = value[int(key)]
                except (IndexError, ValueError):
                    return None
            else:
                return None
        return value
