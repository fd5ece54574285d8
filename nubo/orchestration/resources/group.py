"""OS::Heat::ResourceGroup and OS::Heat::Stack: resources whose body is a child stack
(service/nested.py). A group's members are the child's resources "0", "1", ...; a count
change updates the child in place (members kept, added, removed: removal_policies first)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar

from nubo.orchestration.resources.base import Base, Ctx, Nested, Prop, ResourceFailure
from nubo.orchestration.template.parse import load as parse_text

VERSION = "2015-04-30"


def template_doc(text: Any, name: str) -> dict[str, Any]:
    """A child template from text (or a mapping already parsed)."""
    from nubo.orchestration.errors import bad
    doc = parse_text(text, name) if isinstance(text, (str, bytes)) else text
    if not isinstance(doc, dict):
        raise bad(f"{name}: the template is not a YAML mapping")
    return doc


def _nested(c: Ctx) -> Nested:
    if c.nested is None:
        raise ResourceFailure("nested stacks are not available here")
    return c.nested


def _replace_index(v: Any, var: str, index: str) -> Any:
    if isinstance(v, str):
        return v.replace(var, index) if var else v
    if isinstance(v, list):
        return [_replace_index(x, var, index) for x in v]
    if isinstance(v, dict):
        return {_replace_index(k, var, index): _replace_index(x, var, index)
                for k, x in v.items()}
    return v


async def _child_done(c: Ctx, action: str) -> bool:
    """Whether the child stack finished `action`; its failure, with the root cause."""
    assert c.physical_id is not None
    st = await _nested(c).state(c.physical_id)
    if st is None:
        raise ResourceFailure("the nested stack is gone")
    act, status, reason = st
    if status == "IN_PROGRESS":
        return False
    if status == "FAILED":
        # "Resource CREATE failed: <Kind>: resources.<member>: ..." -> the member's cause
        head, sep, cause = reason.partition(" failed: ")
        kind, _, rest = cause.partition(": ")
        if sep and rest.startswith("resources."):
            raise ResourceFailure(rest, kind, inner=True)
        raise ResourceFailure(reason)
    return act == action or action == "UPDATE"


async def _gone(c: Ctx) -> bool:
    if c.physical_id is None:
        return True
    n = _nested(c)
    if c.data.get("delete_pending"):
        if not await n.delete(c.physical_id):
            return False
        c.data.pop("delete_pending", None)
    st = await n.state(c.physical_id)
    if st is None:
        return True
    if st[0] == "DELETE" and st[1] == "FAILED":
        raise ResourceFailure(st[2])
    return False


async def _delete(c: Ctx) -> None:
    if c.physical_id is not None and not await _nested(c).delete(c.physical_id):
        c.data["delete_pending"] = True


class ResourceGroup(Base):
    """count copies of resource_def in a nested stack; %index% is each one's index."""

    type_name = "OS::Heat::ResourceGroup"
    properties: ClassVar[Mapping[str, Prop]] = {
        "count": Prop("integer", default=1, update_allowed=True),
        "index_var": Prop("string", default="%index%", update_allowed=True),
        "resource_def": Prop("map", required=True, update_allowed=True),
        "removal_policies": Prop("list", default=[], update_allowed=True),
        "removal_policies_mode": Prop("string", default="append", update_allowed=True,
                                      allowed=("append", "update"))}
    attributes = ("refs", "refs_map", "attributes", "removed_rsrc_list")

    def _names(self, c: Ctx) -> list[str]:
        """The members after this create or update: kept ones, then new indices (never
        one a removal policy took out)."""
        count = int(c.properties.get("count") or 0)
        if count < 0:
            raise ResourceFailure("count must be at least 0")
        removed: list[str] = list(c.data.get("removed") or []) \
            if c.properties.get("removal_policies_mode") != "update" else []
        for pol in c.properties.get("removal_policies") or []:
            for n in (pol or {}).get("resource_list") or [] if isinstance(pol, dict) else []:
                if str(n) not in removed:
                    removed.append(str(n))
        current = [n for n in c.data.get("names") or [] if n not in removed]
        dropped = [n for n in c.data.get("names") or [] if n in removed]
        if len(current) > count:      # the newest go first
            current = sorted(current, key=int)[:count]
        i = 0
        while len(current) < count:
            if str(i) not in current and str(i) not in removed:
                current.append(str(i))
            i += 1
        c.data["removed"] = removed
        c.data["removed_now"] = dropped
        return sorted(current, key=int)

    def _template(self, c: Ctx, names: list[str]) -> dict[str, Any]:
        rdef = dict(c.properties.get("resource_def") or {})
        if not isinstance(rdef.get("type"), str):
            raise ResourceFailure("resource_def: the type is missing")
        var = str(c.properties.get("index_var") or "")
        resources = {}
        for n in names:
            d: dict[str, Any] = {"type": rdef["type"]}
            for k in ("properties", "metadata"):
                if rdef.get(k) is not None:
                    d[k] = _replace_index(copy.deepcopy(rdef[k]), var, n)
            resources[n] = d
        return {"heat_template_version": VERSION, "resources": resources}

    async def create(self, c: Ctx) -> str:
        names = self._names(c)
        c.data["names"] = names
        return await _nested(c).create(c.name, self._template(c, names), {})

    async def check_create_complete(self, c: Ctx) -> bool:
        return await _child_done(c, "CREATE")

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        assert c.physical_id is not None
        names = self._names(c)
        c.data["names"] = names
        await _nested(c).update(c.physical_id, self._template(c, names), {})

    async def check_update_complete(self, c: Ctx) -> bool:
        return await _child_done(c, "UPDATE")

    async def delete(self, c: Ctx) -> None:
        await _delete(c)

    async def check_delete_complete(self, c: Ctx) -> bool:
        return await _gone(c)

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        if c.physical_id is None:
            return {}
        members = await _nested(c).members(c.physical_id)
        names = [n for n in c.data.get("names") or [] if n in members]
        return {"refs": [members[n][0] for n in names],
                "refs_map": {n: members[n][0] for n in names},
                "removed_rsrc_list": list(c.data.get("removed") or []),
                "members": {n: {"ref": members[n][0], "attributes": members[n][1]}
                            for n in names},
                "order": names}

    @staticmethod
    def attribute_path(attrs: Mapping[str, Any], attr: str, path: list[Any]) -> Any:
        """Heat's group attributes: refs, refs_map, removed_rsrc_list, resource.N[.attr]
        (a member's id or attribute), attributes/<attr> (name -> value), <attr> (a list,
        one per member)."""
        members: Mapping[str, Any] = attrs.get("members") or {}
        order: list[str] = list(attrs.get("order") or [])
        if attr in ("refs", "refs_map", "removed_rsrc_list"):
            return _walk(attrs.get(attr), path)
        if attr.startswith("resource."):
            parts = attr.split(".", 2)
            m = members.get(parts[1])
            if m is None:
                return None
            if len(parts) == 3:
                path = [parts[2], *path]
            if not path:
                return m["ref"]
            return _walk(m["attributes"].get(str(path[0])), path[1:])
        if attr == "attributes":
            if not path:
                return None
            return {n: _walk(members[n]["attributes"].get(str(path[0])), path[1:])
                    for n in order}
        return [_walk(members[n]["attributes"].get(attr), path) for n in order]


