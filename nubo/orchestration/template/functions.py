"""HOT's intrinsic functions: a static check (which functions this version has, their
arguments' shapes, the resources they name) and their evaluation through a `Resolver`.

A value is a function call when it is a mapping of one key that names a function of any
version; one the template's version lacks is Heat's "not supported in this version" 400.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from nubo.orchestration.errors import (
    InvalidTemplateReference,
    InvalidTemplateVersion,
    NotSupported,
    bad,
)
from nubo.orchestration.template import versions

#: deepest nesting of functions and data evaluated (deep recursion is a 400, not a crash)
MAX_DEPTH = 100


class Resolver(Protocol):
    """What evaluating a template needs from the stack around it."""

    def param(self, name: str) -> Any:
        """A parameter's value (KeyError when unknown)."""
        ...

    def resource_id(self, name: str) -> Any:
        """The physical id of resource `name` (None before it exists)."""
        ...

    def attribute(self, name: str, attr: str | None, path: Sequence[Any]) -> Any:
        """An attribute of resource `name` (all of them when `attr` is None)."""
        ...

    def file(self, name: str) -> str | None:
        """A file the client passed (get_file); None when absent."""
        ...

    def condition(self, name: str) -> bool:
        """The value of condition `name` (KeyError when unknown)."""
        ...


def fn_of(value: Any) -> tuple[str, Any] | None:
    """(name, args) when `value` is a function call of any version."""
    if isinstance(value, dict) and len(value) == 1:
        (k, v), = value.items()
        if k in versions.ALL_FUNCTIONS or k in versions.ALL_CONDITIONS:
            return str(k), v
    return None


def has_functions(value: Any) -> bool:
    if fn_of(value):
        return True
    if isinstance(value, dict):
        return any(has_functions(v) for v in value.values())
    if isinstance(value, list):
        return any(has_functions(v) for v in value)
    return False


def _p(path: str, key: object) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def _fail(path: str, msg: str) -> Exception:
    return bad(f"{path}: {msg}")


def _need_list(args: Any, path: str, name: str, sizes: Sequence[int]) -> list[Any]:
    if not isinstance(args, list) or (sizes and len(args) not in sizes):
        want = " or ".join(str(s) for s in sizes) if sizes else "a list of"
        raise _fail(path, f'Arguments to "{name}" must be of the form [{want} values]'
                    if sizes else f'Arguments to "{name}" must be a list')
    return args


# ----------------------------------------------------------------------------- static check

