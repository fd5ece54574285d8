"""The resource types this cloud builds, their check at validation time, and the implicit
dependencies Heat adds (a floating IP waits for the router interfaces of its stack)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nubo.orchestration.errors import bad
from nubo.orchestration.resources import cinder, config, group, heat, neutron, nova, wait
from nubo.orchestration.resources.base import Base, check_properties
from nubo.orchestration.template.template import ResourceDef

_CLASSES: list[type[Base]] = [
    heat.RandomString, heat.Value, heat.NoneResource, heat.TestResource,
    neutron.Net, neutron.Subnet, neutron.Port, neutron.Router, neutron.RouterInterface,
    neutron.FloatingIP, neutron.FloatingIPAssociation, neutron.SecurityGroup,
    neutron.SecurityGroupRule, nova.Server, nova.KeyPair, nova.ServerGroup,
    cinder.Volume, cinder.VolumeAttachment, group.ResourceGroup, group.NestedStack,
    wait.WaitConditionHandle, wait.WaitCondition, config.SoftwareConfig, config.CloudConfig,
    config.MultipartMime]


def is_template(type_name: str) -> bool:
    """A provider template: a type that is a template file's name."""
    return type_name.endswith(TEMPLATE_SUFFIXES) and "://" not in type_name


class _Types(dict[str, type[Base]]):
    """The types by name; any template file name is a provider template."""

    def __missing__(self, key: str) -> type[Base]:
        if is_template(key):
            return group.TemplateResource
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or (isinstance(key, str) and is_template(key))

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[key] if key in self else default


TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template")
TYPES: dict[str, type[Base]] = _Types({c.type_name: c for c in _CLASSES})

#: Heat's types that come in a later step (a clear 400 now)
LATER = ("OS::Heat::SoftwareDeployment",
         "OS::Heat::StructuredConfig", "OS::Heat::StructuredDeployment",
         "OS::Nova::Flavor",
         "OS::Heat::AutoScalingGroup", "OS::Heat::ScalingPolicy", "OS::Glance::WebImage",
         "OS::Keystone::Project", "OS::Keystone::User", "OS::Keystone::Role",
         "OS::Heat::SwiftSignal", "OS::Heat::SwiftSignalHandle", "OS::Heat::UpdateWaitCondition")


def get(type_name: str) -> Base:
    if is_template(type_name):
        return group.TemplateResource(type_name)
    return TYPES[type_name]()


def check(r: ResourceDef, path: str, files: Mapping[str, Any] | None = None) -> None:
    """The type is built here and the properties fit its schema (unresolved values are
    checked once they resolve); a provider template is among the `files` and its
    properties are parameters of it."""
    if is_template(r.type):
        text = (files or {}).get(r.type)
        if text is None:
            raise bad(f'{path}: Could not fetch remote template "{r.type}": it is not among '
                      "the files passed (this cloud fetches no URL).")
        doc = group.template_doc(text, r.type)
        params = doc.get("parameters") or {}
        for k in r.properties:
            if k not in params:
                raise bad(f"Property error: {path}.properties: Unknown Property {k}")
        return
    cls = TYPES.get(r.type)
    if cls is None:
        if r.type in LATER or r.type.startswith(("OS::", "AWS::")):
            raise bad(f'{path}: The Resource Type ({r.type}) is not supported by this cloud '
                      "yet.")
        raise bad(f"{path}: The Resource Type ({r.type}) could not be found.")
    check_properties(cls.properties, r.properties, f"{path}.properties",
                     cls.open_properties)


def implicit(defs: Mapping[str, ResourceDef]) -> None:
    """Heat's implicit dependencies: floating IPs (and their associations) and servers wait
    for the stack's router interfaces and gateways, so the address is routable."""
    routing = {n for n, d in defs.items()
               if d.type in ("OS::Neutron::RouterInterface", "OS::Neutron::RouterGateway")}
    subnets_of: dict[str, set[str]] = {}
    for n, d in defs.items():
        if d.type == "OS::Neutron::Subnet":
            net = _ref(d.properties.get("network") or d.properties.get("network_id"))
            if net:
                subnets_of.setdefault(net, set()).add(n)
    for n, d in defs.items():
        if d.type in ("OS::Neutron::FloatingIP", "OS::Neutron::FloatingIPAssociation"):
            d.requires |= routing - {n}
        # a port (or a server's own port) on a network of the stack takes its address from
        # the stack's subnets of it: they come first and go last (Heat's Port)
        nets: list[object] = []
        if d.type == "OS::Neutron::Port":
            nets = [d.properties.get("network") or d.properties.get("network_id")]
        elif d.type == "OS::Nova::Server" and isinstance(d.properties.get("networks"), list):
            nets = [x.get("network") for x in d.properties["networks"] if isinstance(x, dict)]
        for target in nets:
            d.requires |= subnets_of.get(_ref(target) or "", set()) - {n}


def _ref(value: object) -> str | None:
    """The resource a value names with get_resource, or None."""
    if isinstance(value, dict) and len(value) == 1 and "get_resource" in value:
        return str(value["get_resource"])
    return None


def schema_view(type_name: str) -> dict[str, object]:
    """As Heat's GET /resource_types/{type} shows it."""
    cls = TYPES[type_name]
    props = {k: {"type": p.type, "required": p.required, "update_allowed": p.update_allowed,
                 "immutable": False, "description": p.description,
                 **({"default": p.default} if p.default is not None else {})}
             for k, p in cls.properties.items()}
    attrs = {a: {"description": a} for a in cls.attributes}
    return {"resource_type": type_name, "properties": props, "attributes": attrs,
            "support_status": {"status": "SUPPORTED", "version": None, "message": None,
                               "previous_status": None},
            "description": (cls.__doc__ or "").strip()}
