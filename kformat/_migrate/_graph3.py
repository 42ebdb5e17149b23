"""Functional graphs of Keras 2 files seen from Keras 3: references, shapes, TF ops (spec §5.3-§5.6).

:class:`Graph` resolves a Keras 2 tensor reference ``[name, node, tensor]`` to
Keras 3 numbers (a nested model built on an InputLayer counts its built-in
node in Keras 2 only, spec §5.6) and remembers the shapes of the tensors
produced so far, for the ``__keras_tensor__`` objects of Keras 3 nodes.
``TFOpLambda`` layers become ``keras.ops`` operations here (``_ops3``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kformat._migrate._ops3 import OPERATIONS, broadcast, operation_entry
from kformat._migrate._report import Notes, refuse

__all__ = [
    "Graph",
    "call_kwargs",
    "input_shapes",
    "io_refs",
    "is_entry",
    "keras2_offset",
    "operation",
]

Parts = tuple[str | int, ...]
_FUNCTIONAL = frozenset({"Functional", "Model"})
_CONSTANT = "_CONSTANT_VALUE"


def keras2_offset(entry: Mapping[str, Any]) -> int:
    """1 when Keras 2 counts ``entry``'s built-in node (spec §5.6): every nested
    Functional, and a Sequential that starts with an InputLayer."""
    cls = entry.get("class_name")
    if cls in _FUNCTIONAL:
        return 1
    inner = entry.get("config")
    layers = inner.get("layers") if isinstance(inner, Mapping) else None
    first = layers[0] if isinstance(layers, list) and layers else None
    return int(
        cls == "Sequential"
        and isinstance(first, Mapping)
        and first.get("class_name") == "InputLayer"
    )


class Graph:
    """One Functional model: entries by name and the shapes of produced tensors."""

    def __init__(self, layers: list[Any]) -> None:
        self.by_name = {
            str(e.get("name")): e for e in layers if isinstance(e, Mapping) and "name" in e
        }
        self.offsets = {n: keras2_offset(e) for n, e in self.by_name.items()}
        self.functional = {n for n, e in self.by_name.items() if e.get("class_name") in _FUNCTIONAL}
        self.shapes: dict[tuple[str, int, int], list[Any]] = {}
        self.dtypes: dict[str, str] = {}

    def ref(self, name: str, node: int, tensor: int, parts: Parts) -> tuple[str, int, int]:
        if name not in self.by_name or not isinstance(node, int) or not isinstance(tensor, int):
            raise refuse(parts, name, "a node refers to a layer that does not exist", "re-save")
        return name, node - self.offsets[name], tensor

    def tensor(self, ref: tuple[str, int, int], shape: list[Any]) -> dict[str, Any]:
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(shape),
                "dtype": self.dtypes.get(ref[0], "float32"),
                "keras_history": list(ref),
            },
        }


def is_entry(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) in (3, 4)
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and isinstance(value[2], int | float | str | list | dict | None)
    )


def io_refs(value: Any, parts: Parts, graph: Graph) -> Any:
    """input_layers / output_layers: Keras 2 numbers -> Keras 3 numbers (spec §5.5, §5.6);
    a single reference is written unwrapped, as Keras 3.15 does."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        name, node, tensor = graph.ref(value[0], value[1], value[2], parts)
        return [name, node + (1 if name in graph.functional else 0), tensor]
    if isinstance(value, list):
        items = [io_refs(v, (*parts, i), graph) for i, v in enumerate(value)]
        return items[0] if len(items) == 1 else items
    if isinstance(value, dict):
        return {k: io_refs(v, (*parts, k), graph) for k, v in value.items()}
    return value


def input_shapes(
    entry: Mapping[str, Any], count: int
) -> tuple[list[Any] | None, list[list[Any] | None], Mapping[str, Any]]:
    build = entry.get("build_config")
    single: list[Any] | None = None
    several: list[list[Any] | None] = [None] * count
    named: Mapping[str, Any] = {}
    if isinstance(build, Mapping):
        shape = build.get("input_shape")
        if isinstance(shape, list) and shape and isinstance(shape[0], list):
            several = [list(s) for s in shape[:count]] + [None] * (count - len(shape))
        elif isinstance(shape, list):
            single = shape
        dct = build.get("shapes_dict")
        if isinstance(dct, Mapping):
            named = dct
    return single, several, named