class Checker:
    """The static check of one template: `deps` collects the resources each value names."""

    def __init__(self, version: str, resources: Mapping[str, Any], parameters: Mapping[str, Any],
                 conditions: Mapping[str, Any]) -> None:
        self.version = version
        self.fns = versions.functions(version)
        self.conds = versions.condition_functions(version)
        self.resources = resources
        self.parameters = parameters
        self.conditions = conditions

    def check(self, value: Any, path: str, deps: set[str] | None = None,
              in_condition: bool = False, depth: int = 0) -> set[str]:
        deps = set() if deps is None else deps
        if depth > MAX_DEPTH:
            raise _fail(path, f"Nesting deeper than {MAX_DEPTH} levels.")
        call = fn_of(value)
        if call is not None:
            name, args = call
            allowed = self.conds if in_condition else self.fns
            if name not in allowed and not (in_condition and name in self.fns):
                where = "condition function" if name in versions.ALL_CONDITIONS and \
                    name not in versions.ALL_FUNCTIONS else "function"
                if in_condition or name not in versions.ALL_CONDITIONS or \
                        name in versions.ALL_FUNCTIONS:
                    raise InvalidTemplateVersion(
                        explanation=f'{path}: The {where} "{name}" is not supported in '
                                    f"this version of HOT ({self.version}).")
            self._check_call(name, args, _p(path, name), deps, in_condition, depth)
            return deps
        if isinstance(value, dict):
            for k, v in value.items():
                self.check(v, _p(path, k), deps, in_condition, depth + 1)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.check(v, _p(path, i), deps, in_condition, depth + 1)
        return deps

    def _check_call(self, name: str, args: Any, path: str, deps: set[str], cond: bool,
                    depth: int) -> None:
        if name == "get_resource":
            if not isinstance(args, str):
                raise _fail(path, 'Argument to "get_resource" must be a string')
            if args not in self.resources:
                raise InvalidTemplateReference(resource=args, key=path)
            deps.add(args)
            return
        if name == "get_attr":
            a = _need_list(args, path, name, ())
            if len(a) < 1 or (len(a) < 2 and self.version < "2015-10-15"):
                raise _fail(path, 'Arguments to "get_attr" must be of the form '
                                  "[resource_name, attribute, (path), ...]")
            if isinstance(a[0], str):
                if a[0] not in self.resources:
                    raise InvalidTemplateReference(resource=a[0], key=path)
                deps.add(a[0])
            for i, x in enumerate(a[1:], 1):
                self.check(x, _p(path, i), deps, cond, depth + 1)
            return
        if name == "get_param":
            a = args if isinstance(args, list) else [args]
            if not a:
                raise _fail(path, 'Function "get_param" must have arguments')
            if isinstance(a[0], str) and a[0] not in self.parameters and \
                    not a[0].startswith("OS::"):
                raise _fail(path, f'The Parameter ({a[0]}) was not defined in template.')
            for i, x in enumerate(a[1:], 1):
                self.check(x, _p(path, i), deps, cond, depth + 1)
            return
        if name in ("yaql",):
            raise NotSupported(feature=f'{path}: The "yaql" function (coming in a later '
                                       "step of this cloud)")
        if name == "resource_facade":
            if args not in ("metadata", "deletion_policy", "update_policy"):
                raise _fail(path, f'Invalid argument "{args}" to "resource_facade"')
            return
        if name in ("not", "and", "or", "equals", "contains") and cond:
            self._check_condition_args(name, args, path, deps, depth)
            return
        if name == "if":
            a = _need_list(args, path, name, (2, 3) if self.version >= "2021-04-16" else (3,))
            self._condition_ref(a[0], _p(path, 0), deps, depth)
            for i, x in enumerate(a[1:], 1):
                self.check(x, _p(path, i), deps, cond, depth + 1)
            return
        _SHAPES.get(name, lambda _a, _p_, _v: None)(args, path, self.version)
        self.check(args, path, deps, cond, depth + 1)

    def _check_condition_args(self, name: str, args: Any, path: str, deps: set[str],
                              depth: int) -> None:
        if name == "not":
            self._condition_ref(args, path, deps, depth)
            return
        if name in ("and", "or"):
            a = _need_list(args, path, name, ())
            if len(a) < 2:
                raise _fail(path, f'The minimum number of condition arguments to "{name}" '
                                  "is 2.")
            for i, x in enumerate(a):
                self._condition_ref(x, _p(path, i), deps, depth)
            return
        _need_list(args, path, name, (2,))
        self.check(args, path, deps, True, depth + 1)

    def _condition_ref(self, value: Any, path: str, deps: set[str], depth: int) -> None:
        """A condition: a name of the conditions section, a boolean, or a condition
        function."""
        if isinstance(value, bool):
            return
        if isinstance(value, str):
            if value not in self.conditions:
                raise _fail(path, f'Invalid condition "{value}"')
            return
        if fn_of(value) is None:
            raise _fail(path, "Invalid condition: a condition name, a boolean or a "
                              "condition function is expected")
        self.check(value, path, deps, True, depth + 1)

    def condition_expr(self, value: Any, path: str) -> None:
        self._condition_ref(value, path, set(), 0)


def _shape_str_replace(args: Any, path: str, _v: str) -> None:
    if not isinstance(args, dict) or set(args) != {"template", "params"}:
        raise _fail(path, 'Arguments to "str_replace" must be a dictionary with keys '
                          '"template" and "params"')


