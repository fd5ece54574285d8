"""Helpers the benchmark scripts share (run them as `python bench/<name>.py`)."""

from __future__ import annotations

import json
import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    """The p-quantile of durations in seconds, in milliseconds."""
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def report(figures: dict[str, float]) -> None:
    """A readable table, then the same figures as one JSON line."""
    width = max(map(len, figures))
    for k, v in figures.items():
        print(f"{k:<{width}}  {v:10.2f}")
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))
