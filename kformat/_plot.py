"""``kformat plot``: a model's layer graph as Graphviz DOT, SVG or PNG (like ``keras.utils.plot_model``).

DOT is produced here with no dependency; SVG and PNG are rendered by
Graphviz's ``dot`` program (``apt install graphviz``, ``brew install
graphviz``, ``conda install graphviz``), run as a separate process on the DOT
text. Each box shows the layer's name, class, output shape and dtype policy;
a nested model is one box, or with ``expand_nested`` a cluster of its layers.
Every string from the file is cleaned (spec/format.md §11.3) and escaped for
DOT, so a layer name cannot change the graph's syntax.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kformat import _atomic
from kformat._display import clean
from kformat._model_graph import Node, format_shapes, model_nodes

__all__ = ["GraphvizMissingError", "plot", "to_dot"]

FORMATS = ("dot", "svg", "png", "pdf")
_RENDER_SECONDS = 120


class GraphvizMissingError(RuntimeError):
    """SVG/PNG/PDF output was asked for and Graphviz's ``dot`` is not installed."""


def _q(text: str) -> str:
    """A DOT double-quoted string (``\\`` and ``"`` escaped; no raw newline left)."""
    return '"' + clean(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(node: Node, shapes: bool, dtypes: bool) -> str:
    lines = [f"{node.name}", node.class_name]
    if shapes:
        lines.append(format_shapes(node.output_shapes))
    if dtypes and node.dtype_policy:
        lines.append(node.dtype_policy)
    body = "\\n".join(clean(x).replace("\\", "\\\\").replace('"', '\\"') for x in lines)
    return f'"{body}"'


def to_dot(
    config: Mapping[str, Any],
    *,
    show_shapes: bool = True,
    show_dtype: bool = True,
    expand_nested: bool = False,
    rankdir: str = "TB",
) -> str:
    """The DOT text of a model config's layer graph."""
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be TB, LR, BT or RL, not {rankdir!r}")
    nodes = model_nodes(config)
    inner = config.get("config")
    name = inner.get("name") if isinstance(inner, Mapping) else None
    ids = {n.qualname: f"n{i}" for i, n in enumerate(nodes)}
    children: dict[str | None, list[Node]] = {}
    for n in nodes:
        children.setdefault(n.parent, []).append(n)
    lines = [
        f"digraph {_q(str(name or 'model'))} {{",
        f"  rankdir={rankdir};",
        '  node [shape=box, style="rounded,filled", fillcolor="#f2f2f2", fontname="Helvetica"];',
    ]

    def visible(n: Node) -> bool:
        return n.parent is None or (expand_nested and visible(_by_name[n.parent]))

    _by_name = {n.qualname: n for n in nodes}

    def entries(n: Node) -> list[str]:
        """Where edges into ``n`` end: the box, or an expanded model's first layers."""
        if not (n.is_model and expand_nested):
            return [ids[n.qualname]]
        kids = children.get(n.qualname, [])
        first = [k for k in kids if not k.inbound] or kids[:1]
        return [e for k in first for e in entries(k)]

    def exits(n: Node) -> list[str]:
        if not (n.is_model and expand_nested):
            return [ids[n.qualname]]
        kids = children.get(n.qualname, [])
        used = {i for k in kids for i in k.inbound}
        last = [k for k in kids if k.name not in used] or kids[-1:]
        return [e for k in last for e in exits(k)]

    def emit(parent: str | None, indent: str) -> None:
        for n in children.get(parent, []):
            if n.is_model and expand_nested:
                lines.append(f"{indent}subgraph cluster_{ids[n.qualname]} {{")
                lines.append(f"{indent}  label={_q(n.name + ' (' + n.class_name + ')')};")
                emit(n.qualname, indent + "  ")
                lines.append(f"{indent}}}")
            else:
                lines.append(
                    f"{indent}{ids[n.qualname]} [label={_label(n, show_shapes, show_dtype)}];"
                )

    emit(None, "  ")
    for n in nodes:
        if not visible(n) or (n.is_model and expand_nested):
            continue
        prefix = f"{n.parent}/" if n.parent else ""
        for source in n.inbound:
            producer = _by_name.get(prefix + source)
            if producer is None:
                continue
            for tail in exits(producer):
                for head in entries(n):
                    lines.append(f"  {tail} -> {head};")
    # edges into expanded nested models: from their producers to the entry layers
    for n in nodes:
        if n.is_model and expand_nested and visible(n):
            prefix = f"{n.parent}/" if n.parent else ""
            for source in n.inbound:
                producer = _by_name.get(prefix + source)
                if producer is not None:
                    for tail in exits(producer):
                        for head in entries(n):
                            lines.append(f"  {tail} -> {head};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot: str, fmt: str) -> bytes:
    """``dot`` rendered by Graphviz as ``svg``, ``png`` or ``pdf``."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissingError(
            f"rendering {fmt} needs Graphviz's 'dot' program, which is not installed "
            "(apt install graphviz, brew install graphviz or conda install graphviz); "
            "write a .dot file instead, which needs nothing"
        )
    done = subprocess.run(
        [exe, f"-T{fmt}"],
        input=dot.encode("utf-8"),
        capture_output=True,
        timeout=_RENDER_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {clean(done.stderr.decode('utf-8', 'replace'), 400)}")
    return done.stdout


def plot(
    source: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    show_shapes: bool = True,
    show_dtype: bool = True,
    expand_nested: bool = False,
    rankdir: str = "TB",
) -> None:
    """Draw the layer graph of ``source`` into ``dest`` (format from its suffix,
    ``.dot``/``.gv``, ``.svg``, ``.png``, ``.pdf``, unless ``fmt`` is given).

    Raises:
        GraphvizMissingError: svg/png/pdf asked for without Graphviz installed.
        ValueError: a weights-only file (no layers), or an unknown format.
        KFormatError / OSError: as :func:`kformat.read`.
    """
    from kformat._read import read

    dest = Path(dest)
    kind = fmt or {".gv": "dot"}.get(dest.suffix.lower(), dest.suffix.lower().lstrip("."))
    if kind not in FORMATS:
        raise ValueError(f"cannot tell the format from {dest.name!r}; use one of {FORMATS}")
    archive = read(source)
    if archive.config is None:
        raise ValueError("a weights-only file has no layer graph to plot")
    dot = to_dot(
        archive.config,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        expand_nested=expand_nested,
        rankdir=rankdir,
    )
    data = dot.encode("utf-8") if kind == "dot" else render(dot, kind)
    tmp = _atomic.temp_path(dest)
    try:
        with _atomic.new_file(tmp) as f:
            f.write(data)
            _atomic.sync_file(f)
        os.replace(tmp, dest)
    except BaseException:
        _atomic.remove(tmp)
        raise
