"""Policy in the language operators know (oslo.policy), overridable by a policy file.

Each service registers its defaults (`policies.py`); `Policy.enforce` raises a 403 naming
the rule. The file (YAML or JSON, as with every OpenStack service) may override any rule; a
change to it is picked up within `recheck_seconds`, as oslo.policy reloads a changed file
(oslo.policy itself looks for the file on every check: four stat calls per request without
a file).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from oslo_config import cfg
from oslo_policy import opts as oslo_opts
from oslo_policy import policy as oslo_policy

from nubo.core.context import RequestContext
from nubo.core.errors import PolicyNotAuthorized

_DECIDED_MAX = 4096


def _frozen(value: Any) -> Any:
    """A hashable stand-in that tells apart what a check could tell apart (types included:
    1 and True are one dict key, not one credential)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return (dict, tuple(sorted((str(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(map(_frozen, value), key=repr) if isinstance(value, set | frozenset) \
            else [_frozen(v) for v in value]
        return (type(value), tuple(items))
    hash(value)             # TypeError for anything else unhashable
    return (type(value), value)


class Policy:
    def __init__(self, defaults: Iterable[oslo_policy.RuleDefault],
                 policy_file: Path | None = None, recheck_seconds: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        conf = cfg.ConfigOpts()
        # Scope checks stay off, as in Keystone's and DevStack's defaults.
        # Without an override file, point at one that cannot exist so only defaults apply.
        path = str(policy_file or "/nonexistent/nubo-policy.yaml")
        oslo_opts.set_defaults(conf, policy_file=path, enforce_scope=False,
                               enforce_new_defaults=True)
        conf([], project="nubo", default_config_files=[], default_config_dirs=[])
        conf.set_override("policy_dirs", [], group="oslo_policy")
        self._enforcer = oslo_policy.Enforcer(conf, use_conf=True)
        self._enforcer.register_defaults(list(defaults))
        self._enforcer.load_rules()
        self._enforcer.use_conf = False     # enforce() must not look at the file each time
        self._recheck, self._clock = recheck_seconds, clock
        self._checked = clock()
        #: decisions already made, by (action, target, credentials): oslo.policy walks the
        #: rule tree and inspects each check's signature on every call (about a third of a
        #: token validation). Emptied whenever the file is looked at again, and bounded.
        self._decided: dict[Any, bool] = {}

    def _reload_if_due(self) -> None:
        now = self._clock()
        if now - self._checked >= self._recheck:
            self._checked = now
            self._decided.clear()
            self._enforcer.use_conf = True
            try:
                self._enforcer.load_rules()
            finally:
                self._enforcer.use_conf = False

    def allowed(self, ctx: RequestContext, action: str,
                target: Mapping[str, Any] | None = None) -> bool:
        # None never matches: oslo.policy would compare str(None) == "None" and let a
        # project-scoped token (domain_id None) pass `domain_id:%(target.domain_id)s`.
        self._reload_if_due()
        clean = {k: v for k, v in (target or {}).items() if v is not None}
        creds = {k: v for k, v in ctx.policy_credentials().items() if v is not None}
        try:
            key = (action, _frozen(clean), _frozen(creds))
        except TypeError:       # a value that cannot be a key: decide without the cache
            return bool(self._enforcer.enforce(action, clean, creds, do_raise=False))
        found = self._decided.get(key)
        if found is None:
            found = bool(self._enforcer.enforce(action, clean, creds, do_raise=False))
            if len(self._decided) >= _DECIDED_MAX:
                self._decided.clear()
            self._decided[key] = found
        return found

    def knows(self, action: str) -> bool:
        """Whether a rule of that name is registered (or set by the policy file)."""
        self._reload_if_due()
        return action in self._enforcer.rules

    def enforce(self, ctx: RequestContext, action: str,
                target: Mapping[str, Any] | None = None) -> None:
        if not self.allowed(ctx, action, target):
            raise PolicyNotAuthorized(action)
