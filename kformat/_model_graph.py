"""A model config as a graph of layers: names, inbound layers, output shapes (spec §5.2-§5.4).

Shared by ``kformat inspect`` (the layer table), ``kformat plot`` (the drawing)
and ``kformat patch`` (renaming a layer updates every reference found here).
Pure functions over the parsed ``config.json``; nothing is imported or built.

Inbound references come in two spellings (spec §5.3):

* Keras 3: each node is ``{"args": [...], "kwargs": {...}}`` whose tensors are
  ``{"class_name": "__keras_tensor__", "config": {"shape": [...],
  "keras_history": [layer, node_index, tensor_index]}}``
  (``keras/src/models/functional.py`` ``serialize_node``). The recorded shape
  is the producer's output shape, exactly as Keras computed it.
* Keras 2 (tf.keras, tf_keras): each node is a list of
  ``[layer, node_index, tensor_index, {kwargs}]``; tensors passed as keyword
  arguments appear as ``[layer, node_index, tensor_index]`` lists inside the
  kwargs (``tf_keras/engine/node.py`` ``serialize``).

Where no shape is recorded, the catalogue's ``output_shape`` follows single-input
layers from the input layers (``kformat.layers``); anything else is unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kformat import layers, weight_paths

__all__ = ["Node", "Shape", "format_shapes", "inbound_refs", "model_nodes", "policy_name"]

Shape = tuple[int | None, ...]
_MODELS = weight_paths.MODEL_CLASS_NAMES


@dataclass(frozen=True)
class Node:
    """One layer entry of a model config (nested models' layers included).

    Attributes:
        name: the layer's name in its model.
        qualname: ``outer/inner`` for a layer of a nested model, else ``name``.
        class_name: the config ``class_name``.
        parent: ``qualname`` of the nested model holding it, ``None`` at the top.
        inbound: names of the layers it is called on, in call order (same model).
        output_shapes: one shape per output tensor; empty when unknown.
        dtype_policy: the policy name (``float32``, ``mixed_float16``), if any.
        entry: the serialized layer (``{"class_name", "config", ...}``).
    """

    name: str
    qualname: str
    class_name: str
    parent: str | None
    inbound: tuple[str, ...]
    output_shapes: tuple[Shape, ...]
    dtype_policy: str | None
    entry: Mapping[str, Any]

    @property
    def is_model(self) -> bool:
        return self.class_name in _MODELS


def policy_name(dtype: Any) -> str | None:
    """The dtype policy of a layer's ``dtype`` config: a name or a ``DTypePolicy`` dict."""
    if isinstance(dtype, Mapping):
        inner = dtype.get("config")
        if isinstance(inner, Mapping):
            name = inner.get("name")
            if isinstance(name, str):
                return name
        return str(dtype.get("class_name")) if "class_name" in dtype else None
    return dtype if isinstance(dtype, str) else None


def _shape(value: Any) -> Shape | None:
    if isinstance(value, list) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value
    ):
        return tuple(value)
    return None


def _is_ref(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= 3
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and isinstance(value[2], int)
    )


def inbound_refs(entry: Mapping[str, Any]) -> Iterator[tuple[list[Any], Shape | None]]:
    """Every reference of ``entry``'s inbound nodes to a producing layer, as the
    mutable ``[layer, node_index, tensor_index, ...]`` list in the config (so a
    rename can edit it in place) and the tensor shape recorded with it."""
    nodes = entry.get("inbound_nodes")
    if not isinstance(nodes, list):
        return
    stack: list[Any] = list(nodes)
    while stack:
        item = stack.pop(0)
        if isinstance(item, Mapping):
            if item.get("class_name") == "__keras_tensor__":
                cfg = item.get("config")
                if isinstance(cfg, Mapping) and _is_ref(cfg.get("keras_history")):
                    yield cfg["keras_history"], _shape(cfg.get("shape"))
                continue
            stack.extend(item.values())
        elif _is_ref(item):
            yield item, None
            if len(item) > 3:
                stack.extend(item[3:])  # Keras 2 call kwargs may hold tensors
        elif isinstance(item, list):
            stack.extend(item)


def _name(entry: Mapping[str, Any]) -> str:
    cfg = entry.get("config")
    name = cfg.get("name") if isinstance(cfg, Mapping) else None
    if not isinstance(name, str):
        name = entry.get("name")
    return name if isinstance(name, str) else "?"


def _followed(entry: Mapping[str, Any], shape: Shape | list[Shape] | None) -> Shape | None:
    """The catalogue's output shape of a single-input layer, else None."""
    cls = entry.get("class_name")
    cfg = entry.get("config")
    definition = layers.get(cls) if isinstance(cls, str) else None
    if definition is None or shape is None or not shape or not isinstance(cfg, Mapping):
        return None
    try:
        out = definition.output_shape(cfg, shape)  # type: ignore[arg-type]
    except (ValueError, KeyError, TypeError, IndexError, ZeroDivisionError, OverflowError):
        return None
    return tuple(out) if out is not None else None


