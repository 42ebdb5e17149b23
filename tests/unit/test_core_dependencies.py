"""The core never depends on a runtime: no ``kformat`` module imports ``reference_runtime``,
Keras, TensorFlow or JAX, at module level or inside a function.

Two checks, because each misses what the other catches: importing every module with those
packages blocked finds module-level imports (however indirect), and the import graph read
from the source finds the function-local ones that only run on some path.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "kformat"
FORBIDDEN = frozenset({"reference_runtime", "keras", "tf_keras", "tensorflow", "jax", "jaxlib"})

IMPORT_ALL = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    FORBIDDEN = set(sys.argv[1].split(","))

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in FORBIDDEN:
                raise ImportError(f"blocked: {name}")
            return None

    sys.meta_path.insert(0, Block())
    import kformat

    names = ["kformat"]
    def failed(name):
        raise SystemExit(f"cannot walk {name}")
    for info in pkgutil.walk_packages(kformat.__path__, "kformat.", onerror=failed):
        importlib.import_module(info.name)
        names.append(info.name)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)
    assert not loaded, loaded
    print("\\n".join(names))
    """
)


def _modules_on_disk() -> set[str]:
    return {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in CORE.rglob("*.py")
    }


def test_every_kformat_module_imports_with_runtimes_blocked() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, ",".join(sorted(FORBIDDEN))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    imported = set(result.stdout.split())
    # The walk reached every module in the tree (a module pkgutil skipped would go unchecked).
    assert imported == _modules_on_disk()


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    """Every module ``path`` names in an import statement, anywhere in the file (function
    bodies and ``if TYPE_CHECKING`` blocks included), relative imports resolved."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            found.append((node.lineno, base))
    return found


def _core_import_graph() -> dict[str, list[tuple[int, str]]]:
    graph = {}
    for path in sorted(CORE.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[module] = _imports(path, module)
    return graph


def test_import_graph_has_no_arrow_from_kformat_to_a_runtime() -> None:
    graph = _core_import_graph()
    assert len(graph) == len(_modules_on_disk()) > 50
    arrows = [
        f"{module}:{line} imports {target}"
        for module, targets in graph.items()
        for line, target in targets
        if target.split(".")[0] in FORBIDDEN
    ]
    assert not arrows, "\n".join(arrows)


def test_import_graph_sees_function_local_and_relative_imports(tmp_path: Path) -> None:
    """The graph reader itself: imports hidden in a function, a class or a relative form
    are arrows too (a reader that saw only module-level imports would pass anything)."""
    source = tmp_path / "mod.py"
    source.write_text(
        "def f():\n    import reference_runtime.models\n"
        "class C:\n    def g(self):\n        from keras import ops\n"
        "from . import sibling\nfrom ..up import thing\n",
        encoding="utf-8",
    )
    targets = [t for _, t in _imports(source, "kformat.pkg.mod")]
    assert sorted(targets) == ["keras", "kformat.pkg", "kformat.up", "reference_runtime.models"]
