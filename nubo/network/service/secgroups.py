"""Security groups and their rules (Neutron's `security-group` extension).

Every project has a `default` group, made on first use with Neutron's four default rules
(egress to anywhere over IPv4 and IPv6; ingress from members of the group itself), exactly
once whatever the concurrency: the `default_security_group` row is keyed by project and
written in a savepoint, so the loser of a race reads the winner's group.

Functions take the caller's session and never commit: the handler's `db.write()` does, so a
failed step leaves nothing behind. N1's port code calls `ensure_default_group` and
`validate_groups`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.core.context import RequestContext
from nubo.core.db import utcnow
from nubo.network import errors
from nubo.network import models as m
from nubo.network.models_secgroups import DefaultSecurityGroup, SecurityGroup, SecurityGroupRule
from nubo.network.service import attrs, quotas
from nubo.network.service import secgroup_rules as rules

DEFAULT = "default"
DEFAULT_DESCRIPTION = "Default security group"


def group_not_found(id_: str) -> errors.SecurityGroupNotFound:
    return errors.SecurityGroupNotFound(id=id_)


def rule_not_found(id_: str) -> errors.SecurityGroupRuleNotFound:
    return errors.SecurityGroupRuleNotFound(id=id_)


def _new_id() -> str:
    return str(uuid.uuid4())


def _rule(project_id: str, group_id: str, **kw: Any) -> SecurityGroupRule:
    now = utcnow()
    values: dict[str, Any] = {"protocol": None, "port_range_min": None,
                              "port_range_max": None, "remote_ip_prefix": None,
                              "remote_group_id": None, "description": ""}
    values.update(kw)
    return SecurityGroupRule(id=_new_id(), project_id=project_id, security_group_id=group_id,
                             created_at=now, updated_at=now, revision_number=0, **values)


def _default_rules(project_id: str, group_id: str, is_default: bool) -> list[SecurityGroupRule]:
    """Neutron's rule templates: egress for both families on every new group, and ingress
    from the group itself on the default group."""
    out = [_rule(project_id, group_id, direction="egress", ethertype=e) for e in ("IPv4", "IPv6")]
    if is_default:
        out += [_rule(project_id, group_id, direction="ingress", ethertype=e,
                      remote_group_id=group_id) for e in ("IPv4", "IPv6")]
    return out


def _group(project_id: str, name: str, description: str, stateful: bool = True
           ) -> SecurityGroup:
    now = utcnow()
    return SecurityGroup(id=_new_id(), project_id=project_id, name=name,
                         description=description, stateful=stateful, created_at=now,
                         updated_at=now, revision_number=0)


async def default_group_id(session: AsyncSession, project_id: str) -> str | None:
    row = await session.get(DefaultSecurityGroup, project_id)
    return row.security_group_id if row is not None else None


async def ensure_default_group(session: AsyncSession, project_id: str) -> str:
    """The id of the project's `default` group, created with its rules if missing."""
    existing = await default_group_id(session, project_id)
    if existing is not None:
        return existing
    sg = _group(project_id, DEFAULT, DEFAULT_DESCRIPTION)
    try:
        async with session.begin_nested():
            session.add(sg)
            await session.flush()
            session.add_all(_default_rules(project_id, sg.id, True))
            session.add(DefaultSecurityGroup(project_id=project_id, security_group_id=sg.id))
            await session.flush()
    except IntegrityError:
        # Another transaction made it first (PostgreSQL/MariaDB; SQLite serialises writers).
        winner = await default_group_id(session, project_id)
        if winner is None:
            raise
        return winner
    return sg.id


def _visible(ctx: RequestContext, project_id: str) -> bool:
    return ctx.is_admin or project_id == ctx.project_id


async def get_group(session: AsyncSession, ctx: RequestContext, id_: str) -> SecurityGroup:
    sg = await session.get(SecurityGroup, id_)
    if sg is None or not _visible(ctx, sg.project_id):
        raise group_not_found(id_)
    return sg


