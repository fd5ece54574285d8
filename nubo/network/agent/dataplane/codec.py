"""Frozen spec dataclasses to plain JSON values and back (what crosses the bus).

`to_json` turns a dataclass into dicts, lists and scalars; `from_json` rebuilds it from the
class's own type hints (nested specs, `tuple[X, ...]`, `X | None`, scalars), so a spec that
went through JSON compares equal to the original. Unknown keys are ignored (a newer sender),
missing ones take their defaults (an older sender).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

T = TypeVar("T")
_HINTS: dict[type, dict[str, Any]] = {}


def to_json(spec: object) -> Any:
    """A dataclass (or tuple/list of them, or a scalar) as plain JSON values."""
    if dataclasses.is_dataclass(spec) and not isinstance(spec, type):
        return {f.name: to_json(getattr(spec, f.name)) for f in dataclasses.fields(spec)}
    if isinstance(spec, tuple | list):
        return [to_json(x) for x in spec]
    return spec


def from_json(cls: type[T], data: dict[str, Any]) -> T:
    """`cls` rebuilt from `to_json`'s output."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs = {k: _value(hints[k], v) for k, v in data.items() if k in names}
    return cls(**kwargs)


def _value(tp: Any, v: Any) -> Any:
    if v is None:
        return None
    origin = get_origin(tp)
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(args[0], x) for x in v)
        return tuple(_value(a, x) for a, x in zip(args, v, strict=True))
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return _value(inner[0], v) if len(inner) == 1 else v
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_json(tp, v)
    return v
