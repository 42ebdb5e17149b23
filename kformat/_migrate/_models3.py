"""Keras 2 models rewritten as Keras 3 Sequential / Functional configs (spec §5.2-§5.7).

For each model, depth first: the Keras 3 class names; layer entries through
``_layers3``; Keras 2 list nodes turned into ``{"args", "kwargs"}`` nodes with
``__keras_tensor__`` references (spec §5.3, §5.4); node indices moved from the
Keras 2 convention, where a nested model built on an InputLayer counts its
built-in node everywhere, to the Keras 3 one (spec §5.6); ``TFOpLambda``
layers replaced by ``keras.ops`` operations (``_ops3``); and Keras 2's
``hard_sigmoid`` (``clip(0.2x + 0.5, 0, 1)``, not Keras 3's ``relu6(x + 3) / 6``)
spelled as an equivalent Keras 3 form (``_hard_sigmoid``).

A Keras 3 tensor reference records the tensor's shape. Shapes are followed
from the InputLayers through layers whose output shape kformat knows, and
taken from a consumer's ``build_config`` otherwise; a node whose input shapes
stay unknown keeps the Keras 2 list form, which Keras 3 also reads
(``functional.py`` ``deserialize_node``, legacy branch).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat import layers as catalogue
from kformat._migrate import _hard_sigmoid
from kformat._migrate._graph3 import (
    Graph,
    call_kwargs,
    input_shapes,
    io_refs,
    is_entry,
    keras2_offset,
    operation,
)
from kformat._migrate._layers3 import custom_module, dtype_policy, rewrite_layer
from kformat._migrate._report import Notes, refuse

__all__ = ["Rewrite", "keras2_offset", "rewrite_model"]

Parts = tuple[str | int, ...]
_MODELS = frozenset({"Functional", "Model", "Sequential"})
_OP_LAYERS = frozenset({"TFOpLambda", "SlicingOpLambda"})


class Rewrite:
    """State of one migration: notes, and the layer entries whose weights the
    weight stage must scale (``_hard_sigmoid``), by ``id()`` of the new entry."""

    def __init__(self, notes: Notes) -> None:
        self.notes = notes
        self.scale: dict[int, float] = {}


def rewrite_model(model: dict[str, Any], parts: Parts, rw: Rewrite) -> list[Any] | None:
    """Rewrite ``model`` (a serialized model, changed in place) for Keras 3.

    Returns:
        The shapes of its outputs where known (for a parent that calls it).
    """
    cls = model.get("class_name")
    if custom_module(model.get("module")):
        raise refuse(
            parts,
            str(model.get("name") or (model.get("config") or {}).get("name")),
            f"the model class {cls} is a custom (subclassed) model whose code is not in the file",
            "rebuild it as a Functional or Sequential model, or port the class to Keras 3",
            code="KF306",
        )
    inner = model.get("config")
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        raise refuse(parts, str(cls), "the model config has no layers", "re-save the model")
    if cls == "Sequential":
        model.update(module="keras", class_name="Sequential", registered_name=None)
        return _sequential(inner, (*parts, "config"), rw)
    model.update(
        module="keras.src.models.functional", class_name="Functional", registered_name="Functional"
    )
    rw.notes.change("model classes -> keras.Sequential / keras.src.models.functional.Functional")
    return _functional(inner, (*parts, "config"), rw)


def _sequential(inner: dict[str, Any], parts: Parts, rw: Rewrite) -> list[Any] | None:
    layers: list[Any] = inner["layers"]
    if "dtype" in inner:
        inner["dtype"] = dtype_policy(inner["dtype"])
    first = layers[0] if layers else None
    if isinstance(first, dict) and first.get("class_name") != "InputLayer":
        batch_shape = (first.get("config") or {}).get("batch_input_shape")
        if batch_shape is not None:
            dtype = (first.get("config") or {}).get("dtype")
            policy = dtype_policy(dtype)
            name = f"{(first.get('config') or {}).get('name', 'layer')}_input"
            layers.insert(0, _input_entry(name, batch_shape, policy, functional=False))
            rw.notes.change("Sequential batch_input_shape -> a leading InputLayer")
    out: list[Any] = []
    shape: list[Any] | None = None
    for i, entry in enumerate(list(layers)):
        if not isinstance(entry, dict):
            raise refuse((*parts, "layers", i), "?", "a layer entry is not an object", "re-save")
        where = (*parts, "layers", layers.index(entry))
        if entry.get("class_name") in _MODELS:
            shape = rewrite_model(entry, where, rw)
            out.append(entry)
            continue
        if entry.get("class_name") in _OP_LAYERS:
            raise refuse(
                where,
                str((entry.get("config") or {}).get("name")),
                "a TensorFlow op inside a Sequential model cannot become a Keras 3 operation",
                "use a Functional model in Keras 2 and save again",
            )
        rewrite_layer(entry, where, rw.notes)
        if entry["class_name"] == "InputLayer":
            shape = entry["config"].get("batch_shape")
            out.append(entry)
            continue
        extra = _hard_sigmoid.rewrite(entry, where, rw.scale, rw.notes)
        out.extend(extra)  # the Rescaling that precedes a hard_sigmoid Activation
        out.append(entry)
        shape = _output_shape(entry, shape)
    layers[:] = out
    return [shape] if shape is not None else None


def _input_entry(name: str, shape: Any, policy: Any, *, functional: bool) -> dict[str, Any]:
    dtype = policy["config"]["name"] if isinstance(policy, Mapping) else "float32"
    entry: dict[str, Any] = {
        "module": "keras.layers",
        "class_name": "InputLayer",
        "config": {"batch_shape": shape, "dtype": dtype, "sparse": False, "name": name},
        "registered_name": None,
    }
    if functional:
        entry.update(name=name, inbound_nodes=[])
    return entry


def _output_shape(entry: Mapping[str, Any], shape: list[Any] | None) -> list[Any] | None:
    definition = catalogue.get(str(entry.get("class_name")))
    if definition is None or shape is None:
        return None
    if definition.class_name == "MultiHeadAttention" and shape:
        # The query's shape with the last axis replaced by output_shape
        # (keras/src/layers/attention/multi_head_attention.py compute_output_shape).
        out = (entry.get("config") or {}).get("output_shape")
        if out is None:
            return list(shape)
        return [*shape[:-1], *(out if isinstance(out, list) else [out])]
    try:
        out = definition.output_shape(entry.get("config") or {}, tuple(shape))
    except (ValueError, KeyError, TypeError, IndexError, ZeroDivisionError, OverflowError):
        return None
    return list(out) if out is not None else None


def _functional(inner: dict[str, Any], parts: Parts, rw: Rewrite) -> list[Any] | None:
    layers: list[Any] = inner["layers"]
    graph = Graph(layers)
    out: list[Any] = []
    for entry in list(layers):
        where = (*parts, "layers", layers.index(entry))
        if not isinstance(entry, dict):
            raise refuse(where, "?", "a layer entry is not an object", "re-save")
        name = str(entry.get("name"))
        cls = entry.get("class_name")
        nested_shapes = None
        if cls in _MODELS:
            nested_shapes = rewrite_model(entry, where, rw)
        elif cls in _OP_LAYERS:
            operation(entry, where, graph, rw.notes)
            out.append(entry)
            continue
        else:
            rewrite_layer(entry, where, rw.notes)
        if entry["class_name"] == "InputLayer":
            cfg = entry["config"]
            graph.shapes[(name, 0, 0)] = list(cfg.get("batch_shape") or [])
            graph.dtypes[name] = str(cfg.get("dtype") or "float32")
            out.append(entry)
            continue
        extra = _hard_sigmoid.rewrite(entry, where, rw.scale, rw.notes)
        _nodes(entry, where, graph, rw, nested_shapes)
        for pre in extra:  # the Rescaling takes the Activation's inputs
            pre["inbound_nodes"] = entry["inbound_nodes"]
            entry["inbound_nodes"] = [
                {"args": [graph.tensor((pre["name"], i, 0), node_shape(n) or [])], "kwargs": {}}
                if isinstance(n, Mapping)
                else [[pre["name"], i, 0, {}]]
                for i, n in enumerate(pre["inbound_nodes"])
            ]
            out.append(pre)
        out.append(entry)
    layers[:] = out
    for key in ("input_layers", "output_layers"):
        inner[key] = io_refs(inner.get(key), (*parts, key), graph)
    outs = inner["output_layers"]
    leaves = outs if isinstance(outs, list) and outs and isinstance(outs[0], list) else [outs]
    shapes = []
    for leaf in leaves:
        if not (isinstance(leaf, list) and len(leaf) == 3 and isinstance(leaf[0], str)):
            return None
        node = leaf[1] - (1 if leaf[0] in graph.functional else 0)
        shape = graph.shapes.get((leaf[0], node, leaf[2]))
        if shape is None:
            return None
        shapes.append(shape)
    return shapes


def node_shape(node: Mapping[str, Any]) -> list[Any] | None:
    args = node.get("args")
    first = args[0] if isinstance(args, list) and args else None
    if isinstance(first, Mapping) and first.get("class_name") == "__keras_tensor__":
        shape = first["config"].get("shape")
        return list(shape) if isinstance(shape, list) else None
    return None


def _nodes(
    entry: dict[str, Any], parts: Parts, graph: Graph, rw: Rewrite, nested: list[Any] | None
) -> None:
    name = str(entry.get("name"))
    nodes = entry.get("inbound_nodes")
    if not isinstance(nodes, list):
        raise refuse(parts, name, "inbound_nodes is not a list", "re-save")
    converted: list[Any] = []
    kept = False
    for i, node in enumerate(nodes):
        where = (*parts, "inbound_nodes", i)
        if isinstance(node, Mapping):  # already a Keras 3 node
            converted.append(node)
            continue
        entries = node if isinstance(node, list) and not is_entry(node) else [node]
        if not all(is_entry(e) for e in entries):
            raise refuse(where, name, "a nested call structure kformat cannot convert", "re-save")
        refs = [graph.ref(e[0], e[1], e[2], where) for e in entries]
        kwargs = dict(entries[-1][3]) if len(entries[-1]) == 4 else {}
        if kwargs.get("training") is not None:
            # Keras 2 obeys a flag given in the call (Monte-Carlo dropout); Keras 3
            # replaces it with the model's own at every call (functional.py operation_fn).
            raise refuse(
                (*where, 0, 3, "training"),
                name,
                f"the call passes training={kwargs['training']!r}, which Keras 2 obeys and "
                "Keras 3 replaces with the model's training flag",
                "remove the training argument in Keras 2 (or subclass the layer to force it) "
                "and save again",
            )
        single, several, named = input_shapes(entry, len(refs))
        shapes = [graph.shapes.get(r) for r in refs]
        if len(refs) == 1 and shapes[0] is None:
            shapes[0] = single if single is not None else named.get("query_shape")
        shapes = [s if s is not None else several[j] for j, s in enumerate(shapes)]
        kw_out, kw_ok = call_kwargs(kwargs, graph, named, where)
        if any(s is None for s in shapes) or not kw_ok:
            # Unknown shapes: keep the list form with Keras 3 node numbers.
            converted.append([[r[0], r[1], r[2], kwargs] for r in refs])
            kept = True
            out_shape = None
        else:
            tensors = [graph.tensor(r, s or []) for r, s in zip(refs, shapes, strict=True)]
            first: Any = tensors[0] if len(tensors) == 1 else tensors
            converted.append({"args": [first], "kwargs": kw_out})
            out_shape = _output_shape(entry, shapes[0]) if len(shapes) == 1 else None
        if nested is not None and len(nested) >= 1:
            for t, s in enumerate(nested):
                graph.shapes[(name, i, t)] = s
        elif out_shape is not None:
            graph.shapes[(name, i, 0)] = out_shape
    entry["inbound_nodes"] = converted
    rw.notes.change("Keras 2 list nodes -> Keras 3 args/kwargs nodes")
    if kept:
        rw.notes.change(
            "nodes whose input shapes are unknown kept in the Keras 2 list form (Keras 3 reads it)"
        )