async def validate_groups(session: AsyncSession, ctx: RequestContext,
                          ids: Sequence[str]) -> None:
    """A 404 SecurityGroupNotFound naming the groups of `ids` the caller cannot use."""
    missing = []
    for id_ in ids:
        sg = await session.get(SecurityGroup, id_)
        if sg is None or not _visible(ctx, sg.project_id):
            missing.append(id_)
    if missing:
        raise group_not_found(", ".join(missing))


async def rules_of(session: AsyncSession, group_ids: Sequence[str]
                   ) -> dict[str, list[SecurityGroupRule]]:
    out: dict[str, list[SecurityGroupRule]] = {g: [] for g in group_ids}
    if not group_ids:
        return out
    rows = (await session.execute(select(SecurityGroupRule).where(
        SecurityGroupRule.security_group_id.in_(list(group_ids))).order_by(
        SecurityGroupRule.created_at, SecurityGroupRule.id))).scalars()
    for r in rows:
        out[r.security_group_id].append(r)
    return out


async def list_groups(session: AsyncSession, ctx: RequestContext) -> list[SecurityGroup]:
    q = select(SecurityGroup).order_by(SecurityGroup.created_at, SecurityGroup.id)
    if not ctx.is_admin:
        q = q.where(SecurityGroup.project_id == (ctx.project_id or ""))
    return list((await session.execute(q)).scalars())


def _target_project(ctx: RequestContext, body: dict[str, Any]) -> str:
    """Only an admin may create for another project (Neutron's tenant_id policy)."""
    project = body.get("project_id") or body.get("tenant_id") or ctx.project_id or ""
    if body.get("project_id") and body.get("tenant_id") and \
            body["project_id"] != body["tenant_id"]:
        raise errors.ForeignProject()
    if project != ctx.project_id and not ctx.is_admin:
        raise errors.ForeignProject()
    return project


async def create_group(session: AsyncSession, ctx: RequestContext,
                       body: dict[str, Any]) -> SecurityGroup:
    project = _target_project(ctx, body)
    name = body.get("name") or ""
    if name.lower() == DEFAULT:
        raise errors.SecurityGroupDefaultAlreadyExists()
    await ensure_default_group(session, project)
    await quotas.check(session, project, "security_group", 1)
    await quotas.check(session, project, "security_group_rule", 2)
    sg = _group(project, name, body.get("description") or "", body.get("stateful", True))
    session.add(sg)
    await session.flush()
    session.add_all(_default_rules(project, sg.id, False))
    await session.flush()
    return sg


async def _ports_using(session: AsyncSession, group_id: str) -> int:
    q = select(func.count()).select_from(m.PortSecurityGroup).where(
        m.PortSecurityGroup.security_group_id == group_id)
    return int((await session.execute(q)).scalar_one())


def _in_use(group_id: str) -> errors.SecurityGroupInUse:
    return errors.SecurityGroupInUse(id=group_id)


async def update_group(session: AsyncSession, ctx: RequestContext, id_: str,
                       body: dict[str, Any]) -> SecurityGroup:
    sg = await get_group(session, ctx, id_)
    if "stateful" in body and body["stateful"] != sg.stateful and \
            await _ports_using(session, id_):
        raise _in_use(id_)
    if "name" in body:
        if sg.name == DEFAULT:
            raise errors.SecurityGroupCannotUpdateDefault()
        if (body["name"] or "").lower() == DEFAULT:
            raise errors.SecurityGroupDefaultAlreadyExists()
    changed = False
    for key in ("name", "description", "stateful"):
        if key in body and getattr(sg, key) != body[key]:
            setattr(sg, key, body[key])
            changed = True
    if changed:
        sg.updated_at = utcnow()
        sg.revision_number += 1
    await session.flush()
    return sg


async def delete_group(session: AsyncSession, ctx: RequestContext, id_: str) -> None:
    sg = await get_group(session, ctx, id_)
    if await _ports_using(session, id_):
        raise _in_use(id_)
    if sg.name == DEFAULT and not ctx.is_admin:
        raise errors.SecurityGroupCannotRemoveDefault()
    await session.delete(sg)
    await session.flush()


