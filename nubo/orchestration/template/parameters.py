"""The parameters section: schemas, the values given (coerced to their type), constraints.

Custom constraints (nova.flavor, glance.image ...) are checked by name here; whether the
thing exists is the engine's check against the cloud (`CUSTOM_CONSTRAINTS`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nubo.orchestration.errors import UserParameterMissing, bad

TYPES = ("string", "number", "json", "comma_delimited_list", "boolean")
CUSTOM_CONSTRAINTS = ("nova.flavor", "nova.keypair", "nova.server", "glance.image",
                      "neutron.network", "neutron.subnet", "neutron.port", "neutron.router",
                      "neutron.security_group", "cinder.volume", "cinder.vtype",
                      "cinder.snapshot", "ip_addr", "net_cidr", "mac_addr", "iso_8601",
                      "timezone", "expiration", "cron_expression", "dns_name", "rel_dns_name",
                      "dns_domain", "test_constr")
_TRUE = ("true", "t", "on", "y", "yes", "1")
_FALSE = ("false", "f", "off", "n", "no", "0")
_KEYS = {"type", "label", "description", "default", "hidden", "constraints", "immutable",
         "tags"}


@dataclass
class Parameter:
    name: str
    type: str
    default: Any = None
    has_default: bool = False
    hidden: bool = False
    label: str | None = None
    description: str = ""
    constraints: list[dict[str, Any]] = field(default_factory=list)
    immutable: bool = False

    def schema_view(self) -> dict[str, Any]:
        """As Heat's /validate shows a parameter."""
        out: dict[str, Any] = {"Type": _view_type(self.type), "Description": self.description,
                               "Label": self.label or self.name,
                               "NoEcho": "true" if self.hidden else "false"}
        if self.has_default:
            out["Default"] = self.default
        for c in self.constraints:
            if "allowed_values" in c:
                out["AllowedValues"] = c["allowed_values"]
            if "allowed_pattern" in c:
                out["AllowedPattern"] = c["allowed_pattern"]
        return out


def _view_type(t: str) -> str:
    return {"comma_delimited_list": "CommaDelimitedList", "json": "Json",
            "boolean": "Boolean", "number": "Number"}.get(t, "String")


def schema(section: Any) -> dict[str, Parameter]:
    """The parameters section checked: known types, keys and constraint shapes."""
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise bad("The template section is invalid: parameters")
    out: dict[str, Parameter] = {}
    for name, spec in section.items():
        path = f"parameters.{name}"
        if not isinstance(spec, dict):
            raise bad(f"{path}: Invalid parameter schema: it must be a map")
        unknown = set(spec) - _KEYS
        if unknown:
            raise bad(f'Invalid key \'{sorted(unknown)[0]}\' for parameter ({name})')
        ptype = spec.get("type")
        if ptype not in TYPES:
            raise bad(f'Invalid type ({ptype}) for parameter ({name})' if ptype else
                      f'Missing parameter type for parameter: {name}')
        constraints = spec.get("constraints") or []
        if not isinstance(constraints, list):
            raise bad(f"{path}.constraints: Invalid parameter constraints for parameter "
                      f"{name}, expected a list")
        for c in constraints:
            _check_constraint(c, ptype, f"{path}.constraints", name)
        p = Parameter(name, ptype, spec.get("default"), "default" in spec,
                      _bool(spec.get("hidden", False), f"{path}.hidden"), spec.get("label"),
                      str(spec.get("description", "")), constraints,
                      bool(spec.get("immutable", False)))
        if p.has_default and p.default is not None:
            p.default = coerce(p, p.default)
            check(p, p.default)
        out[name] = p
    return out


