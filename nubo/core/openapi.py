"""An OpenAPI 3.1 document per service, built from its route table and the JSON Schemas its
handlers validate request bodies against (OpenStack publishes no such documents).

The schemas are not declared twice: for each route we read the handler's own code (its AST)
for the calls that validate a body (`read_json(request, SCHEMA)`, `validate(SCHEMA, body)`,
placement's and identity's `body(request, SCHEMA)`) and evaluate the schema expression in the
handler's module, with the microversion names (`v`, `ver`, `version(request)`) bound to the
newest microversion in which the operation exists. A service with another way of reading
bodies (Neutron's attribute lists) passes its own `readers`; an operation whose schema cannot
be found this way can be given by the service (`bodies`). What is still unknown is documented
as a generic JSON object marked `x-nubo-schema: none`.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from nubo.core.http import FaultStyle, Handler, Route, json_response
from nubo.core.microversion import APIVersion, VersionRange

Schema = dict[str, Any]
#: A body reader: from the evaluated arguments of its call, the schema it validates against.
Reader = Callable[[Sequence[Any], Mapping[str, Any]], Schema | None]
PATH = "/openapi.json"
_VERSION_NAMES = {"v", "ver", "version", "microversion", "mv"}
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def first_schema(args: Sequence[Any], kwargs: Mapping[str, Any]) -> Schema | None:
    """The reader of `read_json(request, SCHEMA)`, `validate(SCHEMA, body)` and the like."""
    for value in [kwargs.get("schema"), *args]:
        if _is_schema(value):
            return dict(value)
    return None


#: The body readers every service shares (core.http, core.validation and their wrappers).
READERS: dict[str, Reader] = {name: first_schema
                              for name in ("read_json", "body", "read_body", "validate")}

FAULTS: dict[FaultStyle, Schema] = {
    "nova": {"type": "object", "minProperties": 1, "maxProperties": 1,
             "additionalProperties": {"type": "object", "required": ["code", "message"],
                                      "properties": {"code": {"type": "integer"},
                                                     "message": {"type": "string"}}}},
    "keystone": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "title", "message"],
        "properties": {"code": {"type": "integer"}, "title": {"type": "string"},
                       "message": {"type": "string"}}}}},
    "neutron": {"type": "object", "required": ["NeutronError"], "properties": {
        "NeutronError": {"type": "object", "required": ["type", "message", "detail"],
                         "properties": {"type": {"type": "string"},
                                        "message": {"type": "string"},
                                        "detail": {"type": "string"}}}}},
    "placement": {"type": "object", "required": ["errors"], "properties": {"errors": {
        "type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["status", "title", "detail", "code"],
            "properties": {"status": {"type": "integer"}, "title": {"type": "string"},
                           "detail": {"type": "string"}, "code": {"type": "string"},
                           "request_id": {"type": "string"}}}}}},
    # webob's plain text: "<status> <title>\n\n<message>\n\n   "
    "glance": {"type": "string", "pattern": r"^[45][0-9][0-9] "},
}


@dataclass(frozen=True)
class Spec:
    """What the generator needs to know of one service beyond its route table."""

    name: str
    title: str
    prefix: str
    routes: Sequence[Route]
    style: FaultStyle
    versions: VersionRange | None = None
    readers: Mapping[str, Reader] = field(default_factory=dict)
    #: (method, route path) -> request body schema, where the handler's code does not say it
    bodies: Mapping[tuple[str, str], Schema] = field(default_factory=dict)
    #: (method, route path) -> schema of the success response body, where one exists
    responses: Mapping[tuple[str, str], Schema] = field(default_factory=dict)


# ------------------------------------------------------------------- reading handlers


class _Names(dict[str, Any]):
    """Locals for evaluating a schema expression: microversion names are the operation's
    newest version, a local assigned once in the function is its value, any other local is
    unknown (NameError); globals resolve as usual."""

    def __init__(self, module: Mapping[str, Any], ver: APIVersion | None,
                 assigned: Mapping[str, ast.expr]) -> None:
        super().__init__(request=None)
        self.module, self.ver, self.assigned = module, ver, assigned
        self.seen: set[str] = set()
        if ver is not None:
            self["version"] = lambda *_a: ver

    def __missing__(self, key: str) -> Any:
        if key in _VERSION_NAMES and self.ver is not None:
            return self.ver
        if key in self.assigned and key not in self.seen:
            self.seen.add(key)
            return _eval(self.assigned[key], self)
        if key in self.module or key in vars(builtins):
            raise KeyError(key)      # fall through to the module's globals
        raise NameError(key)


def _tree(fn: Any) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None


def _functions(handler: Handler, depth: int = 2) -> Iterator[tuple[Any, ast.AST]]:
    """The handler and the helpers of its module it hands the request to, with their ASTs."""
    todo, seen = [(handler, depth)], set()
    module = inspect.getmodule(handler)
    while todo:
        fn, left = todo.pop()
        tree = _tree(fn)
        if tree is None or fn in seen:
            continue
        seen.add(fn)
        yield fn, tree
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            f = call.func
            helper = getattr(module, f.id, None) if isinstance(f, ast.Name) else None
            takes_request = any(isinstance(a, ast.Name) and a.id == "request"
                                for a in call.args)
            if (left and takes_request and inspect.isfunction(helper)
                    and inspect.getmodule(helper) is module):
                todo.append((helper, left - 1))


def _calls(fn: Handler) -> Iterator[ast.Call]:
    for _f, tree in _functions(fn, 0):
        yield from (n for n in ast.walk(tree) if isinstance(n, ast.Call))


def _assigned(tree: ast.AST) -> dict[str, ast.expr]:
    """Locals assigned exactly once by a plain `name = expr`."""
    out: dict[str, ast.expr] = {}
    twice: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            name = node.targets[0].id
            (twice.add(name) if name in out else out.__setitem__(name, node.value))
    return {k: v for k, v in out.items() if k not in twice}


def _callee(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _eval(node: ast.expr, names: Any) -> Any:
    code = compile(ast.Expression(body=node), "<schema>", "eval")
    return eval(code, dict(names.module), names)   # noqa: S307 - our own source code


def _try_eval(node: ast.expr, names: Any) -> Any:
    """The value of an argument, or None where it depends on the request (locals)."""
    if isinstance(node, ast.Starred):
        return None
    try:
        return _eval(node, names)
    except Exception:  # noqa: BLE001 - an expression of locals: not knowable here
        return None


def _is_schema(value: Any) -> bool:
    return isinstance(value, dict) and bool({"type", "properties", "oneOf", "anyOf"} & set(value))


def openapi_schema(value: Any) -> Any:
    """A JSON-clean copy (tuples, sets, frozen dicts out) in OpenAPI 3.1's JSON Schema."""
    data = orjson.loads(orjson.dumps(value, default=list))
    return _draft4_to_2020(data)


