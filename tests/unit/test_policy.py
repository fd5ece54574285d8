from __future__ import annotations

import os
import time
from pathlib import Path

from oslo_policy.policy import RuleDefault

from nubo.core.context import RequestContext
from nubo.core.policy import Policy
from nubo.identity.policies import RULES

MEMBER = RequestContext(request_id="r", user_id="u", project_id="p1", roles=("member",
                                                                             "reader"))
ADMIN = RequestContext(request_id="r", user_id="a", project_id="p0", roles=("admin",))


def test_defaults() -> None:
    pol = Policy(RULES)
    assert pol.allowed(ADMIN, "identity:list_users")
    assert not pol.allowed(MEMBER, "identity:list_users")
    assert pol.allowed(MEMBER, "identity:get_project", {"target.project.id": "p1"})
    assert not pol.allowed(MEMBER, "identity:get_project", {"target.project.id": "p2"})


def test_none_never_matches_none() -> None:
    """A project token has no domain_id; `domain_id:%(target.domain_id)s` with no target
    domain must not pass (oslo.policy would compare 'None' == 'None')."""
    pol = Policy(RULES)
    assert not pol.allowed(MEMBER, "identity:list_projects", {"target.domain_id": None})
    assert not pol.allowed(MEMBER, "identity:list_projects", {})


def test_policy_file_overrides(tmp_path: Path) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text('"identity:list_users": "role:member"\n')
    pol = Policy(RULES, f)
    assert pol.allowed(MEMBER, "identity:list_users")
    assert Policy([RuleDefault("x", "role:admin")], f).allowed(ADMIN, "x")


def test_policy_file_change_is_picked_up_after_recheck(tmp_path: Path) -> None:
    """The file is not looked at on every check, but a change shows once the recheck
    interval has passed (as oslo.policy reloads a changed file)."""
    f = tmp_path / "policy.yaml"
    f.write_text('"identity:list_users": "role:admin"\n')
    now = [100.0]
    pol = Policy(RULES, f, recheck_seconds=1.0, clock=lambda: now[0])
    assert not pol.allowed(MEMBER, "identity:list_users")
    f.write_text('"identity:list_users": "role:member"\n')
    os.utime(f, (time.time() + 5, time.time() + 5))     # a new mtime even on coarse clocks
    now[0] += 0.5
    assert not pol.allowed(MEMBER, "identity:list_users")    # not yet looked at again
    now[0] += 0.6
    assert pol.allowed(MEMBER, "identity:list_users")


def test_decisions_reused_only_for_the_same_action_target_and_credentials() -> None:
    """Decisions are remembered by (action, target, credentials): asking again in any order
    gives what oslo.policy itself answers for each combination."""
    pol = Policy(RULES)
    fresh = Policy(RULES)
    cases = [(ADMIN, "identity:list_users", {}), (MEMBER, "identity:list_users", {}),
             (MEMBER, "identity:get_project", {"target.project.id": "p1"}),
             (MEMBER, "identity:get_project", {"target.project.id": "p2"}),
             (ADMIN, "identity:get_project", {"target.project.id": "p2"})]
    first = [pol.allowed(ctx, action, target) for ctx, action, target in cases]
    assert first == [True, False, True, False, True]
    for ctx, action, target in cases * 3 + cases[::-1]:
        fresh._decided.clear()
        assert pol.allowed(ctx, action, target) == fresh.allowed(ctx, action, target)
    # a context that differs in one credential only is not the cached one
    other = RequestContext(request_id="r", user_id="u", project_id="p2",
                           roles=("member", "reader"))
    assert pol.allowed(other, "identity:get_project", {"target.project.id": "p2"})


def test_frozen_keeps_types_apart() -> None:
    from nubo.core.policy import _frozen
    assert _frozen({"a": 1}) != _frozen({"a": True})
    assert _frozen({"a": ["x"]}) != _frozen({"a": "x"})
    assert _frozen({"a": {"b": 1}}) == _frozen({"a": {"b": 1}})
