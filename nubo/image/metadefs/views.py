"""Render metadef records as Glance does: fields that are not set are left out."""

from __future__ import annotations

from typing import Any

from nubo.image.metadefs import models as m
from nubo.image.metadefs.service import Association, NamespaceDetail
from nubo.image.views import ts

BASE = "/v2/metadefs/namespaces"


def _set(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def namespace(ns: m.MetadefNamespace, associations: list[Association] | None = None
              ) -> dict[str, Any]:
    out = _set(namespace=ns.namespace, display_name=ns.display_name,
               description=ns.description, visibility=ns.visibility, protected=ns.protected,
               owner=ns.owner, created_at=ts(ns.created_at), updated_at=ts(ns.updated_at),
               self=f"{BASE}/{ns.namespace}", schema="/v2/schemas/metadefs/namespace")
    if associations:
        out["resource_type_associations"] = [association(a) for a in associations]
    return out


def namespace_detail(d: NamespaceDetail, resource_type: str | None = None) -> dict[str, Any]:
    """A namespace with its contents; for `resource_type`, property names carry the prefix of
    the namespace's association with it."""
    out = namespace(d.ns, d.associations)
    prefix = next((a.link.prefix for a in d.associations if a.name == resource_type),
                  None) or ""
    if d.properties:
        out["properties"] = {prefix + p.name: p.definition for p in d.properties}
    if d.objects:
        out["objects"] = [object_(d.ns.namespace, o, prefix) for o in d.objects]
    if d.tags:
        out["tags"] = [{"name": t.name} for t in d.tags]
    return out


def association(a: Association) -> dict[str, Any]:
    return _set(name=a.name, prefix=a.link.prefix, properties_target=a.link.properties_target,
                created_at=ts(a.link.created_at), updated_at=ts(a.link.updated_at))


def resource_type(rt: m.MetadefResourceType) -> dict[str, Any]:
    return _set(name=rt.name, created_at=ts(rt.created_at), updated_at=ts(rt.updated_at))


def object_(ns_name: str, o: m.MetadefObject, prefix: str = "") -> dict[str, Any]:
    required = None if o.required is None else [prefix + r for r in o.required]
    return _set(name=o.name, description=o.description, required=required,
                properties={prefix + k: v for k, v in (o.properties or {}).items()},
                created_at=ts(o.created_at), updated_at=ts(o.updated_at),
                self=f"{BASE}/{ns_name}/objects/{o.name}",
                schema="/v2/schemas/metadefs/object")


def property_(p: m.MetadefProperty) -> dict[str, Any]:
    return {"name": p.name, **p.definition}


def properties(props: list[m.MetadefProperty]) -> dict[str, Any]:
    return {"properties": {p.name: p.definition for p in props}}


def tag(t: m.MetadefTag) -> dict[str, Any]:
    return _set(name=t.name, created_at=ts(t.created_at), updated_at=ts(t.updated_at))
