"""Stack operations behind the API: check the template whole (Heat's 400s before anything is
created), write the stack and its resources, hand the work to the engine."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nubo.core.context import RequestContext
from nubo.core.db import utcnow
from nubo.orchestration.engine.engine import Engine
from nubo.orchestration.engine.stack import load, pseudo
from nubo.orchestration.engine.update import plan
from nubo.orchestration.errors import ActionInProgress, StackExists, bad
from nubo.orchestration.models import Stack, StackResource
from nubo.orchestration.resources.base import check_properties
from nubo.orchestration.service import constraints
from nubo.orchestration.service.cloud import Cloud, InProcessCloud, owner_record
from nubo.orchestration.template import environment as env_mod
from nubo.orchestration.template.parse import load as parse_text
from nubo.orchestration.template.template import ParamsOnly, Template

NAME_RE = r"^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$"


@dataclass
class StackSpec:
    """What a create, update or preview asks for (the API's body, read)."""

    name: str | None
    template: Any
    template_url: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    environment: Any = None
    environment_files: list[str] = field(default_factory=list)
    files: dict[str, Any] = field(default_factory=dict)
    timeout_mins: int | None = None
    disable_rollback: bool = True
    tags: list[str] = field(default_factory=list)
    existing: bool = False
    clear_parameters: list[str] = field(default_factory=list)
    #: whether the request said disable_rollback (an update keeps the stack's otherwise)
    rollback_given: bool = False


def _template_doc(spec: StackSpec) -> dict[str, Any]:
    if spec.template_url and spec.template is None:
        raise bad("Fetching a template from template_url is not supported by this cloud "
                  "(no outbound HTTP); pass the template itself.")
    t = spec.template
    if t is None:
        raise bad("No template specified")
    if isinstance(t, (str, bytes)):
        return parse_text(t)
    if not isinstance(t, dict):
        raise bad("The template is not a JSON object or YAML mapping.")
    return t


def environment_of(spec: StackSpec, base: env_mod.Environment | None = None
                   ) -> env_mod.Environment:
    env = base or env_mod.Environment()
    for name in spec.environment_files:
        if name not in spec.files:
            raise bad(f"Could not fetch the environment file {name} from the files passed.")
    env = env_mod.merge(env, env_mod.parse(spec.environment))
    return env


class Stacks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store

    def check(self, spec: StackSpec, env: env_mod.Environment | None = None,
              stack_id: str = "None", stack_name: str = "None", project_id: str = "",
              facade: dict[str, Any] | None = None) -> tuple[Template, dict[str, Any]]:
        """The template and the parameter values, checked whole (no side effect)."""
        doc = _template_doc(spec)
        env = env or environment_of(spec)
        t = load(doc, env, spec.files)
        given = {**env.parameters, **spec.parameters}
        if spec.existing:      # kept values of parameters the new template dropped
            given = {k: v for k, v in given.items() if k in t.parameters}
        values = t.parameter_values(given)
        r = ParamsOnly(t, values, pseudo(stack_name, stack_id, project_id))
        r.facade = facade
        for name, active in t.active(r).items():
            if not active:
                continue
            d = t.resources[name]
            # what resolves from parameters alone is checked against the schema now
            from nubo.orchestration import resources as registry
            ev = t.evaluator(r)
            props = {k: (v if _has_refs(v) else ev.resolve(v, f"resources.{name}."
                                                                f"properties.{k}"))
                     for k, v in d.properties.items()}
            cls = registry.TYPES[d.type]
            check_properties(cls.properties, props, f"resources.{name}.properties",
                             cls.open_properties)
        return t, values

    def _cloud(self, ctx: RequestContext) -> Cloud:
        return InProcessCloud(self.engine.apps, ctx)

    async def create(self, ctx: RequestContext, spec: StackSpec,
                     nested_in: dict[str, Any] | None = None) -> Stack:
        import re
        name = spec.name or ""
        if not re.match(NAME_RE, name):
            raise bad(f'Invalid stack name {name} must contain only alphanumeric or "_-." '
                      "characters, must start with alpha and must be 255 characters or "
                      "less.")
        project = ctx.project_id or ""
        if await self.store.name_taken(project, name):
            raise StackExists(stack_name=name)
        stack_id = str(uuid.uuid4())
        env = environment_of(spec)
        t, values = self.check(spec, env, stack_id, name, project,
                               (nested_in or {}).get("facade"))
        await constraints.check(self._cloud(ctx), t.parameters, values)
        now = utcnow()
        stack = Stack(id=stack_id, name=name, project_id=project, user_id=ctx.user_id or "",
                      owner={**owner_record(ctx),
                             **({"nested_in": nested_in} if nested_in else {})},
                      action="CREATE", status="IN_PROGRESS",
                      status_reason="Stack CREATE started", template=t.doc,
                      environment=env.as_dict(), files=dict(spec.files), parameters=values,
                      disable_rollback=spec.disable_rollback, timeout_mins=spec.timeout_mins,
                      tags=list(spec.tags), action_started_at=now, created_at=now)
        rows = [StackResource(id=str(uuid.uuid4()), stack_id=stack_id, name=n, type=d.type,
                              action="INIT", status="COMPLETE", status_reason="",
                              properties={}, data={}, attributes={}, metadata_=d.metadata,
                              required_by=sorted(t.graph.required_by.get(n, ())),
                              replaced=False, created_at=now)
                for n, d in t.resources.items()]
        await self.store.add_stack(stack, rows, "Stack CREATE started")
        self.engine.run(stack_id)
        return stack

    async def update(self, ctx: RequestContext, stack: Stack, spec: StackSpec) -> None:
        if stack.status == "IN_PROGRESS":
            raise ActionInProgress(stack_name=stack.name, action=stack.action)
        if spec.existing:
            if spec.template is None and not spec.template_url:
                spec.template = stack.template
            params = {k: v for k, v in (stack.environment.get("parameters") or {}).items()
                      if k not in spec.clear_parameters}
            base = env_mod.parse({k: v for k, v in stack.environment.items()
                                  if k in ("parameters", "parameter_defaults")} |
                                 {"parameters": params})
            base.registry = {k: v for k, v in (stack.environment.get("resource_registry")
                                              or {}).items() if k != "resources"}
            kept = {k: v for k, v in (stack.parameters or {}).items()
                    if k not in spec.clear_parameters}
            spec.parameters = {**kept, **spec.parameters}
            spec.files = {**(stack.files or {}), **spec.files}
            env = environment_of(spec, base)
        else:
            env = environment_of(spec)
        t, values = self.check(spec, env, stack.id, stack.name, stack.project_id)
        await constraints.check(self._cloud(ctx), t.parameters, values)
        new = {"template": t.doc, "environment": env.as_dict(), "files": dict(spec.files),
               "parameters": values}
        values_update: dict[str, Any] = {"new_template": new, "action_started_at": utcnow()}
        if spec.timeout_mins is not None:
            values_update["timeout_mins"] = spec.timeout_mins
        if spec.rollback_given:
            values_update["disable_rollback"] = spec.disable_rollback
        if spec.tags:
            values_update["tags"] = spec.tags
        await self.store.stack_state(stack.id, "UPDATE", "IN_PROGRESS",
                                     "Stack UPDATE started", **values_update)
        self.engine.run(stack.id)

    async def delete(self, stack: Stack) -> None:
        if stack.action == "DELETE" and stack.status == "IN_PROGRESS":
            return
        if stack.status == "IN_PROGRESS":
            raise ActionInProgress(stack_name=stack.name, action=stack.action)
        await self.store.stack_state(stack.id, "DELETE", "IN_PROGRESS",
                                     "Stack DELETE started", action_started_at=utcnow())
        self.engine.run(stack.id)

    async def preview_update(self, stack: Stack, spec: StackSpec) -> dict[str, list[Any]]:
        """Per resource: unchanged, updated (in place), replaced, added, deleted."""
        t, values = self.check(spec, None, stack.id, stack.name, stack.project_id)
        rows = {r.name: r for r in await self.store.resources(stack.id)}
        out: dict[str, list[Any]] = {"unchanged": [], "updated": [], "replaced": [],
                                     "added": [], "deleted": []}
        r = ParamsOnly(t, values, pseudo(stack.name, stack.id, stack.project_id))
        ev = t.evaluator(r)
        for name, d in t.resources.items():
            row = rows.get(name)
            item = {"resource_name": name, "resource_type": d.type,
                    "resource_identity": {"stack_id": stack.id, "stack_name": stack.name,
                                          "tenant": stack.project_id,
                                          "path": f"/resources/{name}"}}
            if row is None or row.physical_id is None:
                out["added"].append(item)
                continue
            props = {k: (row.properties.get(k) if _has_refs(v) else
                         ev.resolve(v, f"resources.{name}.properties.{k}"))
                     for k, v in d.properties.items()}
            from nubo.orchestration import resources as registry
            cls = registry.TYPES[d.type]
            props = check_properties(cls.properties, props, f"resources.{name}.properties",
                                     cls.open_properties)
            how = plan(d.type, row.type, row.properties or {}, props)
            out[{"none": "unchanged", "update": "updated",
                 "replace": "replaced"}[how]].append(item)
        for name, row in rows.items():
            if name not in t.resources:
                out["deleted"].append({"resource_name": name, "resource_type": row.type})
        return out


def _has_refs(v: Any) -> bool:
    """Whether `v` names a resource (get_resource, get_attr): known only once it exists."""
    if isinstance(v, dict):
        if len(v) == 1 and next(iter(v)) in ("get_resource", "get_attr"):
            return True
        return any(_has_refs(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_refs(x) for x in v)
    return False


def output_values(t: Template, stack: Stack, rows: list[StackResource]
                  ) -> list[dict[str, Any]]:
    """Every output, evaluated now (an error shows in `output_error`, as Heat's)."""
    from nubo.orchestration.engine.stack import StackResolver
    r = StackResolver(t, stack, rows)
    ev = t.evaluator(r)
    out = []
    for key, spec in t.outputs.items():
        item: dict[str, Any] = {"output_key": key,
                                "description": spec.get("description", "No description given")}
        try:
            if spec.get("condition") is not None and not ev.condition(
                    spec["condition"], f"outputs.{key}.condition"):
                item["output_value"] = None
            else:
                item["output_value"] = ev.resolve(spec.get("value"), f"outputs.{key}.value")
        except Exception as exc:  # noqa: BLE001 - shown with the output, as Heat does
            item["output_value"] = None
            item["output_error"] = str(getattr(exc, "message", exc))
        out.append(item)
    return out


def template_of(stack: Stack) -> Template:
    return load(stack.template, stack.environment, stack.files)


def as_mapping(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, dict) else {}