def _input_layer_shape(entry: Mapping[str, Any]) -> Shape | None:
    cfg = entry.get("config")
    if not isinstance(cfg, Mapping):
        return None
    return _shape(cfg.get("batch_shape", cfg.get("batch_input_shape")))


def _layer_list(model: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    inner = model.get("config")
    found = inner.get("layers") if isinstance(inner, Mapping) else None
    return [e for e in found if isinstance(e, Mapping)] if isinstance(found, list) else []


def model_nodes(config: Mapping[str, Any]) -> list[Node]:
    """The layers of a model config, depth first (a nested model's layers right
    after it); ``[]`` for a config that is no Sequential/Functional model."""
    if not weight_paths.is_model_config(config):
        return []
    out: list[Node] = []
    _walk(config, None, out, depth=0)
    return out


def _walk(model: Mapping[str, Any], parent: str | None, out: list[Node], depth: int) -> None:
    if depth > 32:  # the reader's JSON depth limit bounds this already
        return
    entries = _layer_list(model)
    sequential = model.get("class_name") == "Sequential"
    recorded: dict[str, dict[int, Shape]] = {}
    inbound: dict[int, list[str]] = {}
    for entry in entries:
        names: list[str] = []
        for ref, shape in inbound_refs(entry):
            if ref[0] not in names:
                names.append(ref[0])
            if shape is not None:
                recorded.setdefault(ref[0], {}).setdefault(ref[2], shape)
        inbound[id(entry)] = names
    inner = model.get("config")
    shape = _shape(inner.get("build_input_shape")) if isinstance(inner, Mapping) else None
    computed: dict[str, Shape] = {}
    previous: str | None = None
    for entry in entries:
        name = _name(entry)
        cls = str(entry.get("class_name"))
        into: Shape | list[Shape] | None
        if sequential:
            names = [previous] if previous is not None else []
            own = _input_shape(entry)
            into = own if own is not None else shape
        else:
            names = inbound[id(entry)]
            sources = [recorded.get(n, {}).get(0) or computed.get(n) for n in names]
            # Merge layers' definitions take the list of input shapes.
            known = [s for s in sources if s is not None]
            into = (known[0] if len(known) == 1 else known) if len(known) == len(sources) else None
        out_shape = _input_layer_shape(entry) if cls == "InputLayer" else _followed(entry, into)
        shapes: tuple[Shape, ...]
        inside: list[Node] = []
        qual = f"{parent}/{name}" if parent else name
        if cls in _MODELS:
            _walk(entry, qual, inside, depth + 1)
            out_shape = _model_output(entry, inside, qual)
        if name in recorded:  # what Keras itself recorded wins over following
            shapes = tuple(recorded[name][i] for i in sorted(recorded[name]))
        else:
            shapes = (out_shape,) if out_shape is not None else ()
        if shapes:
            computed[name] = shapes[0]
        shape = shapes[0] if len(shapes) == 1 else None
        cfg = entry.get("config")
        policy = policy_name(cfg.get("dtype")) if isinstance(cfg, Mapping) else None
        out.append(Node(name, qual, cls, parent, tuple(names), shapes, policy, entry))
        out.extend(inside)
        previous = name


def _model_output(model: Mapping[str, Any], inside: list[Node], qual: str) -> Shape | None:
    """A nested model's single output shape: its output layer's (or last layer's)."""
    own = [n for n in inside if n.parent == qual]
    if not own:
        return None
    inner = model.get("config")
    outputs = inner.get("output_layers") if isinstance(inner, Mapping) else None
    if isinstance(outputs, list) and outputs and isinstance(outputs[0], list):
        outputs = outputs[0] if len(outputs) == 1 else None
    name = outputs[0] if isinstance(outputs, list) and outputs else own[-1].name
    for n in own:
        if n.name == name and len(n.output_shapes) == 1:
            return n.output_shapes[0]
    return None


def _input_shape(entry: Mapping[str, Any]) -> Shape | None:
    """A Sequential layer's own recorded build shape (``build_config``)."""
    build = entry.get("build_config")
    if isinstance(build, Mapping):
        return _shape(build.get("input_shape"))
    return None


def format_shapes(shapes: tuple[Shape, ...]) -> str:
    """``(None, 16)``; several outputs as a list; ``?`` when unknown."""

    def one(s: Shape) -> str:
        inner = ", ".join("None" if d is None else str(d) for d in s)
        return f"({inner},)" if len(s) == 1 else f"({inner})"

    if not shapes:
        return "?"
    if len(shapes) == 1:
        return one(shapes[0])
    return "[" + ", ".join(one(s) for s in shapes) + "]"
