"""The network service's entry points for the API: each function opens its own read or write
transaction on the Database, does the work of one request with the service modules beside
this package, and returns rows with the details their views need (loaded in the same
transaction). Handlers never see a session.

A policy check that needs the row (its project, its network's project) is a callback:
`Enforce(action, target)`, the handler's `policy.enforce` bound to the caller; it raises
PolicyNotAuthorized inside the transaction, which then rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: the policy callback: (action, target) -> None, raises PolicyNotAuthorized
Enforce = Callable[[str, dict[str, Any]], None]

__all__ = ["Enforce"]
