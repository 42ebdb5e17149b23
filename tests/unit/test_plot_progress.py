"""``kformat plot`` (DOT always; SVG rendered when Graphviz's ``dot`` is installed) and
the progress bar (stderr, terminals only, never with ``--quiet``)."""

from __future__ import annotations

import io
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import kformat
from kformat import _progress
from kformat.__main__ import main
from kformat._patch import patch_archive
from kformat._plot import to_dot
from tests.conftest import KERAS_FILES

NESTED = KERAS_FILES / "keras-3.15.1/nested_sequential_in_functional/model.keras"


def _edges(dot: str) -> set[tuple[str, str]]:
    labels = dict(re.findall(r'(n\d+) \[label="([^\\"]+)', dot))
    return {(labels[a], labels[b]) for a, b in re.findall(r"(n\d+) -> (n\d+);", dot)}


@pytest.mark.parametrize(
    "writer", ["keras-3.0.1", "keras-3.0.5", "keras-3.15.1", "tf.keras-2.14.1", "tf_keras-2.21.0"]
)
def test_dot_of_every_generation(writer: str) -> None:
    config = kformat.read(
        KERAS_FILES / writer / "nested_sequential_in_functional/model.keras"
    ).config
    assert config is not None
    flat = to_dot(config)
    assert _edges(flat) == {("x", "inner_seq"), ("inner_seq", "out")}
    assert "(None, 4)" in flat and "Sequential" in flat
    expanded = to_dot(config, expand_nested=True)
    assert "subgraph cluster_" in expanded
    assert _edges(expanded) == {
        ("x", "inner_x"),
        ("inner_x", "dense"),
        ("dense", "dense_1"),
        ("dense_1", "out"),
    }


def test_names_cannot_break_the_dot_syntax() -> None:
    archive = kformat.read(KERAS_FILES / "keras-3.15.1/guide_sequential/model.keras")
    evil = patch_archive(archive, rename_layers={"layer2": 'a"];\n evil -> x [label="\\'})
    assert evil.config is not None
    dot = to_dot(evil.config, show_dtype=False)
    outside = re.sub(r'"(?:[^"\\\n]|\\.)*"', "S", dot)  # every DOT string literal -> S
    assert "evil" not in outside and '"' not in outside
    assert outside.count("->") == 3 and len(re.findall(r"n\d+ \[label=S\]", outside)) == 4


def test_cli_plot_dot_and_missing_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "m.dot"
    assert main(["plot", str(NESTED), "-o", str(out), "--expand-nested", "--rankdir", "LR"]) == 0
    assert out.read_text().startswith('digraph "outer" {\n  rankdir=LR;')
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot program on the path
    assert main(["plot", str(NESTED), "-o", str(tmp_path / "m.svg")]) == 2
    err = capsys.readouterr().err
    assert "needs Graphviz's 'dot' program" in err and ".dot" in err
    assert not (tmp_path / "m.svg").exists()
    weights = KERAS_FILES / "keras-3.15.1/sharded_weights/model.weights.json"
    assert main(["plot", str(weights), "-o", str(tmp_path / "w.dot")]) == 2


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_svg_is_rendered(tmp_path: Path) -> None:
    out = tmp_path / "m.svg"
    kformat.plot(NESTED, out, expand_nested=True)
    root = ET.fromstring(out.read_bytes())
    assert root.tag.endswith("svg")
    texts = {t.text for t in root.iter() if t.tag.endswith("text")}
    assert {"inner_x", "dense_1", "out", "(None, 3)"} <= texts


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    with _progress.bar(100, "hashing") as update:
        update(50)
    assert pipe.getvalue() == ""
    tty = _Tty()
    monkeypatch.setattr("sys.stderr", tty)
    with _progress.bar(100, "hashing", quiet=True) as update:
        update(100)
    assert tty.getvalue() == ""
    with _progress.bar(100, "hashing") as update:
        update(50)
        update(100)
    assert "hashing" in tty.getvalue()
