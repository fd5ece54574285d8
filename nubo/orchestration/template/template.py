"""A HOT template checked whole: its version, sections, parameters, resources, outputs and
conditions, the functions in them, and the order of its resources. Anything wrong is Heat's
400 with the path to it, before anything is created."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nubo.orchestration.errors import bad
from nubo.orchestration.template import parameters as params_mod
from nubo.orchestration.template import versions
from nubo.orchestration.template.deps import Graph
from nubo.orchestration.template.environment import Environment
from nubo.orchestration.template.functions import Checker, Evaluator, Resolver

#: Heat's max_resources_per_stack
MAX_RESOURCES = 1000
SECTIONS = ("heat_template_version", "description", "parameter_groups", "parameters",
            "resources", "outputs", "conditions")
RESOURCE_KEYS = ("type", "properties", "metadata", "depends_on", "deletion_policy",
                 "update_policy", "condition", "external_id")
POLICIES = ("Delete", "Retain", "Snapshot")
PSEUDO = ("OS::stack_name", "OS::stack_id", "OS::project_id")


@dataclass
class ResourceDef:
    name: str
    type: str                       # after the environment's aliases
    template_type: str              # as written
    properties: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    deletion_policy: str = "Delete"
    condition: Any = None
    update_policy: dict[str, Any] = field(default_factory=dict)
    requires: set[str] = field(default_factory=set)


#: checks one resource's type and properties (the resources package: types not built yet
#: are a 400 here)
ResourceCheck = Callable[[ResourceDef, str], None]


class Template:
    def __init__(self, doc: Mapping[str, Any], env: Environment | None = None,
                 files: Mapping[str, Any] | None = None,
                 check_resource: ResourceCheck | None = None,
                 implicit: Callable[[Mapping[str, ResourceDef]], None] | None = None) -> None:
        self.doc = dict(doc)
        self.env = env or Environment()
        self.files = dict(files or {})
        if "heat_template_version" not in doc:
            if "AWSTemplateFormatVersion" in doc or "HeatTemplateFormatVersion" in doc:
                raise bad("CloudFormation (CFN) templates are not supported by this cloud "
                          "yet; use a HOT template (heat_template_version).")
            raise bad("Template format version not found.")
        self.version = versions.canonical(doc["heat_template_version"])
        for key in doc:
            if key not in SECTIONS or (key == "conditions" and
                                       not versions.has_conditions(self.version)):
                raise bad(f"The template section is invalid: {key}")
        self.description = str(doc.get("description") or "")
        self.parameters = params_mod.schema(doc.get("parameters"))
        self.conditions = self._section("conditions")
        self.resources = self._resources(check_resource)
        self.outputs = self._section("outputs")
        self.checker = Checker(self.version, self.resources,
                               {**self.parameters, **dict.fromkeys(PSEUDO)}, self.conditions)
        self._check_all()
        if implicit is not None:
            implicit(self.resources)
        self.graph = Graph({n: r.requires for n, r in self.resources.items()})
        self._check_groups(doc.get("parameter_groups"))

    def _section(self, name: str) -> dict[str, Any]:
        value = self.doc.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise bad(f'The template section is invalid: "{name}" must be a map')
        return dict(value)

    def _resources(self, check: ResourceCheck | None) -> dict[str, ResourceDef]:
        section = self._section("resources")
        if len(section) > MAX_RESOURCES:
            raise bad(f"Request limit exceeded: the template has {len(section)} resources, "
                      f"more than the maximum of {MAX_RESOURCES} per stack.")
        out: dict[str, ResourceDef] = {}
        for name, spec in section.items():
            path = f"resources.{name}"
            if not isinstance(spec, dict):
                raise bad(f"{path}: Resource definition must be a map")
            for key in spec:
                if key not in RESOURCE_KEYS or (key in ("condition", "external_id") and
                                                not versions.has_conditions(self.version)):
                    raise bad(f'{path}: "{key}" is not a valid keyword inside a resource '
                              "definition")
            rtype = spec.get("type")
            if not isinstance(rtype, str) or not rtype:
                raise bad(f'{path}: "type" must be a string' if rtype else
                          f"{path}: Resource {name} is missing \"type\"")
            if spec.get("external_id") is not None:
                raise bad(f"{path}.external_id: adopting existing resources (external_id) is "
                          "not supported by this cloud yet")
            props = spec.get("properties") or {}
            if not isinstance(props, dict):
                raise bad(f"{path}.properties: Properties must be a map")
            deps = spec.get("depends_on") or []
            deps = [deps] if isinstance(deps, str) else deps
            if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
                raise bad(f"{path}.depends_on: depends_on must be a resource name or a list "
                          "of them")
            policy = spec.get("deletion_policy", "Delete")
            if policy not in POLICIES and str(policy).capitalize() not in POLICIES:
                raise bad(f'{path}.deletion_policy: Invalid deletion policy "{policy}"')
            meta = spec.get("metadata") or {}
            if not isinstance(meta, dict):
                raise bad(f"{path}.metadata: Metadata must be a map")
            r = ResourceDef(name, self.env.resolve_type(rtype), rtype, dict(props), meta,
                            list(deps), str(policy).capitalize(), spec.get("condition"),
                            dict(spec.get("update_policy") or {}))
            if check is not None:
                check(r, path)
            out[name] = r
        return out

    def _check_all(self) -> None:
        c = self.checker
        for name, expr in self.conditions.items():
            c.condition_expr(expr, f"conditions.{name}")
        for name, r in self.resources.items():
            path = f"resources.{name}"
            for d in r.depends_on:
                if d not in self.resources:
                    raise bad(f'{path}.depends_on: The specified reference "{d}" (in '
                              f"{name}) is incorrect.")
            r.requires = set(r.depends_on)
            c.check(r.properties, f"{path}.properties", r.requires)
            c.check(r.metadata, f"{path}.metadata", r.requires)
            if r.condition is not None:
                c.condition_expr(r.condition, f"{path}.condition")
            if name in r.requires:
                raise bad(f"{path}: Resource {name} depends on itself")
        for name, out in self.outputs.items():
            path = f"outputs.{name}"
            if not isinstance(out, dict):
                raise bad(f"{path}: Output definition must be a map")
            unknown = set(out) - {"value", "description", "condition"}
            if unknown:
                raise bad(f'{path}: "{sorted(unknown)[0]}" is not a valid keyword inside an '
                          "output definition")
            c.check(out.get("value"), f"{path}.value")
            if out.get("condition") is not None:
                c.condition_expr(out["condition"], f"{path}.condition")

    def _check_groups(self, groups: Any) -> None:
        if groups is None:
            return
        if not isinstance(groups, list):
            raise bad("parameter_groups must be a list")
        seen: set[str] = set()
        for g in groups:
            if not isinstance(g, dict) or not isinstance(g.get("parameters", []), list):
                raise bad("Parameters must be provided for each Parameter Group.")
            for p in g.get("parameters") or []:
                if p not in self.parameters:
                    raise bad(f"The grouped parameter {p} does not reference a valid "
                              "parameter.")
                if p in seen:
                    raise bad(f"The {p} parameter must be assigned to one parameter group "
                              "only.")
                seen.add(p)
        self.parameter_groups = groups

    # ------------------------------------------------------------------ evaluation

    def parameter_values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        unknown = [k for k in given if k not in self.parameters]
        if unknown:
            raise bad(f"The Parameter ({unknown[0]}) was not defined in template.")
        return params_mod.values(self.parameters, given, self.env.parameter_defaults)

    def evaluator(self, r: Resolver) -> Evaluator:
        return Evaluator(self.version, r)

    def active(self, r: Resolver) -> dict[str, bool]:
        """Whether each resource's condition holds."""
        e = self.evaluator(r)
        return {n: True if d.condition is None else e.condition(d.condition,
                                                               f"resources.{n}.condition")
                for n, d in self.resources.items()}

    def parameter_view(self) -> dict[str, Any]:
        return {n: p.schema_view() for n, p in self.parameters.items()}


class ParamsOnly:
    """A resolver for what is known before anything exists: parameters and conditions."""

    def __init__(self, t: Template, values: Mapping[str, Any],
                 pseudo: Mapping[str, Any]) -> None:
        self.t = t
        self.values = {**values, **pseudo}
        #: a child stack's parent resource (resource_facade), None at the top
        self.facade: dict[str, Any] | None = None
        self._conds: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    def param(self, name: str) -> Any:
        return self.values[name]

    def resource_id(self, name: str) -> Any:
        return None

    def attribute(self, name: str, attr: str | None, path: Any) -> Any:
        return None

    def file(self, name: str) -> str | None:
        v = self.t.files.get(name)
        return None if v is None else str(v)

    def condition(self, name: str) -> bool:
        if name not in self._conds:
            if name in self._evaluating:
                raise bad(f'conditions.{name}: the condition refers to itself')
            self._evaluating.add(name)
            expr = self.t.conditions[name]
            self._conds[name] = self.t.evaluator(self).condition(expr, f"conditions.{name}")
        return self._conds[name]
