"""Modules that `nubo up` loads on first use instead of at start (importlib's LazyLoader).

Libraries we depend on import these at their top but use them rarely on the paths a cloud
serves: oslo.policy imports `oslo_utils.strutils` (~100 ms of regular expressions compiled
at import) for its debug logging only. A lazy module is an empty module object until an
attribute of it is read: then it loads, once, as it would have. Only modules imported as
`from package import module` stay lazy: `import module` reads the module's `__spec__`, which
loads it (Python 3.11). Installed by `nubo up` only (`nubo.server`), before the services
load; tests of the services import everything eagerly.

oslo.policy's own plugin checks are deferred the same way (`policy_http_checks`).
"""

from __future__ import annotations

import importlib.util
import sys

#: imported at the top of our dependencies (or ours), used off the hot path
DEFERRED = ("oslo_utils.strutils",)


def defer(names: tuple[str, ...] = DEFERRED) -> list[str]:
    """Make each module not loaded yet lazy; returns those made lazy."""
    policy_http_checks()
    done = []
    for name in names:
        if name in sys.modules:
            continue
        parent, _, child = name.rpartition(".")
        if parent:
            importlib.import_module(parent)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            continue
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        if parent:      # `from parent import child` finds it without loading it
            setattr(sys.modules[parent], child, module)
        done.append(name)
    return done


def policy_http_checks() -> None:
    """oslo.policy looks the kind of every rule it parses (each RuleDefault, at import) up
    among the checks packages register as entry points (`oslo.policy.rule_checks`: its own
    `http` and `https`; no other package here registers any), and finding them imports
    requests and urllib3: ~0.1 s of a start, for checks our rules do not use. Register those
    two before the first rule is parsed, each loaded when a rule first uses it."""
    from oslo_policy import _checks
    if _checks.extension_checks is not None:
        return

    def http(kind: str, match: str) -> _checks.Check:
        from oslo_policy._external import HttpCheck
        return HttpCheck(kind, match)

    def https(kind: str, match: str) -> _checks.Check:
        from oslo_policy._external import HttpsCheck
        return HttpsCheck(kind, match)
    _checks.extension_checks = {"http": http, "https": https}
