"""The recurrent cells: ``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``
(``keras/src/layers/rnn/simple_rnn.py``, ``lstm.py``, ``gru.py``) and
``StackedRNNCells`` (``keras/src/layers/rnn/stacked_rnn_cells.py``).

A cell owns the variables of a recurrent layer: ``kernel (d, G)``,
``recurrent_kernel (units, G)``, ``bias`` (``G = units`` x 1, 4 or 3; GRU with
``reset_after``: ``bias (2, 3 * units)``, input and recurrent biases). The
layer that runs it (``SimpleRNN``, ``LSTM``, ``GRU``, ``RNN``, ``Bidirectional``)
saves it as its sub-layer ``cell`` (spec §6.7). Legacy full-model H5 files
name the same variables ``<layer>/<cell name>/kernel:0`` (``lstm/lstm_cell/kernel:0``,
``recurrent_kernel:0``, ``bias:0``).

``StackedRNNCells`` owns no variables; its cells are saved in the container
``cells``, each at ``to_snake_case(class)`` with a per-container counter
(``cells/lstm_cell``, ``cells/lstm_cell_1``). Cell ``k`` is built on the
output size of cell ``k-1``.

``call(layer, inputs, states)`` is one step, as Keras' cell ``call``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers import _lookup
from kformat.layers._common import weight_fields
from kformat.layers._def import (
    Field,
    InputShape,
    LayerDef,
    Shape,
    SublayerSpec,
    UnknownLayerClass,
    VariableSpec,
    dim,
    f,
    single,
)
from kformat.layers._rnn_math import cell_math, cell_states, step_states
from kformat.layers._rnn_tf import tf_cell_step

__all__ = [
    "CELL_CLASSES",
    "DEFINITIONS",
    "cell_fields",
    "cell_output_size",
    "cell_state_count",
]

#: Gates per class: G = GATES * units.
_GATES = {"SimpleRNNCell": 1, "LSTMCell": 4, "GRUCell": 3}
CELL_CLASSES = frozenset(_GATES)


def _dropout(v: Any) -> Any:
    # keras/src/layers/rnn/lstm.py: ``min(1.0, max(0.0, dropout))``.
    return min(1.0, max(0.0, v))


def cell_fields(class_name: str, *, layer: bool) -> dict[str, Field]:
    """The config keys of a cell (``layer=False``) or of the layer built on it, minus
    the ``RNN`` keys, in Keras 3.15's ``get_config`` order."""
    out: dict[str, Field] = {
        "units": f(c.POS_INT, required=True, note="e.g. `expected a positive integer, got 0`"),
        "activation": f(c.ACTIVATION, "tanh", kind="activation"),
    }
    if class_name != "SimpleRNNCell":
        out["recurrent_activation"] = f(c.ACTIVATION, "sigmoid", kind="activation")
    out["use_bias"] = f(c.BOOL, True)
    weights = weight_fields(
        "kernel",
        "recurrent",
        "bias",
        initializers={"kernel": "glorot_uniform", "recurrent": "orthogonal", "bias": "zeros"},
    )
    inits = {k: v for k, v in weights.items() if k.endswith("_initializer")}
    rest = {k: v for k, v in weights.items() if not k.endswith("_initializer")}
    if class_name == "LSTMCell" and not layer:
        out["unit_forget_bias"] = f(c.BOOL, True)
    out.update(inits)
    if class_name == "LSTMCell" and layer:
        out["unit_forget_bias"] = f(c.BOOL, True)
    out.update(rest)
    out["dropout"] = f(
        c.num(), 0.0, convert=_dropout, note="clipped to [0, 1]; no effect at inference"
    )
    out["recurrent_dropout"] = f(
        c.num(), 0.0, convert=_dropout, note="clipped to [0, 1]; no effect at inference"
    )
    if class_name == "GRUCell":
        out["reset_after"] = f(c.BOOL, True)
    if not (layer and class_name == "SimpleRNNCell"):  # SimpleRNN writes no seed
        out["seed"] = f(c.opt(c.INT))
    if class_name != "SimpleRNNCell":
        out["implementation"] = f(c.INT, 2, tf_keras=True, note="tf.keras 2.x")
    return out


