"""The corpus recipes import one way: case modules import their kit, drivers import cases.

The graph is read from the source (function-local imports included), so a cycle hidden
behind an import inside a function still fails.
"""

from __future__ import annotations

import ast

from tests.conformance._support import ROOT

RECIPES = ROOT / "conformance" / "recipes"


def _graph() -> dict[str, set[str]]:
    modules = {p.stem for p in RECIPES.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name in sorted(modules):
        tree = ast.parse((RECIPES / f"{name}.py").read_text(encoding="utf-8"))
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets.add(node.module.split(".")[0])
        graph[name] = targets & modules
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path ``[a, b, ..., a]``, or ``None``."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_recipe_modules_have_no_import_cycle() -> None:
    graph = _graph()
    assert {"make_cases", "make_hostile", "conf_kit", "hostile_common"} <= set(graph)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_cycle_finder_finds_a_function_local_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_recipes_are_split_by_concept_not_size() -> None:
    """No ``name2.py`` continuation modules: each module is named for what it holds."""
    numbered = sorted(p.name for p in RECIPES.glob("*[0-9].py"))
    assert not numbered, numbered
