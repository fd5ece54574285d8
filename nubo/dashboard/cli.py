"""Small text helpers for the pages: shell quoting for the `openstack` commands every form
shows, times and sizes as people read them."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime


def quote(value: object) -> str:
    return shlex.quote(str(value))


def ago(stamp: str | None, now: datetime | None = None) -> str:
    """"3 min ago" from an API timestamp ("2026-01-01T10:00:00Z" or with microseconds)."""
    if not stamp:
        return ""
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    secs = int(((now or datetime.now(UTC)) - when).total_seconds())
    if secs < 60:
        return "just now"
    for unit, length in (("d", 86400), ("h", 3600), ("min", 60)):
        if secs >= length:
            return f"{secs // length} {unit} ago"
    return stamp


def size(mib: int | float | None, unit: str = "MiB") -> str:
    if mib is None:
        return "—"
    value = float(mib)
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    i = units.index(unit)
    while value >= 1024 and i < len(units) - 1:
        value /= 1024
        i += 1
    return f"{value:.0f} {units[i]}" if value >= 10 or value == int(value) else \
        f"{value:.1f} {units[i]}"
