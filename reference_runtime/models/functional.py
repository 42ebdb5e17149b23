"""``Functional``: a model defined by a graph of layer calls (``keras/src/models/functional.py``, ``ops/function.py``).

The graph is mapped exactly as Keras's ``map_graph`` does (depth-first from
the outputs, then nodes grouped by depth and run from the deepest), so layers
run in Keras's order — which matters because some layers (MultiHeadAttention)
clear the masks of their inputs in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from reference_runtime._backend import (
    flatten,
    get_keras_mask,
    map_structure,
    pack_like,
    set_keras_mask,
)
from reference_runtime._serialization import checked_from_config
from reference_runtime._tensor import KerasTensor, Node
from reference_runtime.layers.layer import Layer
from reference_runtime.models._functional_config import (
    functional_from_config,
    functional_get_config,
)
from reference_runtime.models._input_checks import adjust_input, input_specs, is_python_data
from reference_runtime.models.model import Model
from reference_runtime.ops import Operation

__all__ = ["Functional", "map_graph"]

_MISSING = object()  # a graph value not computed (its inputs were not given)


def _build_map(outputs: list[KerasTensor]) -> tuple[list[Node], dict[int, int]]:
    finished: set[int] = set()
    in_progress: set[int] = set()
    ordered: list[Node] = []
    op_index: dict[int, int] = {}

    def helper(tensor: KerasTensor) -> None:
        history = tensor._keras_history
        if history is None:
            raise ValueError(
                f"{tensor} was not produced by a layer: build outputs from keras.Input()"
            )
        op = history.operation
        node = op._inbound_nodes[history.node_index]
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"Tensor {tensor} from operation '{op.name}' is part of a cycle.")
        op_index.setdefault(id(op), len(op_index))
        in_progress.add(id(node))
        if not node.is_input:
            for x in node.arguments:
                helper(x)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered.append(node)

    for out in outputs:
        helper(out)
    return ordered, op_index


def map_graph(
    inputs: list[KerasTensor], outputs: list[KerasTensor]
) -> tuple[dict[int, list[Node]], list[Layer]]:
    """Nodes grouped by depth and operations ordered by depth, as ``ops/function.py`` ``map_graph``."""
    ordered, op_index = _build_map(outputs)
    in_graph = {id(n) for n in ordered}
    node_depth: dict[int, int] = {}
    op_depth: dict[int, int] = {}
    ops: dict[int, Layer] = {}
    nodes: dict[int, Node] = {}
    for node in reversed(ordered):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, op_depth.get(id(node.operation), 0))
        op_depth[id(node.operation)] = depth
        ops[id(node.operation)] = node.operation
        node_depth[id(node)] = depth
        nodes[id(node)] = node
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for x in inputs:
        history = x._keras_history
        if history is not None and id(history.operation) not in op_depth:
            node = history.operation._inbound_nodes[history.node_index]
            if node.is_input:
                op_depth[id(history.operation)] = 0
                ops[id(history.operation)] = history.operation
                op_index[id(history.operation)] = -1
                node_depth[id(node)] = 0
                nodes[id(node)] = node
    by_depth: dict[int, list[Node]] = {}
    for key, depth in node_depth.items():
        by_depth.setdefault(depth, []).append(nodes[key])
    op_by_depth: dict[int, list[Layer]] = {}
    for key, depth in op_depth.items():
        op_by_depth.setdefault(depth, []).append(ops[key])
    operations: list[Layer] = []
    for depth in sorted(op_by_depth, reverse=True):
        operations.extend(sorted(op_by_depth[depth], key=lambda o: op_index[id(o)]))
    names = [o.name for o in operations]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(
            f"The name {sorted(dupes)[0]!r} is used {names.count(sorted(dupes)[0])} times in the model. All operation names should be unique."
        )
    return by_depth, operations


class Functional(Model):
    """A model built from ``keras.Input`` tensors and layer calls.

    Args:
        inputs: a KerasTensor, or a list/dict of them.
        outputs: a KerasTensor, or a list/dict of them.
        name: model name (default ``functional``).
    """

    _model_kind: ClassVar[str] = "functional"

    def __init__(
        self,
        inputs: Any,
        outputs: Any,
        name: str | None = None,
        trainable: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to Functional: {kwargs}")
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = flatten(inputs)
        self.outputs = flatten(outputs)
        for t in self.inputs + self.outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(
                    f"All model inputs and outputs must be symbolic tensors (from keras.Input), got {t!r}"
                )
        self._nodes_by_depth, self._operations = map_graph(self.inputs, self.outputs)
        self._node_ids = {id(n) for nodes in self._nodes_by_depth.values() for n in nodes}
        self.built = True

    @property
    def layers(self) -> list[Layer]:
        """All layers of the graph, InputLayers included, in Keras's order."""
        return [op for op in self._operations if not isinstance(op, Operation)]

    def _sublayers(self) -> list[Layer]:
        return self.layers

    @property
    def input(self) -> Any:
        """The input tensor(s), as given."""
        return self._inputs_struct

    @property
    def output(self) -> Any:
        """The output tensor(s), as given."""
        return self._outputs_struct

    @property
    def input_names(self) -> list[str]:
        """Names of the InputLayers feeding the model."""
        return [t._keras_history.operation.name for t in self.inputs if t._keras_history]

    @property
    def output_names(self) -> list[str]:
        """Output names: dict keys for dict outputs, else producing layer names."""
        if isinstance(self._outputs_struct, dict):
            return sorted(self._outputs_struct)
        return [t._keras_history.operation.name for t in self.outputs if t._keras_history]

    def _flat_by_struct(self, inputs: Any) -> list[Any]:
        # Functional._standardize_inputs: a dict for a list/single structure is
        # matched by input name; a dict structure by its keys.
        struct = self._inputs_struct
        if isinstance(inputs, dict) and isinstance(struct, dict):
            missing = [k for k in struct if k not in inputs]
            if missing:
                raise ValueError(
                    f"Missing data for input(s) {missing}. Expected the keys {list(struct)}"
                )
            return flatten({k: inputs[k] for k in struct})
        if isinstance(inputs, dict):
            names = [t.name for t in self.inputs]
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"Missing data for input(s) {missing}. Expected the keys {names}")
            return [inputs[n] for n in names]
        if isinstance(inputs, (list, tuple)) and isinstance(struct, KerasTensor):
            # One input: nested Python numbers are its data; a list of arrays
            # is one array per input, so its length is checked by the caller.
            return [inputs] if is_python_data(inputs) else flatten(list(inputs))
        if isinstance(inputs, (list, tuple)):
            return flatten(list(inputs))
        return [inputs]

    def _standardize_inputs(self, inputs: Any) -> list[Any]:
        flat = self._flat_by_struct(inputs)
        specs = input_specs(self)
        if len(flat) != len(specs):
            hint = (
                " (a nested Python list is read as one input per element: pass a NumPy array)"
                if isinstance(inputs, (list, tuple)) and len(specs) == 1
                else ""
            )
            raise ValueError(
                f"Model {self.name!r} expects {len(specs)} input(s) "
                f"{[s.name for s in specs]}, but it received {len(flat)} input tensors{hint}"
            )
        out = []
        for x, spec in zip(flat, specs, strict=True):
            mask = get_keras_mask(x)
            arr = adjust_input(x, spec, self.name)
            out.append(set_keras_mask(arr, mask) if mask is not None and arr is not x else arr)
        return out

    def _execution_plan(self) -> list[tuple[Any, tuple[int, ...], int | None, tuple[int, ...]]]:
        """Nodes in execution order: ``(node, argument ids, single-argument id or
        None, output ids)``, computed on the first call."""
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = []
            for depth in sorted(self._nodes_by_depth, reverse=True):
                for node in self._nodes_by_depth[depth]:
                    if node.is_input:
                        continue
                    arg_ids = tuple(id(a) for a in node.arguments)
                    args = node.call_args
                    single = (
                        id(args[0])
                        if len(args) == 1
                        and isinstance(args[0], KerasTensor)
                        and not node.call_kwargs
                        else None
                    )
                    plan.append(
                        (node, arg_ids, single, tuple(id(t) for t in flatten(node.outputs)))
                    )
            self.__dict__["_plan"] = plan
        return plan

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        specs = input_specs(self)
        if type(inputs) is np.ndarray and len(specs) == 1:
            # One plain array for one input: what _standardize_inputs does for it.
            flat = [adjust_input(inputs, specs[0], self.name)]
        else:
            flat = self._standardize_inputs(inputs)
        if mask is not None:
            # A fresh view carries the mask: the caller's array keeps none, so a
            # later call without ``mask=`` cannot pick this one up.
            for i, m in enumerate(self._flat_by_struct(mask)[: len(flat)]):
                if m is not None:
                    flat[i] = set_keras_mask(np.asarray(flat[i]), m)
        values: dict[int, Any] = {id(t): x for t, x in zip(self.inputs, flat, strict=True)}

        def fill(v: Any) -> Any:
            return values[id(v)] if isinstance(v, KerasTensor) else v

        # The plan (nodes in execution order, with their argument ids) is built
        # once per model; calls no longer walk or sort the graph.
        for node, arg_ids, single, out_ids in self._execution_plan():
            if single is not None:  # one tensor argument, no kwargs: the common case
                x = values.get(single, _MISSING)
                if x is _MISSING:
                    continue
                op = node.operation
                outs = op(x) if training is None else op(x, training=training)
            else:
                if any(a not in values for a in arg_ids):
                    continue
                args = map_structure(fill, list(node.call_args))
                kwargs = map_structure(fill, dict(node.call_kwargs))
                if training is not None and "training" not in kwargs:
                    kwargs["training"] = training
                outs = node.operation(*args, **kwargs)
            if len(out_ids) == 1:
                values[out_ids[0]] = (
                    outs if not isinstance(outs, (list, tuple, dict)) else flatten(outs)[0]
                )
            else:
                for t, v in zip(out_ids, flatten(outs), strict=True):
                    values[t] = v
        struct = self._outputs_struct
        if isinstance(struct, KerasTensor) or (
            isinstance(struct, list) and len(struct) == 1 and isinstance(struct[0], KerasTensor)
        ):
            return values[id(struct if isinstance(struct, KerasTensor) else struct[0])]
        results = [values[id(t)] for t in self.outputs]
        packed = pack_like(self._outputs_struct, results)
        if isinstance(packed, list) and len(packed) == 1:
            return packed[0]
        return packed

    def get_build_config(self) -> dict[str, Any]:
        """Keras writes ``{"input_shape": None}`` for Functional models."""
        return {"input_shape": None}

    def get_config(self) -> dict[str, Any]:
        """Keras 3 Functional config: ``name``, ``trainable``, ``layers``, ``input_layers``, ``output_layers``."""
        return functional_get_config(self)

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
    ) -> Any:
        """Rebuild the graph by replaying the saved nodes."""
        return checked_from_config(
            "Functional", config, lambda: functional_from_config(cls, dict(config))
        )


# ``Model(inputs, outputs)`` and ``Model.from_config`` build this class; model.py
# cannot import it (it subclasses Model), so it is named there from here.
Model._functional_class = Functional
