"""``kformat inspect`` output: a :class:`~kformat._inspect.ModelInfo` as text, JSON or Markdown.

Every string that came from the file goes through :func:`kformat._display.clean`
(spec/format.md §11.3); Markdown table cells also escape ``|`` so a layer name
cannot add a column.
"""

from __future__ import annotations

import json

from kformat._display import PATH_CHARS, clean, clean_tree
from kformat._inspect import ModelInfo
from kformat._model_graph import format_shapes

__all__ = ["render"]


def _rows(info: ModelInfo, md: bool) -> tuple[list[str], list[list[str]], list[list[str]]]:
    def cell(text: str) -> str:
        text = clean(text)
        return text.replace("|", "\\|") if md else text

    layer_rows = [
        [
            ("  " * row.name.count("/") if not md else "") + cell(row.name),
            cell(row.class_name),
            format_shapes(row.output_shape),
            f"{row.params:,}",
            cell(row.dtype_policy or "-"),
            cell(", ".join(row.inbound) or "-"),
        ]
        for row in info.layers
    ]
    weight_rows = [
        [
            cell(w.path),
            cell(w.layer or "-"),
            cell(w.dtype),
            str(tuple(w.shape)),
            f"{w.nbytes:,}",
            *([w.sha256] if w.sha256 else []),
        ]
        for w in info.weights
    ]
    head = [f"{clean(info.file, PATH_CHARS)}: {info.layout} layout, {_what(info)}"]
    return head, layer_rows, weight_rows


def _what(info: ModelInfo) -> str:
    if info.class_name is None:
        return "weights only"
    name = f" {clean(info.name)!r}" if info.name else ""
    return f"{clean(info.class_name)}{name}"


def _table(header: list[str], rows: list[list[str]], md: bool) -> list[str]:
    if md:
        return [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(r) + " |" for r in rows),
        ]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return ["  " + fmt.format(*header).rstrip(), *("  " + fmt.format(*r).rstrip() for r in rows)]


def _summary_lines(info: ModelInfo) -> list[str]:
    w = info.writer
    lines = [f"writer: {w.writer} {clean(w.version or '(no version)')}, generation {w.generation}"]
    lines += [f"  - {clean(e, 400)}" for e in w.evidence]
    meta = info.metadata or {}
    if "date_saved" in meta:
        lines.append(f"saved: {clean(str(meta['date_saved']))}")
    if info.custom_objects:
        lines.append("custom objects needed: " + ", ".join(clean(c) for c in info.custom_objects))
    else:
        lines.append("custom objects needed: none")
    if info.compile_config is not None:
        cc = info.compile_config
        loss = cc.get("loss")
        lines.append(
            f"compiled: optimizer {clean(str(info.optimizer))}, loss {clean(json.dumps(clean_tree(loss)), 200)}"
        )
    else:
        lines.append("compiled: no")
    lines.append(f"optimizer state: {info.optimizer_arrays} arrays, {info.optimizer_bytes:,} bytes")
    lines.append(
        f"total: {len(info.weights)} arrays, {info.params:,} values, "
        f"{info.weight_bytes:,} bytes of weights, {len(info.assets)} assets"
    )
    return lines


def render(info: ModelInfo, fmt: str) -> str:
    """``info`` as ``text``, ``json`` or ``markdown``."""
    if fmt == "json":
        return json.dumps(clean_tree(info.to_dict()), indent=2) + "\n"
    md = fmt == "markdown"
    head, layer_rows, weight_rows = _rows(info, md)
    layer_header = ["layer", "class", "output shape", "params", "dtype policy", "inbound"]
    weight_header = ["weight", "layer", "dtype", "shape", "bytes"]
    if any(w.sha256 for w in info.weights):
        weight_header.append("sha256")
    if md:
        out = [f"## {head[0]}", ""]
        out += [
            f"  {line.strip()}" if line.startswith("  - ") else f"- {line}"
            for line in _summary_lines(info)
        ]
        if layer_rows:
            out += ["", "### Layers", "", *_table(layer_header, layer_rows, True)]
        out += ["", "### Weights", "", *_table(weight_header, weight_rows, True)]
        return "\n".join(out) + "\n"
    out = [*head, *("  " + line for line in _summary_lines(info))]
    if layer_rows:
        out += ["layers:", *_table(layer_header, layer_rows, False)]
    if weight_rows:
        out += ["weights:", *_table(weight_header, weight_rows, False)]
    return "\n".join(out) + "\n"
