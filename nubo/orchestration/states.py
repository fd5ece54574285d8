"""Stack and resource states, with Heat's names (`<ACTION>_<STATUS>`, what clients wait on)."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    INIT = "INIT"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    ROLLBACK = "ROLLBACK"


class Status(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


def joined(action: str, status: str) -> str:
    return f"{action}_{status}"
