"""What the engine's steps share: their failures and how a failure reads on a stack."""

from __future__ import annotations

from typing import Any

from nubo.core.errors import NuboError
from nubo.orchestration.resources.base import ResourceFailure
from nubo.orchestration.service.cloud import ServiceCallFailed


class StepFailed(Exception):
    """A resource failed; `reason` is what the stack shows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TimedOut(Exception):
    pass


def reason_of(name: str, exc: BaseException) -> str:
    if isinstance(exc, ResourceFailure) and exc.inner:
        return f"{exc.kind}: resources.{name}.{exc.message}"
    if isinstance(exc, ResourceFailure):
        return f"{exc.kind}: resources.{name}: {exc.message}"
    if isinstance(exc, ServiceCallFailed):
        kind = {400: "BadRequest", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
                413: "OverLimit"}.get(exc.status, "InternalServerError")
        return f"{kind}: resources.{name}: {exc.message}"
    if isinstance(exc, NuboError):
        return f"{exc.code}: resources.{name}: {exc.message}"
    return f"{type(exc).__name__}: resources.{name}: {exc}"



def jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)