def cell_state_count(entry: Any) -> int | None:
    """How many state tensors a serialized cell (``{"class_name", "config"}``) carries,
    flattened over stacked cells; ``None`` when unknown."""
    if not isinstance(entry, Mapping):
        return None
    cls, inner = entry.get("class_name"), entry.get("config")
    if cls in _GATES:
        return 2 if cls == "LSTMCell" else 1
    if cls == "StackedRNNCells" and isinstance(inner, Mapping):
        cells = inner.get("cells")
        if not isinstance(cells, list) or not cells:
            return None
        counts = [cell_state_count(x) for x in cells]
        return None if any(n is None for n in counts) else sum(n for n in counts if n)
    return None


def cell_output_size(entry: Any) -> int | None:
    """The output size of a serialized cell, else ``None``."""
    if not isinstance(entry, Mapping):
        return None
    cls, inner = entry.get("class_name"), entry.get("config")
    if not isinstance(inner, Mapping):
        return None
    if cls in _GATES:
        units = inner.get("units")
        return units if c.positive(units) else None
    if cls == "StackedRNNCells":
        cells = inner.get("cells")
        return cell_output_size(cells[-1]) if isinstance(cells, list) and cells else None
    return None


def _cell_variables(class_name: str) -> Any:
    def variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
        shape = single(input_shape)
        units = config["units"]
        if not c.positive(units):
            raise ValueError(f"units must be a positive integer, got {units!r}")
        g = _GATES[class_name] * units
        out = [
            VariableSpec("kernel", (dim(shape, -1), g)),
            VariableSpec("recurrent_kernel", (units, g), keys="recurrent"),
        ]
        if config.get("use_bias", True):
            two = class_name == "GRUCell" and config.get("reset_after", True)
            out.append(VariableSpec("bias", (2, g) if two else (g,)))
        return tuple(out)

    return variables


def _cell_output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    units = config.get("units")
    return (shape[0], units) if c.positive(units) else None


def cell_call(layer: Any, inputs: Any, states: Any, training: Any = None) -> Any:
    """One step: ``(output, new_states)`` as the Keras cell returns them."""
    math = cell_math(layer)
    x = np.asarray(inputs)
    flat = cell_states(states, math)
    new = step_states(math, x, flat)
    return new[0], new


def tf_cell_call(ctx: Any, layer: Any, inputs: Any, states: Any, training: Any = None) -> Any:
    """TensorFlow twin of :func:`cell_call`."""
    flat = list(states) if isinstance(states, (list, tuple)) else [states]
    new = tf_cell_step(ctx, layer, inputs, flat)
    return new[0], new


def _cell(class_name: str, summary: str, doc: str) -> LayerDef:
    return LayerDef(
        class_name=class_name,
        source=f"keras/src/layers/rnn/{_SOURCE[class_name]}",
        fields=cell_fields(class_name, layer=False),
        call=cell_call,
        tf_call=tf_cell_call,
        variables=_cell_variables(class_name),
        output_shape=_cell_output_shape,
        summary=summary,
        variables_doc=doc,
    )


_SOURCE = {"SimpleRNNCell": "simple_rnn.py", "LSTMCell": "lstm.py", "GRUCell": "gru.py"}


# -- StackedRNNCells -----------------------------------------------------------


def _cells_check(name: str, value: Any) -> str | None:
    if isinstance(value, list) and value:
        for item in value:
            if hasattr(item, "get_config") and not isinstance(item, dict):
                continue
            if not (
                isinstance(item, Mapping)
                and isinstance(item.get("class_name"), str)
                and isinstance(item.get("config"), Mapping)
            ):
                return f"{name} must be a non-empty list of serialized cells, got {value!r}"
        return None
    return f"{name} must be a non-empty list of serialized cells, got {value!r}"


CELLS = c.Check(_cells_check, "non-empty array of serialized cells")


