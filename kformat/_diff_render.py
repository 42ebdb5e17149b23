"""``kformat diff`` output: a :class:`~kformat._diff.Diff` as text, JSON or GitHub annotations.

Names and values from the files go through :func:`kformat._display.clean`
(spec/format.md §11.3); GitHub workflow commands also escape ``%``, CR, LF
(and ``:``/``,`` in properties) as actions/toolkit's ``command.ts`` does.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from kformat._diff import ConfigChange, Diff, LayerChange, WeightChange
from kformat._display import PATH_CHARS, clean, clean_tree

__all__ = ["lines", "render"]


def _value(value: Any) -> str:
    return clean(json.dumps(value, default=str), 120)


def _layer(c: LayerChange) -> str:
    if c.kind == "renamed":
        return (
            f"layer renamed: {clean(c.name)} -> {clean(c.new_name or '')} ({clean(c.class_name)})"
        )
    return f"layer {c.kind}: {clean(c.name)} ({clean(c.class_name)})"


def _config(c: ConfigChange) -> str:
    where = f" [layer {clean(c.layer)}]" if c.layer else ""
    return f"{c.category} {clean(c.pointer)}{where}: {_value(c.old)} -> {_value(c.new)}"


def _weight(c: WeightChange) -> str:
    where = clean(c.path) + (
        f" (now {clean(c.new_path)})" if c.new_path and c.new_path != c.path else ""
    )
    if c.kind == "added":
        return f"weight added: {where} {c.new_dtype} {c.new_shape}"
    if c.kind == "removed":
        return f"weight removed: {where} {c.old_dtype} {c.old_shape}"
    if c.kind == "shape":
        return f"weight shape changed: {where} {c.old_shape} -> {c.new_shape}"
    if c.kind == "dtype":
        return f"weight dtype changed: {where} {c.old_dtype} -> {c.new_dtype}"
    return f"weight values changed: {where} max abs {c.max_abs:.6g}, max rel {c.max_rel:.6g}"


def _weight_lines(changes: tuple[WeightChange, ...]) -> list[str]:
    """One line per array, except that more than three arrays added or removed under
    one group no layer owns (``/optimizer``, ``/metrics``) make one line."""
    groups: dict[tuple[str, str], list[WeightChange]] = {}
    for c in changes:
        if c.kind in ("added", "removed") and c.layer is None:
            top = "/" + c.path.strip("/").split("/")[0]
            groups.setdefault((c.kind, top), []).append(c)
    out = []
    said: set[tuple[str, str]] = set()
    for c in changes:
        key = (c.kind, "/" + c.path.strip("/").split("/")[0])
        members = groups.get(key, []) if c.layer is None else []
        if len(members) <= 3:
            out.append(_weight(c))
        elif key not in said:
            said.add(key)
            nbytes = sum(_nbytes(m) for m in members)
            out.append(
                f"weight {c.kind}: {len(members)} arrays under {clean(key[1])} ({nbytes:,} bytes)"
            )
    return out


def _nbytes(c: WeightChange) -> int:
    dtype, shape = (c.old_dtype, c.old_shape) if c.kind == "removed" else (c.new_dtype, c.new_shape)
    try:
        size = np.dtype(dtype).itemsize
    except TypeError:
        return 0
    for d in shape or ():
        size *= d
    return size


def lines(d: Diff) -> list[str]:
    """One line per difference, in the order layers, config, weights, metadata."""
    return [
        *map(_layer, d.layers),
        *map(_config, d.config),
        *_weight_lines(d.weights),
        *(f"metadata {clean(c.pointer)}: {_value(c.old)} -> {_value(c.new)}" for c in d.metadata),
    ]


def _summary(d: Diff) -> str:
    if d.same:
        equal = f"; {d.weights_equal} arrays equal" if "weights" in d.only else ""
        return f"same ({', '.join(d.only)}{equal})"
    return (
        f"{len(d.layers)} layer, {len(d.config)} config, {len(d.weights)} weight and "
        f"{len(d.metadata)} metadata differences; {d.weights_equal} arrays equal"
    )


def _esc(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _esc(text).replace(":", "%3A").replace(",", "%2C")


def render(d: Diff, fmt: str) -> str:
    """``d`` as ``text``, ``json`` or ``github``."""
    if fmt == "json":
        return json.dumps(clean_tree(d.to_dict()), indent=2, default=str) + "\n"
    head = f"{clean(d.a, PATH_CHARS)} -> {clean(d.b, PATH_CHARS)}: {_summary(d)}"
    if fmt == "github":
        name = _prop(clean(d.b, PATH_CHARS))
        out = [f"::warning file={name},title=kformat diff::{_esc(line)}" for line in lines(d)]
        out.append(f"::notice file={name},title=kformat diff::{_esc(head)}")
        return "\n".join(out) + "\n"
    return "\n".join([head, *("  " + line for line in lines(d))]) + "\n"
