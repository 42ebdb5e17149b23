"""The import graph of the tree has no cycle and no arrow from ``kformat`` to
``reference_runtime``, with function-local imports counted as arrows.

A function-local import is still a dependency: it runs on the first call instead of at
import time, so a cycle hidden behind one is a cycle that only bites on some paths. Imports
under ``if TYPE_CHECKING:`` are not arrows: they never run, they only tell the type checker
about names (PEP 484 "Runtime or type checking?"), so a type-only mention of a module in
both directions is allowed.

How an import statement becomes arrows (``pkg`` a package of the tree):

- ``import pkg.a.b`` is an arrow to ``pkg.a.b`` and to each package Python must run
  first (``pkg.a``'s ``__init__``) unless the importer is inside it: a module's own
  packages have started running before the module itself, so a submodule of ``pkg.a``
  does not wait for ``pkg.a``'s ``__init__``, but a module outside it does.
- ``from pkg.a import x`` is an arrow to ``pkg.a.x`` when that is a module of the tree,
  else to ``pkg.a`` (the module, or the package ``__init__``, that must define ``x``).
  So a submodule importing a sibling through its package is a cycle only if the package
  ``__init__`` imports that submodule back.
- Relative imports are resolved against the importing module's package first.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREES = ("kformat", "reference_runtime", "tools")


def _module_name(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def modules_on_disk(root: Path = ROOT, trees: Iterable[str] = TREES) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for tree in trees:
        if (root / tree).is_dir():
            for path in sorted((root / tree).rglob("*.py")):
                found[_module_name(path, root)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    """``TYPE_CHECKING`` or ``typing.TYPE_CHECKING`` (any module prefix)."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _runtime_imports(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import statement in the file, at any depth, except those under
    ``if TYPE_CHECKING:`` (the ``else:`` branch of such an ``if`` does run)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _owner(name: str, known: Mapping[str, object]) -> str | None:
    """The longest prefix of dotted ``name`` that is a module of the tree."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def arrows_of(path: Path, module: str, known: Mapping[str, object]) -> list[tuple[int, str]]:
    """``(line, target)`` for every runtime import in ``path`` that lands in the tree."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    source = path.read_text(encoding="utf-8")
    found: list[tuple[int, str]] = []
    for node in _runtime_imports(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            targets = [_owner(alias.name, known) for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            targets = []
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.append(submodule if submodule in known else _owner(base, known))
        for target in targets:
            if target is None or target == module:
                continue
            found.append((node.lineno, target))
            found += [(node.lineno, p) for p in _packages_run_first(target, module, known)]
    return found


def _packages_run_first(target: str, importer: str, known: Mapping[str, object]) -> list[str]:
    """The packages of ``target`` whose ``__init__`` importing it runs: those ``importer``
    is not inside (a package the importer is inside has already started running)."""
    parts = target.split(".")
    packages = [".".join(parts[:end]) for end in range(1, len(parts))]
    return [
        p for p in packages if p in known and p != importer and not importer.startswith(p + ".")
    ]


def import_graph(root: Path = ROOT, trees: Iterable[str] = TREES) -> dict[str, set[str]]:
    known = modules_on_disk(root, trees)
    return {
        module: {target for _, target in arrows_of(path, module, known)}
        for module, path in known.items()
    }


def strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components with more than one module, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def shortest_cycle(graph: Mapping[str, set[str]], component: Iterable[str]) -> list[str]:
    """The shortest cycle inside ``component`` (breadth-first from each member back to it)."""
    members = set(component)
    best: list[str] = []
    for start in sorted(members):
        parent: dict[str, str] = {}
        queue = deque([start])
        found = False
        while queue and not found:
            node = queue.popleft()
            for succ in sorted(graph[node] & members):
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    cycle = [*reversed(path), start]
                    if not best or len(cycle) < len(best):
                        best = cycle
                    found = True
                    break
                if succ not in parent:
                    parent[succ] = node
                    queue.append(succ)
    return best


def test_the_tree_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 150  # the walk found the tree
    cycles = [
        f"{len(component)} modules, shortest cycle: "
        + " -> ".join(shortest_cycle(graph, component))
        for component in strongly_connected(graph)
    ]
    assert not cycles, "\n".join(cycles)


def test_no_arrow_from_kformat_to_reference_runtime() -> None:
    known = modules_on_disk()
    arrows = [
        f"{module}:{line} imports {target}"
        for module, path in known.items()
        if module.split(".")[0] == "kformat"
        for line, target in arrows_of(path, module, known)
        if target.split(".")[0] == "reference_runtime"
    ]
    assert not arrows, "\n".join(arrows)


def _write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_graph_reader_counts_function_local_imports_and_resolves_forms(tmp_path: Path) -> None:
    """The reader itself: a cycle hidden in a function body is found, and each import form
    lands on the module that must run for it."""
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import A\n",
            "pkg/a.py": "A = 1\ndef f():\n    from pkg import b\n",
            "pkg/b.py": "class C:\n    def g(self):\n        from .a import A\n",
            "pkg/c.py": "from . import b\nfrom pkg import A\nimport pkg.sub.d\nimport numpy\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/d.py": "from ..a import A\n",
        },
    )
    graph = import_graph(tmp_path, ["pkg"])
    assert graph == {
        "pkg": {"pkg.a"},
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.a"},
        "pkg.c": {"pkg.b", "pkg", "pkg.sub", "pkg.sub.d"},  # pkg.sub's __init__ runs first
        "pkg.sub": set(),
        "pkg.sub.d": {"pkg.a"},
    }
    assert strongly_connected(graph) == [["pkg.a", "pkg.b"]]
    assert shortest_cycle(graph, ["pkg.a", "pkg.b"]) == ["pkg.a", "pkg.b", "pkg.a"]