def call_kwargs(
    kwargs: Mapping[str, Any], graph: Graph, named: Mapping[str, Any], parts: Parts
) -> tuple[dict[str, Any], bool]:
    """Call kwargs with tensor references ``[name, node, tensor]`` (at any depth:
    ``mask=[[q, 0, 0], [v, 0, 0]]``) as ``__keras_tensor__`` objects; ``False``
    when a referenced tensor's shape is unknown."""
    ok = [True]

    def convert(value: Any, where: Parts, key: str) -> Any:
        if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
            ref = graph.ref(value[0], value[1], value[2], where)
            shape = graph.shapes.get(ref) or named.get(f"{key}_shape")
            if shape is None:
                ok[0] = False
                shape = []
            return graph.tensor(ref, shape)
        if isinstance(value, list):
            return [convert(v, (*where, i), key) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: convert(v, (*where, k), key) for k, v in value.items()}
        return copy.deepcopy(value)

    out = {key: convert(value, (*parts, 3, key), key) for key, value in kwargs.items()}
    return out, ok[0]


def operation(entry: dict[str, Any], parts: Parts, graph: Graph, notes: Notes) -> None:
    """A ``TFOpLambda`` entry -> the equivalent ``keras.ops`` operation entry."""
    inner = entry.get("config") or {}
    name = str(entry.get("name"))
    function = inner.get("function")
    if entry.get("class_name") != "TFOpLambda" or function not in OPERATIONS:
        raise refuse(
            parts,
            name,
            f"the TensorFlow function {function!r} has no keras.ops equivalent kformat maps",
            "express it with Keras layers in Keras 2 (or a registered custom layer) and save again",
        )
    op, arg_names = OPERATIONS[str(function)]
    nodes = entry.get("inbound_nodes")
    if not isinstance(nodes, list) or len(nodes) != 1:
        raise refuse(parts, name, "a TensorFlow op called more than once", "re-save")
    node = nodes[0]
    leaf: Any = node if is_entry(node) else (node[0] if isinstance(node, list) and node else None)
    if not is_entry(leaf):
        raise refuse(parts, name, "the op's node has a form kformat cannot read", "re-save")
    kwargs = dict(leaf[3]) if len(leaf) == 4 else {}
    kwargs.pop("name", None)
    values: list[Any] = []
    shapes: list[list[Any]] = []
    build = entry.get("build_config") or {}
    for position, arg in enumerate(arg_names):
        if position == 0:
            raw: Any = leaf[2] if leaf[0] == _CONSTANT else [leaf[0], leaf[1], leaf[2]]
        elif arg in kwargs:
            raw = kwargs.pop(arg)
        else:
            raise refuse(parts, name, f"the op has no argument {arg!r}", "re-save")
        if (
            isinstance(raw, list)
            and len(raw) == 3
            and isinstance(raw[0], str)
            and raw[0] != _CONSTANT
        ):
            ref = graph.ref(raw[0], raw[1], raw[2], parts)
            shape = graph.shapes.get(ref)
            if shape is None and position == 0:
                shape = build.get("input_shape")
            if shape is None:
                raise refuse(
                    parts,
                    name,
                    "the shapes of the op's inputs cannot be followed",
                    "give the layers before it a build_config (save with tf.keras 2.13+)",
                )
            values.append(graph.tensor(ref, shape))
            shapes.append(list(shape))
        elif isinstance(raw, int | float) and not isinstance(raw, bool):
            values.append(raw)
        else:
            raise refuse(parts, name, f"argument {arg!r} is {raw!r}", "re-save")
    if kwargs:
        raise refuse(parts, name, f"the op takes extra arguments {sorted(kwargs)}", "re-save")
    new = operation_entry(op, name)
    entry.clear()
    entry.update(new, name=name, inbound_nodes=[{"args": values, "kwargs": {}}])
    result = broadcast(shapes)
    if result is not None:
        graph.shapes[(name, 0, 0)] = result
    notes.change("TFOpLambda layers -> keras.ops operations")
