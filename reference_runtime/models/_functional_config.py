"""Functional model configs: writing and replaying nodes (spec §5.3).

Writing follows ``keras/src/models/functional.py`` ``get_config`` /
``serialize_node``; reading follows ``functional_from_config`` /
``deserialize_node``, for both node formats:

* Keras 3: ``{"args": [...], "kwargs": {...}}`` with ``__keras_tensor__``
  leaves whose ``keras_history`` counts only this model's calls;
* Keras 2 / tf-keras: ``[[layer, node, tensor, kwargs], ...]`` (one entry per
  tensor of the first argument; tensors inside ``kwargs`` as
  ``[layer, node, tensor]``; constants as ``["_CONSTANT_VALUE", -1, value]``).

Node indices of nested models in ``input_layers``/``output_layers`` (and in
tf-keras node lists) are one higher than the call index, because Keras
counts the nested model's own built-in node first.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from kformat.errors import InvalidArchiveError
from reference_runtime._backend import flatten, map_structure
from reference_runtime._config_errors import CONFIG, at, current_pointer, guarded, short
from reference_runtime._serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)
from reference_runtime._tensor import KerasTensor, Node
from reference_runtime.layers.input_layer import InputLayer
from reference_runtime.layers.layer import Layer
from reference_runtime.layers.tf_op_lambda import TFOpLambda
from reference_runtime.saving import _compat
from reference_runtime.saving._attributes import model_kind

__all__ = ["functional_from_config", "functional_get_config"]


def _builtin_node_offset(layer: Any, keras2: bool) -> int:
    # The model classes are asked for their kind: they import this module.
    kind = model_kind(layer)
    if kind == "functional":
        return 1
    # tf-keras: Sequential is a Functional; it skips its first node when it
    # starts with an InputLayer (tf_keras/engine/functional.py _should_skip_first_node).
    if (
        keras2
        and kind == "sequential"
        and layer._layers
        and isinstance(layer._layers[0], InputLayer)
    ):
        return 1
    return 0


def functional_get_config(model: Any) -> dict[str, Any]:
    """The Keras 3 config of a Functional model."""
    own = model._node_ids
    reindex: dict[int, int] = {}
    for op in model._operations:
        kept = _builtin_node_offset(op, False)
        for node in op._inbound_nodes:
            if id(node) in own:
                reindex[id(node)] = kept
                kept += 1
    layers = []
    for op in model._operations:
        nodes = [
            _serialize_node(n, own) for n in op._inbound_nodes if id(n) in own and not n.is_input
        ]
        entry = serialize_keras_object(op)
        entry["name"] = op.name
        entry["inbound_nodes"] = nodes
        layers.append(entry)

    def tensor_config(t: KerasTensor) -> list[Any]:
        h = t._keras_history
        assert h is not None
        node = h.operation._inbound_nodes[h.node_index]
        return [h.operation.name, reindex[id(node)], h.tensor_index]

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": map_structure(tensor_config, model._inputs_struct),
        "output_layers": map_structure(tensor_config, model._outputs_struct),
    }


def _serialize_node(node: Node, own: set[int]) -> dict[str, Any]:
    def tensor(x: Any) -> Any:
        if not isinstance(x, KerasTensor):
            return serialize_keras_object(x)
        h = x._keras_history
        assert h is not None
        skipped = sum(1 for n in h.operation._inbound_nodes[: h.node_index] if id(n) not in own)
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(x.shape),
                "dtype": x.dtype,
                "keras_history": [h.operation.name, h.node_index - skipped, h.tensor_index],
            },
        }

    return {
        "args": map_structure(tensor, list(node.call_args)),
        "kwargs": map_structure(tensor, dict(node.call_kwargs)),
    }


class _NotYet(Exception):
    """A node's input does not exist yet; retry it later."""


def _index(value: Any, what: str) -> int:
    # Keras reads these with int(); a value that is no index is KF304, and a
    # negative one must not count from the end as a Python index would.
    try:
        index = int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidArchiveError(
            f"{what} {short(value)} is not an index",
            member=CONFIG,
            path=current_pointer(),
            code="KF304",
        ) from exc
    if index < 0:
        raise InvalidArchiveError(
            f"{what} {index} is negative", member=CONFIG, path=current_pointer(), code="KF304"
        )
    return index


