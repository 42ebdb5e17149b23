"""The distribution stands alone: one version, a licence, every package listed, and
the conformance corpus found from an installed copy (no checkout around it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import kformat
import reference_runtime
from kformat.conformance import find_corpus, load_cases

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    doc: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return doc


def test_one_version_source() -> None:
    project = _pyproject()["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert _pyproject()["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "kformat.__version__"
    }
    assert reference_runtime.__version__ == kformat.__version__


def test_license_is_apache_2_and_shipped() -> None:
    project = _pyproject()["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_packages_list_matches_the_tree() -> None:
    """The package list is explicit (the corpus lives outside kformat/): a new
    package on disk must be added to it, or the wheel would silently lack it."""
    tool = _pyproject()["tool"]["setuptools"]
    found = [
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("kformat", "reference_runtime")
        for init in (ROOT / top).rglob("__init__.py")
    ]
    assert sorted(tool["packages"]) == sorted([*found, "kformat.conformance.corpus"])
    assert tool["package-dir"] == {"kformat.conformance.corpus": "conformance"}


def _install_like_the_wheel(site: Path) -> None:
    """Lay out kformat as the wheel does: the package, then the corpus files the
    package-data patterns select under kformat/conformance/corpus/."""
    shutil.copytree(
        ROOT / "kformat", site / "kformat", ignore=shutil.ignore_patterns("__pycache__")
    )
    patterns = _pyproject()["tool"]["setuptools"]["package-data"]["kformat.conformance.corpus"]
    corpus = ROOT / "conformance"
    for pattern in patterns:
        for path in corpus.glob(pattern):
            if path.is_file() and "__pycache__" not in path.parts:
                target = site / "kformat" / "conformance" / "corpus" / path.relative_to(corpus)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)


def test_installed_copy_finds_its_corpus(tmp_path: Path) -> None:
    """Outside a checkout, ``python -m kformat.conformance`` uses the corpus shipped
    in the package, and the package-data patterns carry every case."""
    site = tmp_path / "site"
    _install_like_the_wheel(site)
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    code = (
        "import json, kformat, kformat.conformance as c; p = c.find_corpus(); "
        "print(json.dumps([kformat.__file__, str(p), len(c.load_cases(p))]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env={"PYTHONPATH": str(site)},  # ahead of site-packages
        timeout=600,  # a hang guard only
        check=True,
    )
    module, where, count = json.loads(out.stdout)
    assert Path(module).is_relative_to(site)
    assert Path(where) == site / "kformat" / "conformance" / "corpus"
    assert count == len(load_cases(find_corpus())) > 300


def test_developer_tools_stay_out_of_the_wheel() -> None:
    """The checkout-only tools (the export parity suite, the benchmarks) find their data
    through the checkout, so no shipped package lists or imports them."""
    import ast

    shipped = _pyproject()["tool"]["setuptools"]["packages"]
    assert not [p for p in shipped if p.split(".")[0] in {"tools", "benchmarks", "tests"}]
    arrows = []
    for top in ("kformat", "reference_runtime"):
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom) and not node.level
                    else []
                )
                arrows += [
                    f"{path.relative_to(ROOT)} imports {n}"
                    for n in names
                    if n.split(".")[0] in {"tools", "benchmarks", "tests"}
                ]
    assert not arrows, arrows
    assert (ROOT / "tools" / "export_parity" / "__main__.py").is_file()
