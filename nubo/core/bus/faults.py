"""Failures that cross the bus: a record (code, message, retryable), never an exception object.

The side that fails turns its exception into a record (`to_record`); the side that called
turns the record back into an exception (`from_record`): the class registered for the code
if there is one (so `except SpawnFailed` still works on the controller), else a plain
`Fault`. A class registers itself by subclassing `Fault` with a `code`.
"""

from __future__ import annotations

from typing import ClassVar, TypedDict


class FaultRecord(TypedDict):
    code: str
    message: str
    retryable: bool


class Fault(Exception):
    """A failure that can cross the bus. Subclasses set `code` (stable, snake_case) and
    `retryable` (whether the same call may succeed later: a host that did not answer, not a
    guest that cannot boot)."""

    code: ClassVar[str] = "internal_error"
    retryable: ClassVar[bool] = False
    _registry: ClassVar[dict[str, type[Fault]]] = {}

    def __init_subclass__(cls, **kw: object) -> None:
        super().__init_subclass__(**kw)
        Fault._registry[cls.code] = cls

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class HostUnreachable(Fault):
    """No agent answers for that host (down, unknown, or timed out)."""

    code = "host_unreachable"
    retryable = True


class RpcVersionMismatch(Fault):
    """The message's RPC version is one the receiver cannot serve."""

    code = "rpc_version_mismatch"


class UnknownMethod(Fault):
    """The receiver has no such RPC method (or it is not on its whitelist)."""

    code = "unknown_method"


def to_record(exc: BaseException) -> FaultRecord:
    if isinstance(exc, Fault):
        return {"code": exc.code, "message": exc.message, "retryable": exc.retryable}
    if isinstance(exc, TimeoutError):
        return {"code": HostUnreachable.code, "message": "timed out", "retryable": True}
    return {"code": Fault.code, "message": f"{type(exc).__name__}: {exc}", "retryable": False}


def from_record(record: FaultRecord) -> Fault:
    cls = Fault._registry.get(record["code"], Fault)
    fault = cls(record["message"])
    if cls is Fault and record["code"] != Fault.code:
        # a code this side does not know (a newer peer): keep it readable
        fault.message = f"{record['code']}: {record['message']}"
    return fault