def _draft4_to_2020(node: Any) -> Any:
    """Draft 4's boolean exclusiveMinimum/Maximum are numbers in OpenAPI 3.1's dialect."""
    if isinstance(node, list):
        return [_draft4_to_2020(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _draft4_to_2020(v) for k, v in node.items() if k != "$schema"}
    for bound in ("Minimum", "Maximum"):
        flag = out.get(f"exclusive{bound}")
        if isinstance(flag, bool):
            del out[f"exclusive{bound}"]
            if flag and bound.lower() in out:
                out[f"exclusive{bound}"] = out.pop(bound.lower())
    return out


def handler_schemas(handler: Handler, ver: APIVersion | None,
                    readers: Mapping[str, Reader] = READERS) -> list[Schema]:
    """The request body schemas `handler` (or a helper it hands the request to) validates
    against, in the order it does."""
    found: list[Schema] = []
    for fn, tree in _functions(handler):
        module = vars(inspect.getmodule(fn) or object)
        assigned = _assigned(tree)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            reader = readers.get(_callee(call) or "")
            if reader is None:
                continue
            names = _Names(module, ver, assigned)
            args = [_try_eval(a, names) for a in call.args]
            kwargs = {k.arg: _try_eval(k.value, names) for k in call.keywords if k.arg}
            schema = reader(args, kwargs)
            if schema is not None and schema not in found:
                found.append(schema)
    return found


def reads_body(handler: Handler, readers: Mapping[str, Reader]) -> bool:
    """Whether the handler (or a helper it hands the request to) reads a body at all."""
    names = {*readers, "json", "body", "stream", "form"}
    return any(_callee(n) in names for _f, tree in _functions(handler)
               for n in ast.walk(tree) if isinstance(n, ast.Call))


def action_body(actions: Mapping[str, Schema | None]) -> Schema:
    """The body of an `/action` operation: exactly one of the named actions."""
    return {"type": "object", "minProperties": 1, "maxProperties": 1,
            "oneOf": [{"type": "object", "required": [n], "properties": {n: s or {}}}
                      for n, s in sorted(actions.items())]}


# ------------------------------------------------------------------- the document

_SUCCESS = {"json_response": 200, "no_content": 204}


def success_codes(handler: Handler) -> list[int]:
    """The success statuses `handler` answers with, read from its responses' literals."""
    codes: set[int] = set()
    for call in (n for _f, tree in _functions(handler) for n in ast.walk(tree)
                 if isinstance(n, ast.Call)):
        name = _callee(call)
        if name not in _SUCCESS:
            continue
        status = _SUCCESS[name]
        pos = 1 if name == "json_response" else 0
        arg = call.args[pos] if len(call.args) > pos else next(
            (k.value for k in call.keywords if k.arg == "status"), None)
        if isinstance(arg, ast.Constant) and isinstance(arg.value, int):
            status = arg.value
        codes.add(status)
    return sorted(codes) or [200]


def _operation_id(spec: Spec, route: Route) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", route.path.replace("{", "by_")).strip("_")
    return f"{spec.name}_{route.method.lower()}_{words or 'root'}"


def _operation(spec: Spec, route: Route) -> Schema:
    ver = (APIVersion.parse(route.max_version) if route.max_version
           else spec.versions.maximum if spec.versions else None)
    params: list[Schema] = [{"name": p, "in": "path", "required": True,
                             "schema": {"type": "string", "minLength": 1}}
                            for p in _PARAM.findall(route.path)]
    params += [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
               for q in query_names(route.handler)]
    fault = {"$ref": "#/components/schemas/Fault"}
    media = "text/plain" if spec.style == "glance" else "application/json"
    error = {"description": "A fault in the service's own format",
             "content": {media: {"schema": fault}}}
    responses: Schema = {}
    for code in success_codes(route.handler):
        ok: Schema = {"description": "Success"}
        body = spec.responses.get((route.method, route.path))
        if body is not None and code != 204:
            ok["content"] = {"application/json": {"schema": openapi_schema(body)}}
        responses[str(code)] = ok
    for code in (400, 401, 403, 404, 405, 409, 413, 415):
        responses.setdefault(str(code), error)
    op: Schema = {"operationId": _operation_id(spec, route),
                  "summary": (inspect.getdoc(route.handler) or "").split("\n")[0],
                  "parameters": params, "responses": responses}
    if not route.auth:
        op["security"] = []
    if route.min_version or route.max_version:
        op["x-openstack-microversion"] = {"min": route.min_version, "max": route.max_version}
    readers = {**READERS, **spec.readers}
    if route.method in ("POST", "PUT", "PATCH") and (
            (route.method, route.path) in spec.bodies or reads_body(route.handler, readers)):
        op["requestBody"] = _request_body(spec, route, ver)
    return op


def _request_body(spec: Spec, route: Route, ver: APIVersion | None) -> Schema:
    given = spec.bodies.get((route.method, route.path))
    schemas = [given] if given is not None else handler_schemas(
        route.handler, ver, {**READERS, **spec.readers})
    if not schemas:
        return {"required": False, "description": "No JSON Schema is declared for this body; "
                "the handler checks it in code.",
                "content": {"application/json": {"schema": {"type": "object"}}},
                "x-nubo-schema": "none"}
    # several schemas: branches of the handler (an action's variants); the body meets one
    schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    media = ("application/openstack-images-v2.1-json-patch"
             if route.method == "PATCH" and spec.style == "glance" else
             "application/octet-stream" if schema.get("format") == "binary" else
             "application/json")
    return {"required": True, "content": {media: {"schema": openapi_schema(schema)}}}


def query_names(handler: Handler) -> list[str]:
    """Query parameters the handler reads itself (`request.query_params.get("x")`)."""
    names: set[str] = set()
    for call in _calls(handler):
        f = call.func
        if (isinstance(f, ast.Attribute) and f.attr in ("get", "getlist")
                and isinstance(f.value, ast.Attribute) and f.value.attr == "query_params"
                and call.args and isinstance(call.args[0], ast.Constant)
                and isinstance(call.args[0].value, str)):
            names.add(call.args[0].value)
    return sorted(names)


def document(spec: Spec) -> Schema:
    """The OpenAPI 3.1 document of one service."""
    paths: dict[str, Schema] = {}
    for route in spec.routes:
        if route.path == PATH:
            continue
        full = spec.prefix + (route.path if route.path != "/" else "")
        path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", full or "/")
        paths.setdefault(path, {})[route.method.lower()] = _operation(spec, route)
    info: Schema = {"title": spec.title, "version": str(spec.versions.maximum)
                    if spec.versions else "1.0"}
    if spec.versions:
        info["x-openstack-microversions"] = {"min": str(spec.versions.minimum),
                                             "max": str(spec.versions.maximum),
                                             "header": "OpenStack-API-Version: "
                                             f"{spec.versions.service_type} <version>"}
    return {"openapi": "3.1.0", "info": info, "paths": paths,
            "security": [{"token": []}],
            "components": {
                "securitySchemes": {"token": {"type": "apiKey", "in": "header",
                                              "name": "X-Auth-Token"}},
                "schemas": {"Fault": FAULTS[spec.style]}}}


def route(spec: Spec) -> Route:
    """`GET <prefix>/openapi.json`, public as the version documents are."""
    rendered = cache(lambda: document(spec))

    async def openapi(request: Request) -> Response:
        """This service's OpenAPI 3.1 document."""
        return json_response(rendered())
    return Route(PATH, "GET", openapi, auth=False)


def with_openapi(spec: Spec) -> list[Route]:
    """The service's route table with its OpenAPI document served beside it."""
    return [*spec.routes, route(spec)]