def _lookup(created: Mapping[str, Layer], name: Any, node_index: Any, tensor_index: Any) -> Any:
    layer = created.get(name) if isinstance(name, str) else None
    if layer is None:
        raise InvalidArchiveError(
            f"a node refers to unknown layer {short(name)}",
            member=CONFIG,
            path=current_pointer(),
            code="KF301",
        )
    node = _index(node_index, "node index")
    tensor_at = _index(tensor_index, "tensor index")
    if len(layer._inbound_nodes) <= node:
        raise _NotYet
    outputs = flatten(layer._inbound_nodes[node].outputs)
    if tensor_at >= len(outputs):
        raise InvalidArchiveError(
            f"tensor index {tensor_at} of layer {short(name)} is out of range "
            f"(its call has {len(outputs)} outputs)",
            member=CONFIG,
            path=current_pointer(),
            code="KF304",
        )
    return outputs[tensor_at]


def _revive(value: Any, created: Mapping[str, Layer]) -> Any:
    if isinstance(value, list):
        return [_revive(v, created) for v in value]
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            inner = value.get("config")
            history = inner.get("keras_history") if isinstance(inner, Mapping) else None
            if not isinstance(history, list) or len(history) != 3:
                raise InvalidArchiveError(
                    "a __keras_tensor__ in a node has no [layer, node, tensor] keras_history",
                    member=CONFIG,
                    path=current_pointer(),
                    code="KF210",
                )
            return _lookup(created, history[0], history[1], history[2])
        if "class_name" in value and "config" in value:
            return deserialize_keras_object(value)
        return {k: _revive(v, created) for k, v in value.items()}
    return value


def _legacy_ref(value: Any, created: Mapping[str, Layer]) -> Any:
    # tf-keras Node.serialize: tensors in kwargs become [layer, node, tensor].
    if (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and value[0] in created
        and isinstance(value[1], int)
        and isinstance(value[2], int)
    ):
        layer = created[value[0]]
        return _lookup(created, value[0], value[1] - _builtin_node_offset(layer, True), value[2])
    if isinstance(value, list):
        return [_legacy_ref(v, created) for v in value]
    if isinstance(value, dict):
        return {k: _legacy_ref(v, created) for k, v in value.items()}
    return value


def _is_legacy_leaf(data: Any) -> bool:
    return isinstance(data, list) and len(data) in (3, 4) and isinstance(data[0], str)