def test_a_package_init_run_by_an_import_is_an_arrow(tmp_path: Path) -> None:
    """Importing ``pkg.sub.leaf`` from outside ``pkg.sub`` runs ``pkg/sub/__init__.py``
    first: a cycle through that ``__init__`` fails at import time, so it is a cycle here.
    A sibling inside ``pkg.sub`` does not run it again."""
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/low.py": "from pkg.sub.leaf import X\n",
            "pkg/sub/__init__.py": "from pkg.sub.high import Y\n",
            "pkg/sub/leaf.py": "X = 1\n",
            "pkg/sub/high.py": "from pkg.sub import leaf\nimport pkg.low\n",
        },
    )
    graph = import_graph(tmp_path, ["pkg"])
    assert graph["pkg.low"] == {"pkg.sub", "pkg.sub.leaf"}
    assert graph["pkg.sub.high"] == {"pkg.sub.leaf", "pkg.low"}
    assert strongly_connected(graph) == [["pkg.low", "pkg.sub", "pkg.sub.high"]]


def test_type_checking_imports_are_not_arrows(tmp_path: Path) -> None:
    """An import under ``if TYPE_CHECKING:`` never runs; its ``else:`` branch does."""
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from typing import TYPE_CHECKING\nimport pkg.b\n",
            "pkg/b.py": (
                "import typing\nif typing.TYPE_CHECKING:\n    from pkg.a import x\n"
                "else:\n    from pkg import c\n"
            ),
            "pkg/c.py": "",
        },
    )
    graph = import_graph(tmp_path, ["pkg"])
    assert graph["pkg.b"] == {"pkg.c"}
    assert strongly_connected(graph) == []


def test_shortest_cycle_is_reported_from_a_larger_component() -> None:
    graph = {"a": {"b"}, "b": {"c", "a"}, "c": {"d"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c", "d"]]
    assert shortest_cycle(graph, ["a", "b", "c", "d"]) == ["a", "b", "a"]