def _shape_repeat(args: Any, path: str, _v: str) -> None:
    if not isinstance(args, dict) or "for_each" not in args or "template" not in args:
        raise _fail(path, 'Arguments to "repeat" must be a dictionary with "for_each" and '
                          '"template"')


def _shape_list(n: tuple[int, ...]) -> Any:
    def shape(args: Any, path: str, _v: str) -> None:
        name = path.rsplit(".", 1)[-1]
        if fn_of(args) is None:
            _need_list(args, path, name, n)
    return shape


def _shape_make_url(args: Any, path: str, _v: str) -> None:
    if fn_of(args) is None and not isinstance(args, dict):
        raise _fail(path, 'The "make_url" function requires a map of URL parts')


_SHAPES: dict[str, Any] = {
    "str_replace": _shape_str_replace, "str_replace_strict": _shape_str_replace,
    "str_replace_vstrict": _shape_str_replace, "repeat": _shape_repeat,
    "digest": _shape_list((2,)), "str_split": _shape_list((2, 3)),
    "list_join": _shape_list(()), "map_replace": _shape_list((2,)),
    "filter": _shape_list((2,)), "Fn::Select": _shape_list((2,)),
    "make_url": _shape_make_url,
}


# ------------------------------------------------------------------------------- evaluation

class Evaluator:
    """Evaluates values of one template version through `r`."""

    def __init__(self, version: str, r: Resolver) -> None:
        self.version = version
        self.r = r

    def resolve(self, value: Any, path: str = "", depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise _fail(path, f"Nesting deeper than {MAX_DEPTH} levels.")
        call = fn_of(value)
        if call is not None:
            name, args = call
            return self._call(name, args, _p(path, name), depth + 1)
        if isinstance(value, dict):
            return {k: self.resolve(v, _p(path, k), depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, _p(path, i), depth + 1) for i, v in enumerate(value)]
        return value

    def condition(self, value: Any, path: str = "", depth: int = 0) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return self.r.condition(value)
            except KeyError:
                raise _fail(path, f'Invalid condition "{value}"') from None
        call = fn_of(value)
        if call is None:
            raise _fail(path, "Invalid condition")
        name, args = call
        p = _p(path, name)
        if name == "not":
            return not self.condition(args, p, depth + 1)
        if name == "and":
            return all(self.condition(x, _p(p, i), depth + 1) for i, x in enumerate(args))
        if name == "or":
            return any(self.condition(x, _p(p, i), depth + 1) for i, x in enumerate(args))
        return bool(self._call(name, args, p, depth + 1))

    def _call(self, name: str, args: Any, path: str, depth: int) -> Any:
        if name == "get_resource":
            return self.r.resource_id(str(args))
        if name == "if":
            chosen = self.condition(args[0], _p(path, 0), depth)
            if chosen:
                return self.resolve(args[1], _p(path, 1), depth)
            return self.resolve(args[2], _p(path, 2), depth) if len(args) > 2 else None
        if name == "resource_facade":
            facade = getattr(self.r, "facade", None)
            if facade is None:
                raise _fail(path, "resource_facade is only meaningful in a nested stack")
            default: Any = "Delete" if args == "deletion_policy" else {}
            return facade.get(str(args), default)
        if name == "yaql":
            raise NotSupported(feature=f"{path}: The \"yaql\" function")
        a = self.resolve(args, path, depth)
        fn = _EVAL.get(name)
        if fn is None:
            raise _fail(path, f'Unknown function "{name}"')
        try:
            return fn(self, a, path)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            raise _fail(path, f'Bad arguments to "{name}": {exc}') from None


def _get_param(e: Evaluator, a: Any, path: str) -> Any:
    parts = a if isinstance(a, list) else [a]
    try:
        value = e.r.param(str(parts[0]))
    except KeyError:
        raise _fail(path, f"The Parameter ({parts[0]}) was not provided.") from None
    for key in parts[1:]:
        if isinstance(value, list):
            value = value[int(key)]
        elif isinstance(value, dict):
            if key not in value:
                raise _fail(path, f'"{key}" is not a key of the parameter\'s value')
            value = value[key]
        else:
            raise _fail(path, f'"{key}" cannot index a {type(value).__name__}')
    return value


def _get_attr(e: Evaluator, a: Any, path: str) -> Any:
    return e.r.attribute(str(a[0]), a[1] if len(a) > 1 else None, a[2:])


def _get_file(e: Evaluator, a: Any, path: str) -> Any:
    content = e.r.file(str(a))
    if content is None:
        raise _fail(path, f"No content found in the \"files\" section for get_file path: {a}")
    return content


def _text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    if v is None:
        return ""
    return str(v).lower() if isinstance(v, bool) else str(v)


def _list_join(e: Evaluator, a: Any, path: str) -> Any:
    if not isinstance(a, list) or len(a) < 2 or (len(a) > 2 and e.version < "2015-10-15"):
        raise _fail(path, 'Arguments to "list_join" must be of the form '
                          "[delimiter, [list]]")
    delim, items = a[0], []
    for lst in a[1:]:
        if isinstance(lst, str) and e.version >= "2015-10-15":
            lst = json.loads(lst)
        if not isinstance(lst, list):
            raise _fail(path, f'"list_join" expects lists, got "{lst}"')
        items += lst
    return str(delim).join(_text(x) for x in items)


def _replace(strict: int) -> Any:
    def fn(e: Evaluator, a: Any, path: str) -> Any:
        template, params = a["template"], a["params"]
        if not isinstance(params, dict):
            raise _fail(path, '"params" must be a map')
        if not isinstance(template, str):
            raise _fail(path, '"template" must be a string')
        if strict:
            missing = sorted(k for k in params if str(k) not in template)
            if missing:
                raise _fail(path, "The following params were not found in the template: "
                            + ",".join(missing))
        if strict > 1:
            empty = sorted(k for k, v in params.items() if v in (None, ""))
            if empty:
                raise _fail(path, "The following params have empty values: "
                            + ",".join(empty))
        # longest keys first, each place replaced once (as Heat)
        keys = sorted((str(k) for k in params), key=len, reverse=True)
        out, i = [], 0
        while i < len(template):
            for k in keys:
                if k and template.startswith(k, i):
                    out.append(_text(params[k]))
                    i += len(k)
                    break
            else:
                out.append(template[i])
                i += 1
        return "".join(out)
    return fn


def _digest(e: Evaluator, a: Any, path: str) -> Any:
    alg, value = a
    if alg not in hashlib.algorithms_available:
        raise _fail(path, f'Algorithm must be one of {sorted(hashlib.algorithms_guaranteed)}')
    return hashlib.new(alg, _text(value).encode()).hexdigest()


def _str_split(e: Evaluator, a: Any, path: str) -> Any:
    parts = str(a[1]).split(str(a[0]))
    if len(a) > 2:
        return parts[int(a[2])]
    return parts


def _repeat(e: Evaluator, a: Any, path: str) -> Any:
    for_each, template = a["for_each"], a["template"]
    if not isinstance(for_each, dict) or not all(isinstance(v, list)
                                                 for v in for_each.values()):
        raise _fail(path, 'The values of the "for_each" argument to "repeat" must be lists')
    keys = list(for_each)
    if a.get("permutations", True):
        combos = list(itertools.product(*for_each.values()))
    else:
        lens = {len(v) for v in for_each.values()}
        if len(lens) > 1:
            raise _fail(path, 'Loops in "for_each" must be of equal length when '
                              '"permutations" is false')
        combos = list(zip(*for_each.values(), strict=True))

    def sub(t: Any, values: dict[str, Any]) -> Any:
        if isinstance(t, str):
            for k in sorted(values, key=len, reverse=True):
                if t == k:
                    return values[k]
                t = t.replace(k, _text(values[k]))
            return t
        if isinstance(t, dict):
            return {sub(k, values): sub(v, values) for k, v in t.items()}
        if isinstance(t, list):
            return [sub(x, values) for x in t]
        return t
    return [sub(template, dict(zip(keys, c, strict=True))) for c in combos]


def _map_merge(e: Evaluator, a: Any, path: str) -> Any:
    out: dict[str, Any] = {}
    for m in a:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise _fail(path, f'Incorrect arguments: Items to merge must be maps. {m}')
        out.update(m)
    return out


def _map_replace(e: Evaluator, a: Any, path: str) -> Any:
    m, repl = a
    if not isinstance(m, dict) or not isinstance(repl, dict):
        raise _fail(path, '"map_replace" takes a map and a map of "keys" and "values"')
    keys, values = repl.get("keys") or {}, repl.get("values") or {}
    out: dict[str, Any] = {}
    for k, v in m.items():
        nk = str(keys.get(k, k))
        if nk in out:
            raise _fail(path, f'key replacement {nk} creates a duplicate key')
        out[nk] = values.get(v, v) if isinstance(v, (str, int, float)) else v
    return out


def _filter(e: Evaluator, a: Any, path: str) -> Any:
    remove, seq = a
    if not isinstance(seq, list):
        raise _fail(path, '"filter" filters a list')
    remove = remove if isinstance(remove, list) else [remove]
    return [x for x in seq if x not in remove]


def _make_url(e: Evaluator, a: Any, path: str) -> Any:
    bad_keys = set(a) - {"scheme", "username", "password", "host", "port", "path",
                         "query", "fragment"}
    if bad_keys:
        raise _fail(path, f"Unknown URL parts: {sorted(bad_keys)}")
    url = f"{a['scheme']}://" if a.get("scheme") else "//"
    if a.get("username"):
        url += quote(str(a["username"]), safe="")
        if a.get("password"):
            url += ":" + quote(str(a["password"]), safe="")
        url += "@"
    host = str(a.get("host", ""))
    url += f"[{host}]" if ":" in host else host
    if a.get("port") not in (None, ""):
        port = int(a["port"])
        if not 1 <= port <= 65535:
            raise _fail(path, f"Invalid URL port {port}")
        url += f":{port}"
    p = str(a.get("path", ""))
    url += quote(p if p.startswith("/") or not p else "/" + p, safe="/~")
    if a.get("query"):
        url += "?" + urlencode(a["query"])
    if a.get("fragment"):
        url += "#" + quote(str(a["fragment"]))
    return url


def _list_concat(unique: bool) -> Any:
    def fn(e: Evaluator, a: Any, path: str) -> Any:
        out: list[Any] = []
        for lst in a:
            if lst is None:
                continue
            if not isinstance(lst, list):
                raise _fail(path, f"Incorrect arguments: Items to concat must be lists. {lst}")
            for x in lst:
                if not unique or x not in out:
                    out.append(x)
        return out
    return fn


def _contains(e: Evaluator, a: Any, path: str) -> Any:
    value, seq = a
    if not isinstance(seq, (list, str, dict)):
        raise _fail(path, '"contains" needs a sequence')
    return value in seq


def _select(e: Evaluator, a: Any, path: str) -> Any:
    index, seq = a
    if isinstance(seq, dict):
        return seq.get(str(index))
    try:
        return seq[int(index)]
    except IndexError:
        return ""


_EVAL: dict[str, Any] = {
    "get_param": _get_param, "get_attr": _get_attr, "get_file": _get_file,
    "list_join": _list_join, "str_replace": _replace(0), "str_replace_strict": _replace(1),
    "str_replace_vstrict": _replace(2), "digest": _digest, "str_split": _str_split,
    "repeat": _repeat, "map_merge": _map_merge, "map_replace": _map_replace,
    "filter": _filter, "make_url": _make_url, "list_concat": _list_concat(False),
    "list_concat_unique": _list_concat(True), "contains": _contains,
    "equals": lambda e, a, p: a[0] == a[1], "Fn::Select": _select,
}
