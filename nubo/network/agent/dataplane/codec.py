"""Frozen spec dataclasses to plain JSON values and back (what crosses the bus).

`to_json` turns a dataclass into dicts, lists and scalars; `from_json` rebuilds it from the
class's own type hints (nested specs, `tuple[X, ...]`, `X | None`, scalars), so a spec that
went through JSON compares equal to the original. Unknown keys are ignored (a newer sender),
missing ones take their defaults (an older sender). The converters are built once per class
(a host's state has thousands of specs: no type introspection per value).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

T = TypeVar("T")
Convert = Callable[[Any], Any]
_DECODERS: dict[type, Callable[[dict[str, Any]], Any]] = {}
_ENCODERS: dict[type, Convert] = {}


def to_json(spec: object) -> Any:
    """A dataclass (or tuple/list of them, or a scalar) as plain JSON values."""
    if isinstance(spec, tuple | list):
        return [to_json(x) for x in spec]
    cls = type(spec)
    if dataclasses.is_dataclass(cls):
        return _encoder(cls)(spec)
    return spec


def from_json(cls: type[T], data: dict[str, Any]) -> T:
    """`cls` rebuilt from `to_json`'s output."""
    out: T = _decoder(cls)(data)
    return out


def _encoder(cls: type) -> Convert:
    enc = _ENCODERS.get(cls)
    if enc is None:
        hints = get_type_hints(cls)
        fields = [(f.name, _encode_as(hints[f.name])) for f in dataclasses.fields(cls)]

        def enc(obj: Any) -> Any:
            return {name: (v if conv is None or v is None else conv(v))
                    for name, conv in fields for v in (getattr(obj, name),)}
        _ENCODERS[cls] = enc
    return enc


def _encode_as(tp: Any) -> Convert | None:
    """How a value of type `tp` becomes JSON (None: it is JSON already)."""
    origin = get_origin(tp)
    if origin is tuple:
        inner = _encode_as(get_args(tp)[0])
        if inner is None:
            return list
        conv = inner
        return lambda v: [conv(x) for x in v]
    if origin in (types.UnionType, typing.Union):
        inner_types = [a for a in get_args(tp) if a is not type(None)]
        return _encode_as(inner_types[0]) if len(inner_types) == 1 else None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _encoder(tp)
    return None


def _decoder(cls: type) -> Callable[[dict[str, Any]], Any]:
    dec = _DECODERS.get(cls)
    if dec is None:
        hints = get_type_hints(cls)
        convs = {f.name: _decode_as(hints[f.name]) for f in dataclasses.fields(cls)}

        def dec(data: dict[str, Any]) -> Any:
            kwargs = {}
            for k, v in data.items():
                if k in convs:
                    conv = convs[k]
                    kwargs[k] = v if conv is None or v is None else conv(v)
            return cls(**kwargs)
        _DECODERS[cls] = dec
    return dec


def _decode_as(tp: Any) -> Convert | None:
    """How a JSON value becomes type `tp` (None: it is one already)."""
    origin = get_origin(tp)
    if origin is tuple:
        args = get_args(tp)
        inner = _decode_as(args[0])
        if inner is None:
            return tuple
        conv = inner
        return lambda v: tuple(conv(x) for x in v)
    if origin in (types.UnionType, typing.Union):
        inner_types = [a for a in get_args(tp) if a is not type(None)]
        return _decode_as(inner_types[0]) if len(inner_types) == 1 else None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decoder(tp)
    return None