def _legacy_node(
    data: Any, layer: Layer, created: Mapping[str, Layer]
) -> tuple[list[Any], dict[str, Any]]:
    # tf_keras/engine/functional.py process_node: the node mirrors the first
    # call argument; its leaves are [layer, node, tensor(, kwargs)].
    kwargs: dict[str, Any] = {}

    def leaf(entry: list[Any]) -> Any:
        nonlocal kwargs
        if len(entry) == 4 and isinstance(entry[3], dict):
            kwargs = _legacy_ref(entry[3], created)
        name, node_index, tensor_index = entry[0], entry[1], entry[2]
        if name == "_CONSTANT_VALUE":
            return tensor_index
        source = created.get(name)
        offset = _builtin_node_offset(source, True) if source is not None else 0
        return _lookup(created, name, _index(node_index, "node index") - offset, tensor_index)

    def walk(value: Any) -> Any:
        if _is_legacy_leaf(value):
            return leaf(value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        raise InvalidArchiveError(
            f"cannot deserialize node entry {short(value)}",
            member=CONFIG,
            path=current_pointer(),
            code="KF210",
        )

    inputs = walk(data)
    if isinstance(inputs, list) and len(inputs) == 1 and not isinstance(layer, TFOpLambda):
        inputs = inputs[0]  # base_layer_utils.unnest_if_single_tensor
    return [inputs], kwargs


def _deserialize_node(
    data: Any, layer: Layer, created: Mapping[str, Layer]
) -> tuple[list[Any], dict[str, Any]]:
    if not data:
        return [], {}
    if isinstance(data, list):  # Keras 2 / tf-keras node
        return _legacy_node(data, layer, created)
    if not isinstance(data, Mapping):
        raise InvalidArchiveError(
            f"cannot deserialize node {short(data)}",
            member=CONFIG,
            path=current_pointer(),
            code="KF210",
        )
    args = _revive(data.get("args", []), created)
    kwargs = _revive(data.get("kwargs", {}), created)
    return list(args), dict(kwargs)


def _uses_keras2_nodes(config: Mapping[str, Any]) -> bool:
    """Whether the config numbers nodes as tf-keras does: its nodes are lists
    (``[[["layer", 0, 0, {}]]]``) where Keras 3 writes ``{"args", "kwargs"}``."""
    entries = config.get("layers")
    for entry in entries if isinstance(entries, list) else []:
        nodes = entry.get("inbound_nodes") if isinstance(entry, Mapping) else None
        if isinstance(nodes, list) and nodes:
            return isinstance(nodes[0], list)
    return False


def functional_from_config(cls: Any, config: dict[str, Any]) -> Any:
    """Instantiate every layer, then replay nodes in ``layers`` order until all ran."""
    keras2 = _uses_keras2_nodes(config)
    created: dict[str, Layer] = {}
    # per layer: (position in layers, [(position in inbound_nodes, node), ...])
    pending: dict[str, tuple[int, list[tuple[int, Any]]]] = {}
    order: list[str] = []
    entries = config.get("layers", [])
    if not isinstance(entries, list):
        raise InvalidArchiveError(
            "layers must be a list", member=CONFIG, path=current_pointer("layers"), code="KF210"
        )
    for i, entry in enumerate(entries):
        with at("layers", i):
            if not isinstance(entry, Mapping):
                raise InvalidArchiveError(
                    "a layers entry must be an object",
                    member=CONFIG,
                    path=current_pointer(),
                    code="KF210",
                )
            inner = entry.get("config")
            name = str(
                entry.get("name") or (inner.get("name") if isinstance(inner, Mapping) else None)
            )
            layer = deserialize_keras_object(_compat.normalize_layer_entry(entry))
            if not isinstance(layer, Layer):
                raise InvalidArchiveError(
                    f"layer entry {short(name)} did not produce a layer",
                    member=CONFIG,
                    path=current_pointer(),
                    code="KF210",
                )
        created[name] = layer
        order.append(name)
        nodes = entry.get("inbound_nodes") or []
        pending[name] = (i, list(enumerate(nodes if isinstance(nodes, list) else [nodes])))
    while any(queue for _, queue in pending.values()):
        progress = False
        for name in order:
            i, queue = pending[name]
            while queue:
                k, data = queue[0]
                with at("layers", i, "inbound_nodes", k):
                    try:
                        args, kwargs = _deserialize_node(data, created[name], created)
                    except _NotYet:
                        break
                    # spec §6.10: a layer that refuses the shapes flowing into it
                    guarded(
                        functools.partial(created[name], *args, **kwargs),
                        f"layer {short(name)} called on its inputs",
                        code="KF309",
                    )
                queue.pop(0)
                progress = True
        if not progress:
            stuck = [n for n in order if pending[n][1]]
            first = pending[stuck[0]][0]
            raise InvalidArchiveError(
                f"Invalid Functional model configuration: the nodes of {short(stuck)} can never "
                "run (their inputs are never produced)",
                member=CONFIG,
                path=current_pointer("layers", first, "inbound_nodes"),
                code="KF303",
            )

    def tensor(ref: Any) -> Any:
        if isinstance(ref, list) and len(ref) == 3 and isinstance(ref[0], str):
            layer = created.get(ref[0])
            offset = _builtin_node_offset(layer, keras2) if layer is not None else 0
            return _lookup(created, ref[0], _index(ref[1], "node index") - offset, ref[2])
        if isinstance(ref, dict):
            return {k: tensor(v) for k, v in ref.items()}
        if isinstance(ref, (list, tuple)):
            return [tensor(v) for v in ref]
        raise InvalidArchiveError(
            f"cannot read input/output reference {short(ref)}",
            member=CONFIG,
            path=current_pointer(),
            code="KF210",
        )

    for key in ("input_layers", "output_layers"):
        if key not in config:
            raise InvalidArchiveError(
                f"a Functional config needs {key}",
                member=CONFIG,
                path=current_pointer(),
                code="KF210",
            )
    try:
        with at("input_layers"):
            inputs = tensor(config["input_layers"])
        with at("output_layers"):
            outputs = tensor(config["output_layers"])
    except _NotYet as exc:
        raise InvalidArchiveError(
            "input_layers/output_layers refer to a call that does not exist",
            member=CONFIG,
            path=current_pointer(),
            code="KF304",
        ) from exc
    # spec §5.7: the inputs must be InputLayer outputs (KF315)
    return guarded(
        lambda: cls(
            inputs=inputs,
            outputs=outputs,
            name=config.get("name"),
            trainable=config.get("trainable", True),
        ),
        "the Functional model's inputs and outputs",
        code="KF315",
    )
