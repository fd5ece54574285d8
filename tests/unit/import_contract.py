"""The import contract of the code base, checked from source (ast), without importing anything.

A tree of packages is parsed; for every module the imports it makes are recorded with *when*
they run:

- ``top``: at module level (also inside ``try``/``if`` at module level) - these run on import
  and are the ones that make cycles and drag dependencies into a process;
- ``deferred``: inside a function or method body - they run only when called;
- ``typing``: under ``if TYPE_CHECKING:`` - they never run.

Rules (each violation is a short, stable string so a test can keep a list of known ones):

- ``agent``: a module under ``<pkg>/<service>/agent/`` runs on a hypervisor host without
  database credentials; it must not import SQLAlchemy, ``core.db``, a ``models``/``models_*``
  module or anything under a ``service/`` folder - at module level or deferred, and neither
  through the modules it imports at module level (transitively). Imports under
  ``TYPE_CHECKING`` are allowed (they never run).
- ``host``: a process role without database credentials (`DB_FREE_ROLES`: ``roles/host.py``,
  what the future ``nubo agent`` runs) never reaches SQLAlchemy, ``core.db``, a model or a
  ``service/`` module: neither itself nor any module of the tree it imports, transitively, at
  module level or deferred (stricter than ``agent``: the whole closure, wherever it lies).
- ``service``: a module under ``<pkg>/<service>/service/`` is domain logic: it never imports
  Starlette nor its own service's ``api/`` (at any time; ``TYPE_CHECKING`` allowed).
- ``api``: a module of a service's HTTP layer (under ``<pkg>/<service>/api/``, or - in a
  service not cut into layers yet - its ``api.py``, ``routes.py`` or ``handlers/``) never
  imports SQLAlchemy, at any time, ``TYPE_CHECKING`` included: a handler is context, policy,
  schema, service, view; the service opens the transaction and builds the SQL (a policy
  check that needs the row is a callback into the service). The HTTP layer may name
  ``core.db.Database``, the object it hands to its service.
- ``private``: in a service folder that opted in (`PRIVATE_CHECKED`), no module touches
  another object's private member (``x._name`` where ``x`` is not ``self``/``cls``): what
  another module needs gets a public name and a docstring stating its contract.
- ``cycle``: the graph of imports among the tree's modules has no cycle - counting every
  import, at module level, deferred and under ``TYPE_CHECKING``. Moving an import into a
  function or under ``TYPE_CHECKING`` keeps Python from failing on the cycle but leaves the
  two modules knowing each other: the layering is still a circle. A cycle is broken by moving
  the shared part down (a third module both import) or by depending on a Protocol.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

TOP, DEFERRED, TYPING = "top", "deferred", "typing"


@dataclass(frozen=True)
class Import:
    target: str     # the imported module, absolute ("sqlalchemy.orm", "nubo.core.db")
    when: str       # TOP, DEFERRED or TYPING
    line: int


@dataclass
class Graph:
    root: str                                   # the top package name ("nubo")
    imports: dict[str, list[Import]] = field(default_factory=dict)
    #: per module, the private members of other objects it touches ("h._adopt")
    privates: dict[str, set[str]] = field(default_factory=dict)

    @property
    def modules(self) -> set[str]:
        return set(self.imports)


def module_name(root_dir: Path, path: Path) -> tuple[str, bool]:
    """The dotted name of `path` inside the package rooted at `root_dir` and whether it is a
    package (``__init__.py``)."""
    rel = path.relative_to(root_dir.parent).with_suffix("")
    parts = list(rel.parts)
    is_pkg = parts[-1] == "__init__"
    if is_pkg:
        parts.pop()
    return ".".join(parts), is_pkg


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_pkg: bool, known: set[str]) -> None:
        self.module, self.is_pkg, self.known = module, is_pkg, known
        self.found: list[Import] = []
        self._when = [TOP]

    def _add(self, target: str, line: int) -> None:
        self.found.append(Import(target, self._when[-1], line))

    def _base(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        package = self.module.split(".") if self.is_pkg else self.module.split(".")[:-1]
        package = package[:len(package) - (node.level - 1)]
        return ".".join(package + ([node.module] if node.module else []))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self._base(node)
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod
            self._add(sub if sub in self.known else base, node.lineno)

    def _scoped(self, node: ast.AST, when: str) -> None:
        self._when.append(when)
        self.generic_visit(node)
        self._when.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for deco in node.decorator_list:
            self.visit(deco)
        self._scoped(ast.Module(body=node.body, type_ignores=[]),
                     TYPING if self._when[-1] == TYPING else DEFERRED)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self._scoped(ast.Module(body=node.body, type_ignores=[]), TYPING)
            for stmt in node.orelse:
                self.visit(stmt)
        else:
            self.generic_visit(node)


def parse_tree(root_dir: Path) -> Graph:
    """Every module under the package directory `root_dir` with the imports it makes."""
    files = sorted(root_dir.rglob("*.py"))
    names = {p: module_name(root_dir, p) for p in files}
    known = {name for name, _ in names.values()}
    graph = Graph(root=root_dir.name)
    for path, (name, is_pkg) in names.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        collector = _Collector(name, is_pkg, known)
        collector.visit(tree)
        graph.imports[name] = collector.found
        graph.privates[name] = _private_uses(tree)
    return graph


def _private_uses(tree: ast.AST) -> set[str]:
    """`x._name` where x is not self/cls (dunder names are public protocol, not private)."""
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
            found.add(ast.unparse(node))
    return found


# ---- the rules ----------------------------------------------------------------------------

def _layer(module: str) -> tuple[str, str] | None:
    """("compute", "agent") for nubo.compute.agent.virt.fake; None outside a layer folder."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[2] in ("agent", "service", "api", "conductor"):
        return parts[1], parts[2]
    return None


