"""The dependency graph of a stack's resources: an order to create them in (and its reverse
to delete), the ones that can run now, and Heat's "Circular Dependency Found" 400."""

from __future__ import annotations

from collections.abc import Mapping, Set

from nubo.orchestration.errors import CircularDependencyException


class Graph:
    def __init__(self, requires: Mapping[str, Set[str]]) -> None:
        """`requires[name]`: the resources `name` needs first (all in `requires`)."""
        self.requires = {k: set(v) for k, v in requires.items()}
        self.required_by: dict[str, set[str]] = {k: set() for k in requires}
        for k, v in self.requires.items():
            for d in v:
                self.required_by.setdefault(d, set()).add(k)
        self.order = self._topological()

    def _topological(self) -> list[str]:
        order: list[str] = []
        state: dict[str, int] = {}   # 1 visiting, 2 done
        for start in sorted(self.requires):
            if state.get(start) == 2:
                continue
            # iterative depth-first search (a 1,000-resource chain is no recursion error)
            stack: list[tuple[str, list[str]]] = [(start, sorted(self.requires[start]))]
            state[start] = 1
            while stack:
                node, todo = stack[-1]
                if todo:
                    nxt = todo.pop()
                    s = state.get(nxt)
                    if s == 1:
                        cycle = [n for n, _ in stack]
                        cycle = cycle[cycle.index(nxt):] + [nxt]
                        raise CircularDependencyException(
                            cycle=", ".join(f'"{a}" depends on "{b}"'
                                            for a, b in zip(cycle, cycle[1:], strict=False)))
                    if s is None:
                        state[nxt] = 1
                        stack.append((nxt, sorted(self.requires.get(nxt, ()))))
                    continue
                state[node] = 2
                order.append(node)
                stack.pop()
        return order

    def ready(self, done: Set[str], started: Set[str]) -> list[str]:
        """The resources not started whose requirements are all done (create order)."""
        return [n for n in self.order
                if n not in started and self.requires[n] <= done]

    def ready_reverse(self, done: Set[str], started: Set[str]) -> list[str]:
        """The resources not started that nothing left needs (delete order)."""
        return [n for n in reversed(self.order)
                if n not in started and self.required_by.get(n, set()) <= done]