def snake(class_name: str) -> str:
    """The container name Keras gives a cell of ``class_name`` (``saving_lib``)."""
    from kformat.weight_paths import to_snake_case  # the registry loads before weight_paths

    return to_snake_case(class_name)


def stacked_sublayers(
    config: Mapping[str, Any], input_shape: InputShape
) -> tuple[SublayerSpec, ...]:
    """``cells/<snake_case(class)>[_k]``, each built on the previous cell's output size."""
    cells = config.get("cells")
    if not isinstance(cells, list):
        return ()
    try:
        shape: Shape | None = single(input_shape) if input_shape is not None else None
    except ValueError:
        shape = None
    used: dict[str, int] = {}
    out: list[SublayerSpec] = []
    for entry in cells:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("class_name"), str):
            return tuple(out)
        cls = entry["class_name"]
        inner = entry.get("config")
        inner = inner if isinstance(inner, Mapping) else {}
        base = snake(cls)
        if base in used:
            used[base] += 1
            attr = f"cells/{base}_{used[base]}"
        else:
            used[base] = 0
            attr = f"cells/{base}"
        name = inner.get("name")
        out.append(
            SublayerSpec(attr, None, cls, name if isinstance(name, str) else base, inner, shape)
        )
        size = cell_output_size(entry)
        shape = (shape[0], size) if shape is not None and size is not None else None
    return tuple(out)


def _stacked_variables(
    config: Mapping[str, Any], input_shape: InputShape
) -> tuple[VariableSpec, ...]:
    cells = config.get("cells")
    if isinstance(cells, list):
        for entry in cells:
            cls = entry.get("class_name") if isinstance(entry, Mapping) else None
            if isinstance(cls, str) and _lookup.definition(cls) is None:
                raise UnknownLayerClass(cls)
    return ()


def _stacked_output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    size = cell_output_size({"class_name": "StackedRNNCells", "config": config})
    return (shape[0], size) if size is not None else None


def stacked_call(layer: Any, inputs: Any, states: Any, training: Any = None) -> Any:
    """One step through every cell (``StackedRNNCells.call``)."""
    x = np.asarray(inputs)
    new_states = []
    for cell, s in zip(layer.cells, states, strict=True):
        x, ns = cell_call(cell, x, s)
        new_states.append(ns)
    return x, new_states


def tf_stacked_call(ctx: Any, layer: Any, inputs: Any, states: Any, training: Any = None) -> Any:
    """TensorFlow twin of :func:`stacked_call`."""
    x = inputs
    new_states = []
    for cell, s in zip(layer.cells, states, strict=True):
        x, ns = tf_cell_call(ctx, cell, x, s)
        new_states.append(ns)
    return x, new_states


STACKED_RNN_CELLS = LayerDef(
    class_name="StackedRNNCells",
    source="keras/src/layers/rnn/stacked_rnn_cells.py",
    fields={"cells": f(CELLS, required=True, note="serialized cells, run in order each step")},
    call=stacked_call,
    tf_call=tf_stacked_call,
    variables=_stacked_variables,
    sublayers=stacked_sublayers,
    output_shape=_stacked_output_shape,
    summary="cells run one after the other at each step (the cell of an `RNN`)",
    variables_doc="none; each cell in `cells/<snake_case(class)>[_k]`",
)

DEFINITIONS = (
    _cell(
        "SimpleRNNCell",
        "one step of a fully connected RNN",
        "`kernel (d, units)`, `recurrent_kernel (units, units)`, `bias (units,)` if `use_bias`",
    ),
    _cell(
        "LSTMCell",
        "one LSTM step (gates i, f, c, o)",
        "`kernel (d, 4*units)`, `recurrent_kernel (units, 4*units)`, `bias (4*units,)` if "
        "`use_bias`",
    ),
    _cell(
        "GRUCell",
        "one GRU step (gates z, r, h)",
        "`kernel (d, 3*units)`, `recurrent_kernel (units, 3*units)`, `bias (2, 3*units)` "
        "(`reset_after`) or `(3*units,)` if `use_bias`",
    ),
    STACKED_RNN_CELLS,
)
