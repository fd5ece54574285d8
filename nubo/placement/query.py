"""Query strings of GET /resource_providers and GET /allocation_candidates, parsed into the
filters `candidates.py` works with. Syntax only; the service checks that names exist."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nubo.core.microversion import APIVersion
from nubo.placement import errors
from nubo.placement.candidates import AggregateFilter, Group, Query, TraitFilter
from nubo.placement.names import NAME_RE, is_uuid

Params = Sequence[tuple[str, str]]

SUFFIX_NUMBERED = re.compile(r"^[1-9][0-9]*$")
SUFFIX_133 = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
GROUP_KEYS = ("resources", "required", "member_of", "in_tree")


def _invalid(msg: str) -> errors.InvalidQueryString:
    return errors.InvalidQueryString(detail=msg)


def check_keys(params: Params, allowed: set[str]) -> None:
    for key, _ in params:
        if key not in allowed:
            raise _invalid(f"Additional properties are not allowed ('{key}' was unexpected)")


def values(params: Params, key: str, repeatable: bool) -> list[str]:
    found = [v for k, v in params if k == key]
    # Before the version that allows repeating a parameter, the last one counts (webob).
    return found if repeatable else found[-1:]


def resources(value: str) -> tuple[tuple[str, int], ...]:
    """`VCPU:2,MEMORY_MB:1024` -> (("VCPU", 2), ("MEMORY_MB", 1024))."""
    out: dict[str, int] = {}
    for item in value.split(","):
        rc, sep, amount = item.strip().partition(":")
        if not sep or not rc or not amount:
            raise errors.BadResources(value=value)
        try:
            n = int(amount)
        except ValueError:
            n = 0
        if n < 1:
            raise errors.BadResourceAmount(resource_class=rc, amount=amount)
        if rc in out:
            raise errors.DuplicateResourceClassRequest(resource_class=rc, value=value)
        out[rc] = n
    return tuple(out.items())


def traits(raw: list[str], v: APIVersion, key: str = "required") -> TraitFilter:
    """`A,!B` and, from 1.39, `in:C,D` (any of) and repeated parameters."""
    required: list[frozenset[str]] = []
    forbidden: set[str] = set()
    for value in raw:
        if v.matches("1.39") and value.startswith("in:"):
            names = value[3:].split(",")
            if any(not n or n.startswith("!") or not NAME_RE.match(n) for n in names):
                raise _invalid(f"Invalid {key} parameter value: {value}. The any-of "
                               "form is in:TRAIT1,TRAIT2 without forbidden traits.")
            required.append(frozenset(names))
            continue
        for name in value.split(","):
            bare = name[1:] if name.startswith("!") and v.matches("1.22") else name
            if not bare or not NAME_RE.match(bare):
                raise _invalid(f"Expected '{key}' parameter value of the form: "
                               f"HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: {value}")
            if bare is name:
                required.append(frozenset([name]))
            else:
                forbidden.add(bare)
    plain = {next(iter(s)) for s in required if len(s) == 1}
    both = plain & forbidden
    if both:
        raise errors.ConflictingTraits(key=key, traits=", ".join(sorted(both)))
    return TraitFilter(tuple(required), frozenset(forbidden))


def member_of(raw: list[str], v: APIVersion, key: str = "member_of") -> AggregateFilter:
    groups: list[frozenset[str]] = []
    forbidden: set[str] = set()
    for value in raw:
        negate = v.matches("1.32") and value.startswith("!")
        body = value[1:] if negate else value
        if body.startswith("in:"):
            uuids = body[3:].split(",")
        elif "," in body:
            raise _invalid(f"Multiple values for '{key}' must be prefixed with the 'in:' "
                           f"keyword. Got: {value}")
        else:
            uuids = [body]
        if not uuids or not all(is_uuid(u) for u in uuids):
            raise _invalid(f"Expected '{key}' parameter to contain valid UUID(s). "
                           f"Got: {value}")
        if negate:
            forbidden.update(uuids)
        else:
            groups.append(frozenset(uuids))
    return AggregateFilter(tuple(groups), frozenset(forbidden))


def uuid_value(value: str, key: str) -> str:
    if not is_uuid(value):
        raise _invalid(f"Expected '{key}' parameter to be a valid UUID. Got: {value}")
    return value


def positive_int(value: str, key: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise _invalid(f"'{key}' must be a positive integer. Got: {value}")
    return n


@dataclass(frozen=True)
class ProviderFilters:
    """GET /resource_providers."""

    name: str | None = None
    uuid: str | None = None
    in_tree: str | None = None
    resources: tuple[tuple[str, int], ...] = ()
    traits: TraitFilter = TraitFilter()
    aggregates: AggregateFilter = AggregateFilter()


def provider_filters(params: Params, v: APIVersion) -> ProviderFilters:
    allowed = {"name", "uuid"}
    for key, since in (("member_of", "1.3"), ("resources", "1.4"), ("in_tree", "1.14"),
                       ("required", "1.18")):
        if v.matches(since):
            allowed.add(key)
    check_keys(params, allowed)
    get = dict(params)
    uuid = get.get("uuid")
    if uuid is not None:
        uuid_value(uuid, "uuid")
    in_tree = get.get("in_tree")
    if in_tree is not None:
        uuid_value(in_tree, "in_tree")
    req = values(params, "required", v.matches("1.39"))
    if "required" in get and not any(req):
        raise _invalid("'required' must not be empty.")
    return ProviderFilters(
        name=get.get("name"), uuid=uuid, in_tree=in_tree,
        resources=resources(get["resources"]) if "resources" in get else (),
        traits=traits(req, v),
        aggregates=member_of(values(params, "member_of", v.matches("1.24")), v))


def _suffix_of(key: str, v: APIVersion) -> tuple[str, str] | None:
    for base in GROUP_KEYS:
        if key.startswith(base) and key != base:
            suffix = key[len(base):]
            if base == "in_tree" and not v.matches("1.31"):
                return None
            pattern = SUFFIX_133 if v.matches("1.33") else SUFFIX_NUMBERED
            if pattern.match(suffix):
                return base, suffix
    return None


def _pick(raw: dict[str, list[str]], key: str, repeatable: bool) -> list[str]:
    found = raw.get(key, [])
    return found if repeatable else found[-1:]


def candidates_query(params: Params, v: APIVersion) -> Query:
    """GET /allocation_candidates, as of microversion `v` (1.10+)."""
    allowed = {"resources"}
    for key, since in (("limit", "1.16"), ("required", "1.17"), ("member_of", "1.21"),
                       ("group_policy", "1.25"), ("in_tree", "1.31"),
                       ("root_required", "1.35"), ("same_subtree", "1.36")):
        if v.matches(since):
            allowed.add(key)
    by_suffix: dict[str, dict[str, list[str]]] = {}
    for key, value in params:
        base, suffix = key, ""
        if key not in allowed:
            split = _suffix_of(key, v) if v.matches("1.25") else None
            if split is None:
                raise _invalid(f"Additional properties are not allowed ('{key}' was "
                               "unexpected)")
            base, suffix = split
        if base in GROUP_KEYS:
            by_suffix.setdefault(suffix, {}).setdefault(base, []).append(value)
    repeat_required = v.matches("1.39")
    repeat_member = v.matches("1.24")
    groups: list[Group] = []
    for suffix, raw in sorted(by_suffix.items()):
        res = resources(raw["resources"][-1]) if "resources" in raw else ()
        if suffix and not res and not v.matches("1.36"):
            raise errors.OrphanedTraits(suffix=suffix)
        in_tree = raw.get("in_tree", [None])[-1]
        groups.append(Group(
            suffix=suffix, resources=res,
            traits=traits(_pick(raw, "required", repeat_required), v, f"required{suffix}"),
            aggregates=member_of(_pick(raw, "member_of", repeat_member), v,
                                 f"member_of{suffix}"),
            in_tree=uuid_value(in_tree, f"in_tree{suffix}") if in_tree is not None else None))
    if not any(g.resources for g in groups):
        raise errors.QueryBadValue()
    get = dict(params)
    policy = get.get("group_policy")
    if policy is not None and policy not in ("none", "isolate"):
        raise _invalid(f"'group_policy' must be one of none, isolate. Got: {policy}")
    suffixed = [g for g in groups if g.suffix]
    if len(suffixed) > 1 and policy is None:
        raise errors.GroupPolicyRequired()
    subtrees: list[tuple[str, ...]] = []
    known = {g.suffix for g in groups}
    for value in values(params, "same_subtree", True):
        names = tuple(value.split(","))
        unknown = [s for s in names if s not in known or not s]
        if unknown:
            raise errors.UnknownSameSubtreeSuffix(suffixes=", ".join(unknown))
        subtrees.append(names)
    in_subtree = {s for names in subtrees for s in names}
    for g in suffixed:
        if not g.resources and g.suffix not in in_subtree:
            raise errors.ResourcelessGroupOutsideSubtree(suffix=g.suffix)
    return Query(
        groups=tuple(groups), group_policy=policy,
        limit=positive_int(get["limit"], "limit") if "limit" in get else None,
        root_traits=traits(values(params, "root_required", repeat_required), v,
                           "root_required"),
        same_subtree=tuple(subtrees), nested=v.matches("1.29"))
