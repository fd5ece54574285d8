"""The environment: parameters, parameter_defaults, resource_registry (type aliases),
event_sinks refused; merged in the order the client gives them (later wins)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nubo.orchestration.errors import NotSupported, bad
from nubo.orchestration.template.parse import load

SECTIONS = ("parameters", "parameter_defaults", "resource_registry", "event_sinks",
            "encrypted_param_names", "parameter_merge_strategies")


@dataclass
class Environment:
    parameters: dict[str, Any] = field(default_factory=dict)
    parameter_defaults: dict[str, Any] = field(default_factory=dict)
    registry: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """As Heat's GET .../environment shows it."""
        return {"parameters": self.parameters, "parameter_defaults": self.parameter_defaults,
                "resource_registry": {"resources": {}, **self.registry},
                "encrypted_param_names": [], "event_sinks": []}

    def resolve_type(self, rtype: str) -> str:
        """A type through its aliases (a chain is followed, a loop is a 400)."""
        seen = [rtype]
        while rtype in self.registry:
            rtype = self.registry[rtype]
            if rtype in seen:
                raise bad(f"resource_registry: the type aliases loop: {' -> '.join(seen)}")
            seen.append(rtype)
        return rtype


def parse(doc: Any) -> Environment:
    """An environment from the API's `environment` (a mapping or YAML text)."""
    if doc is None or doc == "":
        return Environment()
    if isinstance(doc, (str, bytes)):
        doc = load(doc, "environment")
    if not isinstance(doc, dict):
        raise bad("The environment is not a valid YAML mapping data type.")
    for key in doc:
        if key not in SECTIONS:
            raise bad(f"environment has wrong section \"{key}\"")
    if doc.get("event_sinks"):
        raise NotSupported(feature="environment event_sinks")
    env = Environment(dict(doc.get("parameters") or {}),
                      dict(doc.get("parameter_defaults") or {}))
    registry = doc.get("resource_registry") or {}
    if not isinstance(registry, dict):
        raise bad("environment: resource_registry must be a map")
    for k, v in registry.items():
        if k == "resources":
            if v:
                raise NotSupported(feature="resource_registry \"resources\" (per-resource "
                                           "registry entries)")
            continue
        if not isinstance(v, str):
            raise bad(f"resource_registry.{k}: the mapping must be a resource type name")
        if "://" in v:
            raise NotSupported(feature=f"resource_registry.{k}: templates by URL ({v}); "
                                       "pass the template in files")
        if "*" in k:
            raise NotSupported(feature=f"resource_registry.{k}: wildcard type mappings")
        env.registry[str(k)] = v
    return env


def merge(base: Environment, extra: Environment) -> Environment:
    return Environment({**base.parameters, **extra.parameters},
                       {**base.parameter_defaults, **extra.parameter_defaults},
                       {**base.registry, **extra.registry})