def _walk(value: Any, path: list[Any]) -> Any:
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


class NestedStack(Base):
    """A stack of its own template inside this one; its outputs are this one's."""

    type_name = "OS::Heat::Stack"
    properties: ClassVar[Mapping[str, Prop]] = {
        "template": Prop("string", required=True, update_allowed=True),
        "parameters": Prop("map", default={}, update_allowed=True),
        "timeout": Prop("integer", update_allowed=True),
        "context": Prop("map")}
    attributes = ("outputs", "stack_name")

    def _doc(self, c: Ctx) -> dict[str, Any]:
        t = c.properties.get("template")
        doc = parse_text(t, "template") if isinstance(t, str) else t
        if not isinstance(doc, dict):
            raise ResourceFailure("template: not a template")
        return doc

    async def create(self, c: Ctx) -> str:
        if (c.properties.get("context") or {}).get("region_name"):
            raise ResourceFailure("context.region_name: this cloud has one region")
        return await _nested(c).create(c.name, self._doc(c),
                                       c.properties.get("parameters") or {})

    async def check_create_complete(self, c: Ctx) -> bool:
        return await _child_done(c, "CREATE")

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        assert c.physical_id is not None
        await _nested(c).update(c.physical_id, self._doc(c),
                                c.properties.get("parameters") or {})

    async def check_update_complete(self, c: Ctx) -> bool:
        return await _child_done(c, "UPDATE")

    async def delete(self, c: Ctx) -> None:
        await _delete(c)

    async def check_delete_complete(self, c: Ctx) -> bool:
        return await _gone(c)

    async def attributes_of(self, c: Ctx) -> dict[str, Any]:
        if c.physical_id is None:
            return {}
        outs = await _nested(c).outputs(c.physical_id)
        return {"outputs": outs, **{k: v for k, v in outs.items()
                                    if k not in ("outputs", "show")}}


class TemplateResource(NestedStack):
    """A provider template: a type that is a template file (by name or through the
    resource_registry); its properties are the template's parameters, its attributes the
    template's outputs."""

    type_name = "provider template"
    properties: ClassVar[Mapping[str, Prop]] = {}
    open_properties = True

    def __init__(self, template_name: str = "") -> None:
        self.template_name = template_name

    def _doc(self, c: Ctx) -> dict[str, Any]:
        text = _nested(c).file(self.template_name)
        if text is None:
            raise ResourceFailure(f'Could not fetch remote template "{self.template_name}"')
        return template_doc(text, self.template_name)

    def _params(self, c: Ctx) -> dict[str, Any]:
        return {k: v for k, v in c.properties.items() if v is not None}

    async def create(self, c: Ctx) -> str:
        return await _nested(c).create(c.name, self._doc(c), self._params(c))

    async def update(self, c: Ctx, old: Mapping[str, Any]) -> None:
        assert c.physical_id is not None
        await _nested(c).update(c.physical_id, self._doc(c), self._params(c))