def _in(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def agent_forbidden(graph: Graph, target: str) -> bool:
    """Whether a host agent module may not import `target`."""
    root = graph.root
    if _in(target, "sqlalchemy") or _in(target, f"{root}.core.db"):
        return True
    last = target.rsplit(".", 1)[-1]
    if _in(target, root) and (last == "models" or last.startswith("models_")):
        return True
    layer = _layer(target)
    return layer is not None and layer[1] == "service"


def service_forbidden(module: str, target: str) -> bool:
    """Whether the service-layer `module` may not import `target`."""
    if _in(target, "starlette"):
        return True
    own, target_layer = _layer(module), _layer(target)
    return own is not None and target_layer == (own[0], "api")


def _edges(graph: Graph, module: str, whens: tuple[str, ...] = (TOP,)) -> Iterator[str]:
    """The tree's modules that `module` imports (at the given times), including the packages
    whose ``__init__`` runs on the way."""
    for imp in graph.imports.get(module, ()):
        if imp.when not in whens or not _in(imp.target, graph.root):
            continue
        parts = imp.target.split(".")
        for i in range(2, len(parts) + 1):
            name = ".".join(parts[:i])
            if name in graph.imports and name != module and not _in(module, name):
                yield name


def agent_violations(graph: Graph) -> set[str]:
    found: set[str] = set()
    for module, imports in graph.imports.items():
        layer = _layer(module)
        if layer is None or layer[1] != "agent":
            continue
        for imp in imports:
            if imp.when != TYPING and agent_forbidden(graph, imp.target):
                found.add(f"agent: {module} imports {imp.target} ({imp.when})")
        # transitively, through the modules outside the agent layer that it imports at module
        # level (an agent module it imports is judged on its own)
        seen, queue = {module}, [[module]]
        while queue:
            path = queue.pop(0)
            for dep in _edges(graph, path[-1]):
                layer = _layer(dep)
                if dep in seen or agent_forbidden(graph, dep) or (layer and layer[1] == "agent"):
                    continue
                seen.add(dep)
                for imp in graph.imports.get(dep, ()):
                    if imp.when == TOP and agent_forbidden(graph, imp.target):
                        chain = " -> ".join(path + [dep])
                        found.add(f"agent: {module} reaches {imp.target} via {chain}")
                queue.append(path + [dep])
    return found


#: the process roles that hold no database credentials (module names under the root)
DB_FREE_ROLES = ("roles.host", "roles.agent_node")


def host_violations(graph: Graph) -> set[str]:
    found: set[str] = set()
    for role in DB_FREE_ROLES:
        start = f"{graph.root}.{role}"
        if start not in graph.imports:
            continue
        seen, queue = {start}, [[start]]
        while queue:
            path = queue.pop(0)
            for imp in graph.imports.get(path[-1], ()):
                if imp.when != TYPING and agent_forbidden(graph, imp.target):
                    chain = " -> ".join(path)
                    found.add(f"host: {start} reaches {imp.target} via {chain} ({imp.when})")
            for dep in _edges(graph, path[-1], (TOP, DEFERRED)):
                if dep not in seen and not agent_forbidden(graph, dep):
                    seen.add(dep)
                    queue.append(path + [dep])
    return found


def http_layer(module: str) -> bool:
    """Whether `module` belongs to a service's HTTP layer (see the ``api`` rule)."""
    parts = module.split(".")
    return len(parts) >= 3 and parts[1] != "core" and parts[2] in ("api", "routes", "handlers")


def api_violations(graph: Graph) -> set[str]:
    found: set[str] = set()
    for module, imports in graph.imports.items():
        if not http_layer(module):
            continue
        for imp in imports:
            if _in(imp.target, "sqlalchemy"):
                found.add(f"api: {module} imports {imp.target} ({imp.when})")
    return found


def service_violations(graph: Graph) -> set[str]:
    found: set[str] = set()
    for module, imports in graph.imports.items():
        layer = _layer(module)
        if layer is None or layer[1] != "service":
            continue
        for imp in imports:
            if imp.when != TYPING and service_forbidden(module, imp.target):
                found.add(f"service: {module} imports {imp.target} ({imp.when})")
    return found


#: the service folders whose modules must not touch other objects' private members
PRIVATE_CHECKED = ("compute", "network")


def private_violations(graph: Graph) -> set[str]:
    found: set[str] = set()
    for module, uses in graph.privates.items():
        parts = module.split(".")
        if len(parts) > 2 and parts[1] in PRIVATE_CHECKED:
            found.update(f"private: {module} uses {use}" for use in uses)
    return found


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components (more than one module) of the graph of every import
    (module level, deferred, TYPE_CHECKING), each sorted, found with Tarjan's algorithm."""
    edges = {m: sorted(set(_edges(graph, m, (TOP, DEFERRED, TYPING)))) for m in graph.imports}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(edges[nxt])))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
    return sorted(result)


def cycle_violations(graph: Graph) -> set[str]:
    return {"cycle: " + " <-> ".join(component) for component in cycles(graph)}


def violations(graph: Graph) -> set[str]:
    return (agent_violations(graph) | host_violations(graph) | service_violations(graph)
            | api_violations(graph) | private_violations(graph) | cycle_violations(graph))