async def get_rule(session: AsyncSession, ctx: RequestContext, id_: str) -> SecurityGroupRule:
    r = await session.get(SecurityGroupRule, id_)
    if r is None:
        raise rule_not_found(id_)
    if not ctx.is_admin and r.project_id != ctx.project_id:
        owner = await session.get(SecurityGroup, r.security_group_id)
        if owner is None or owner.project_id != ctx.project_id:
            raise rule_not_found(id_)
    return r


async def list_rules(session: AsyncSession, ctx: RequestContext) -> list[SecurityGroupRule]:
    """The rules the caller may see: its own, and those of its own groups."""
    q = select(SecurityGroupRule).order_by(SecurityGroupRule.created_at, SecurityGroupRule.id)
    if not ctx.is_admin:
        own = select(SecurityGroup.id).where(SecurityGroup.project_id == (ctx.project_id or ""))
        q = q.where((SecurityGroupRule.project_id == (ctx.project_id or "")) |
                    SecurityGroupRule.security_group_id.in_(own))
    return list((await session.execute(q)).scalars())


async def create_rule(session: AsyncSession, ctx: RequestContext,
                      body: dict[str, Any]) -> SecurityGroupRule:
    """One rule, checked as Neutron checks it; 409 SecurityGroupRuleExists for a duplicate."""
    rule = rules.normalize(body)
    group_id = body.get("security_group_id") or ""
    sg = await get_group(session, ctx, group_id)
    project = body.get("project_id") or body.get("tenant_id") or sg.project_id
    if project != ctx.project_id and not ctx.is_admin:
        project = sg.project_id
    if rule["remote_group_id"]:
        await get_group(session, ctx, rule["remote_group_id"])
    key = rules.rule_key(rule, group_id)
    for other in (await rules_of(session, [group_id]))[group_id]:
        if rules.rule_key(_as_dict(other), group_id) == key:
            raise errors.SecurityGroupRuleExists(rule_id=other.id)
    await quotas.check(session, project, "security_group_rule", 1)
    row = _rule(project, group_id, **rule)
    session.add(row)
    await session.flush()
    return row


def _as_dict(r: SecurityGroupRule) -> dict[str, Any]:
    return {"direction": r.direction, "ethertype": r.ethertype, "protocol": r.protocol,
            "port_range_min": r.port_range_min, "port_range_max": r.port_range_max,
            "remote_ip_prefix": r.remote_ip_prefix, "remote_group_id": r.remote_group_id}


async def delete_rule(session: AsyncSession, ctx: RequestContext, id_: str) -> None:
    r = await get_rule(session, ctx, id_)
    await session.delete(r)
    await session.flush()


async def _count_groups(session: AsyncSession, project_id: str) -> int:
    q = select(func.count()).select_from(SecurityGroup).where(
        SecurityGroup.project_id == project_id)
    return int((await session.execute(q)).scalar_one())


async def _count_rules(session: AsyncSession, project_id: str) -> int:
    q = select(func.count()).select_from(SecurityGroupRule).where(
        SecurityGroupRule.project_id == project_id)
    return int((await session.execute(q)).scalar_one())


quotas.register_counter("security_group", _count_groups)
quotas.register_counter("security_group_rule", _count_rules)


async def rule_details(session: AsyncSession, rules: Sequence[SecurityGroupRule], kind: str
                       ) -> tuple[dict[str, list[str]], dict[str, bool]]:
    """What a rule's view shows besides its row: tags, and whether its group is its project's
    default group (by group id)."""
    tags = await attrs.tags_of(session, kind, [r.id for r in rules])
    defaults: dict[str, bool] = {}
    for r in rules:
        if r.security_group_id not in defaults:
            sg = await session.get(SecurityGroup, r.security_group_id)
            defaults[r.security_group_id] = sg is not None and \
                sg.id == await default_group_id(session, sg.project_id)
    return tags, defaults