def _check_constraint(c: Any, ptype: str, path: str, name: str) -> None:
    kinds = {"length", "range", "modulo", "allowed_values", "allowed_pattern",
             "custom_constraint"}
    if not isinstance(c, dict) or not set(c) - {"description"} or \
            len(set(c) - {"description"}) != 1 or not set(c) - {"description"} <= kinds:
        raise bad(f"{path}: Invalid parameter constraints for parameter {name}")
    kind = (set(c) - {"description"}).pop()
    arg = c[kind]
    if kind in ("length", "range", "modulo"):
        if not isinstance(arg, dict) or not arg or set(arg) - {"min", "max", "step",
                                                               "offset"}:
            raise bad(f"{path}.{kind}: Invalid {kind} constraint, expected min and/or max")
        if kind == "length" and ptype not in ("string", "comma_delimited_list", "json"):
            raise bad(f"Invalid constraint: length constraint invalid for parameter type "
                      f"{ptype} ({name})")
        if kind == "range" and ptype != "number":
            raise bad(f"Invalid constraint: range constraint invalid for parameter type "
                      f"{ptype} ({name})")
    elif kind == "allowed_values" and not isinstance(arg, list):
        raise bad(f"{path}.allowed_values: allowed_values must be a list")
    elif kind == "allowed_pattern":
        if ptype != "string":
            raise bad(f"Invalid constraint: allowed_pattern constraint invalid for "
                      f"parameter type {ptype} ({name})")
        try:
            re.compile(str(arg))
        except re.error as exc:
            raise bad(f"{path}.allowed_pattern: Invalid pattern: {exc}") from None
    elif kind == "custom_constraint" and arg not in CUSTOM_CONSTRAINTS:
        raise bad(f'"{arg}" is not a supported custom constraint (parameter {name})')


def _bool(v: Any, path: str) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise bad(f'{path}: Unrecognized value "{v}", acceptable values are: true, false.')


def coerce(p: Parameter, v: Any) -> Any:
    """`v` as a value of `p`'s type; Heat's "Parameter ... is invalid" 400 otherwise."""
    try:
        if p.type == "string":
            if isinstance(v, (dict, list)):
                raise ValueError(f"Value must be a string; got {json.dumps(v)}")
            return str(v).lower() if isinstance(v, bool) else str(v)
        if p.type == "number":
            if isinstance(v, bool):
                raise ValueError(f"Value '{v}' is not a number")
            if isinstance(v, (int, float)):
                return v
            s = str(v).strip()
            try:
                return int(s)
            except ValueError:
                try:
                    return float(s)
                except ValueError:
                    raise ValueError(f"Value '{v}' is not a number") from None
        if p.type == "boolean":
            return _bool(v, "value")
        if p.type == "comma_delimited_list":
            if isinstance(v, list):
                return [str(x) for x in v]
            s = str(v)
            return [x.strip() for x in s.split(",")] if s else []
        if isinstance(v, (dict, list)):
            return v
        parsed = json.loads(str(v)) if str(v).strip() else {}
        if not isinstance(parsed, (dict, list)):
            raise ValueError("Value must be valid JSON")
        return parsed
    except (ValueError, TypeError) as exc:
        msg = getattr(exc, "message", None) or str(exc)
        raise bad(f"Parameter '{p.name}' is invalid: {msg}") from None


def check(p: Parameter, v: Any) -> None:
    """Every constraint of `p` on the coerced value `v`."""
    for c in p.constraints:
        problem = _violation(c, v)
        if problem:
            raise bad(f"Parameter '{p.name}' is invalid: "
                      f"{c.get('description') or problem}")


def _violation(c: dict[str, Any], v: Any) -> str | None:
    if "length" in c:
        n, lo, hi = len(v) if v is not None else 0, c["length"].get("min"), \
            c["length"].get("max")
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            return _range_text("length", lo, hi)
    if "range" in c:
        lo, hi = c["range"].get("min"), c["range"].get("max")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            return f'{v} is out of range ({_range_text("value", lo, hi)})'
    if "allowed_values" in c:
        allowed = c["allowed_values"]
        items = v if isinstance(v, list) else [v]
        if any(x not in allowed and str(x) not in [str(a) for a in allowed] for x in items):
            return f'"{v}" is not an allowed value {allowed}'
    if "allowed_pattern" in c:
        if not re.fullmatch(str(c["allowed_pattern"]), str(v)):
            return f'"{v}" does not match pattern "{c["allowed_pattern"]}"'
    return None


def _range_text(what: str, lo: Any, hi: Any) -> str:
    if lo is not None and hi is not None:
        return f"The {what} must be in the range {lo} to {hi}."
    if lo is not None:
        return f"The {what} must be at least {lo}."
    return f"The {what} must be no greater than {hi}."


def values(params: Mapping[str, Parameter], given: Mapping[str, Any],
           defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The value of every parameter: given, else the environment's parameter_defaults,
    else the template's default; a missing one is Heat's UserParameterMissing."""
    out: dict[str, Any] = {}
    for name, p in params.items():
        if name in given:
            raw = given[name]
        elif name in defaults:
            raw = defaults[name]
        elif p.has_default:
            raw = p.default
        else:
            raise UserParameterMissing(key=name)
        v = coerce(p, raw) if raw is not None else None
        if v is not None:
            check(p, v)
        out[name] = v
    return out
