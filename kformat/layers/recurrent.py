"""The recurrent layers ``SimpleRNN``, ``LSTM``, ``GRU`` and ``RNN``
(``keras/src/layers/rnn/rnn.py`` and ``simple_rnn.py``, ``lstm.py``, ``gru.py``).

Each runs a cell (``rnn_cells.py``) over the time axis of ``(B, T, d)`` inputs
(``_rnn_math.py``). ``SimpleRNN``/``LSTM``/``GRU`` make their cell from their
own config (``simple_rnn_cell``/``lstm_cell``/``gru_cell``); ``RNN`` takes it
serialized under ``cell`` (one cell or ``StackedRNNCells``). The layer owns no
variables: they are its cell's, saved in the sub-layer group ``cell`` (spec §6.7;
``layers/lstm/cell/vars/0..2``).

Outputs: the last output ``(B, units)``, or with ``return_sequences`` every
step's ``(B, T, units)`` in processing order (reversed with ``go_backwards``);
with ``return_state`` the final states follow (``h``; LSTM ``h, c``; stacked
cells: one list per cell). The output mask is the input mask with
``return_sequences``, else none; states carry none. ``initial_state`` is a call
argument (a Functional node's keyword). ``stateful=True`` carries the state
from one call (and one predict batch) to the next, which a file does not
save: the runtime refuses it rather than compute something else.
``unroll`` changes nothing in the values; the dropouts act only in training.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers import _lookup
from kformat.layers._def import (
    Field,
    InputShape,
    LayerDef,
    Shape,
    SublayerSpec,
    UnknownLayerClass,
    VariableSpec,
    f,
    single,
)
from kformat.layers._rnn_math import cell_math, run
from kformat.layers._rnn_tf import tf_run
from kformat.layers.rnn_cells import (
    CELL_CLASSES,
    cell_fields,
    cell_output_size,
    cell_state_count,
)
from kformat.layers.spectral_normalization import LAYER

__all__ = [
    "DEFINITIONS",
    "RNN_HEAD",
    "cells_of",
    "rnn_call",
    "rnn_compute_mask",
    "rnn_outputs",
    "tf_rnn_call",
]

#: Keys ``RNN.get_config`` writes first, for every recurrent layer.
RNN_HEAD: dict[str, Field] = {
    "return_sequences": f(c.BOOL, False),
    "return_state": f(c.BOOL, False),
    "go_backwards": f(c.BOOL, False),
    "stateful": f(c.BOOL, False, note="the runtime refuses `true` (state across calls)"),
    "unroll": f(c.BOOL, False, note="no effect on the values"),
    "zero_output_for_mask": f(c.BOOL, False),
}
_TIME_MAJOR = {"time_major": f(c.BOOL, False, tf_keras=True, note="tf.keras 2.x")}

#: layer class -> (cell class, the cell's Keras name)
_CELL_OF = {
    "SimpleRNN": ("SimpleRNNCell", "simple_rnn_cell"),
    "LSTM": ("LSTMCell", "lstm_cell"),
    "GRU": ("GRUCell", "gru_cell"),
}


def cell_entry(class_name: str, config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The serialized cell a recurrent layer of ``class_name`` runs, or ``None``."""
    if class_name == "RNN":
        entry = config.get("cell")
        return dict(entry) if isinstance(entry, Mapping) else None
    cell_cls, name = _CELL_OF[class_name]
    keys = cell_fields(cell_cls, layer=False)
    inner = {k: config[k] for k in keys if k in config}
    for k in ("dtype", "trainable"):
        if k in config:
            inner[k] = config[k]
    inner["name"] = name
    return {"class_name": cell_cls, "config": inner}


def _step_shape(input_shape: InputShape) -> Shape | None:
    if input_shape is None:
        return None
    shape = single(input_shape)
    if len(shape) < 3:
        raise ValueError(f"a recurrent layer needs inputs of rank 3, got shape {list(shape)}")
    return (shape[0], *shape[2:])


def _sublayers_of(class_name: str) -> Any:
    def sublayers(config: Mapping[str, Any], input_shape: InputShape) -> tuple[SublayerSpec, ...]:
        entry = cell_entry(class_name, config)
        if entry is None or not isinstance(entry.get("class_name"), str):
            return ()
        inner = entry.get("config")
        inner = inner if isinstance(inner, Mapping) else {}
        try:
            step = _step_shape(input_shape)
        except ValueError:
            step = None
        name = inner.get("name")
        return (
            SublayerSpec(
                "cell",
                None,
                entry["class_name"],
                name if isinstance(name, str) else "cell",
                inner,
                step,
            ),
        )

    return sublayers


def _variables_of(class_name: str) -> Any:
    def variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
        entry = cell_entry(class_name, config)
        cls = entry.get("class_name") if entry is not None else None
        if isinstance(cls, str) and _lookup.definition(cls) is None:
            raise UnknownLayerClass(cls)
        _step_shape(input_shape)  # rank check
        return ()

    return variables


def _output_shape_of(class_name: str) -> Any:
    def output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
        if config.get("return_state") is True or len(shape) != 3:
            return None  # several outputs: not followed
        size = cell_output_size(cell_entry(class_name, config))
        if size is None:
            return None
        return (*shape[:2], size) if config.get("return_sequences") is True else (shape[0], size)

    return output_shape


def rnn_outputs(class_name: str, config: Mapping[str, Any]) -> int | None:
    """How many tensors a recurrent layer returns (``return_state`` adds the states)."""
    if config.get("return_state") is not True:
        return 1
    n = cell_state_count(cell_entry(class_name, config))
    return None if n is None else 1 + n


# -- forward pass ---------------------------------------------------------------------


def cells_of(cell: Any) -> list[Any]:
    """The runtime cells a layer's ``cell`` runs, in order (stacked cells unpacked)."""
    if type(cell).__name__ == "StackedRNNCells":
        return [x for sub in cell.cells for x in cells_of(sub)]
    return [cell]


def _grouped(initial_state: Any, counts: list[int]) -> list[list[Any]] | None:
    """``initial_state`` as one list per cell (flat or per-cell nested forms)."""
    if initial_state is None:
        return None
    items = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
    if len(items) == len(counts) and all(
        isinstance(s, (list, tuple)) or n == 1 for s, n in zip(items, counts, strict=True)
    ):
        return [list(s) if isinstance(s, (list, tuple)) else [s] for s in items]
    flat = [s for item in items for s in (item if isinstance(item, (list, tuple)) else [item])]
    if len(flat) != sum(counts):
        raise ValueError(
            f"An initial_state was passed that is not compatible with the cell: expected "
            f"{sum(counts)} state tensors, got {len(flat)}"
        )
    out, i = [], 0
    for n in counts:
        out.append(flat[i : i + n])
        i += n
    return out


def _refuse_stateful(layer: Any) -> None:
    if getattr(layer, "stateful", False):
        from kformat.errors import UnsupportedFeatureError

        raise UnsupportedFeatureError(
            f"layer {layer.name!r}: stateful=True carries the RNN state from one call to the "
            "next (and between predict batches); the runtime only runs stateless inference"
        )


def _states_out(layer: Any, states: list[list[Any]]) -> list[Any]:
    if type(layer.cell).__name__ == "StackedRNNCells":
        # StackedRNNCells.call: a list per multi-state cell (LSTM), else the one tensor
        return [list(s) if len(s) > 1 else s[0] for s in states]
    return list(states[0])


def rnn_call(
    layer: Any, sequences: Any, initial_state: Any = None, mask: Any = None, training: Any = None
) -> Any:
    """``RNN.call``: the loop of ``_rnn_math.run`` with the layer's options."""
    _refuse_stateful(layer)
    x = np.asarray(sequences)
    if x.ndim != 3:
        raise ValueError(f"{layer.name}: expected inputs of rank 3, got shape {x.shape}")
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.dtype("float32")
    cells = cells_of(layer.cell)
    maths = [cell_math(cell, dtype) for cell in cells]
    initial = _grouped(initial_state, [m.n_states for m in maths])
    if isinstance(mask, (list, tuple)):
        mask = mask[0]
    out, states = run(
        maths,
        x.astype(dtype, copy=False),
        initial,
        None if mask is None else np.asarray(mask),
        go_backwards=bool(layer.go_backwards),
        return_sequences=bool(layer.return_sequences),
        zero_output_for_mask=bool(layer.zero_output_for_mask),
    )
    target = np.dtype(layer.compute_dtype) if layer.compute_dtype != "bfloat16" else None
    if target is not None:
        out = out.astype(target, copy=False)
        states = [[s.astype(target, copy=False) for s in group] for group in states]
    if layer.return_state:
        return (out, *_states_out(layer, states))
    return out


def tf_rnn_call(
    ctx: Any,
    layer: Any,
    sequences: Any,
    initial_state: Any = None,
    mask: Any = None,
    training: Any = None,
) -> Any:
    """TensorFlow twin of :func:`rnn_call`."""
    _refuse_stateful(layer)
    cells = cells_of(layer.cell)
    counts = [2 if type(cell).__name__ == "LSTMCell" else 1 for cell in cells]
    initial = _grouped(initial_state, counts)
    if isinstance(mask, (list, tuple)):
        mask = mask[0]
    x = sequences
    if x.dtype not in (ctx.tf.float32, ctx.tf.float64):
        x = ctx.cast(x, "float32")
    out, states = tf_run(
        ctx,
        cells,
        x,
        initial,
        mask,
        go_backwards=bool(layer.go_backwards),
        return_sequences=bool(layer.return_sequences),
        zero_output_for_mask=bool(layer.zero_output_for_mask),
    )
    out = ctx.cast(out, layer.compute_dtype)
    states = [[ctx.cast(s, layer.compute_dtype) for s in group] for group in states]
    if layer.return_state:
        return (out, *_states_out(layer, states))
    return out


def rnn_compute_mask(layer: Any, inputs: Any, mask: Any) -> Any:
    """``RNN.compute_mask``: the input mask with ``return_sequences``; states get none."""
    if isinstance(mask, (list, tuple)):
        mask = mask[0] if mask else None
    out = mask if layer.return_sequences else None
    if layer.return_state:
        n = sum(2 if type(x).__name__ == "LSTMCell" else 1 for x in cells_of(layer.cell))
        return [out] + [None] * n
    return out


def tf_rnn_compute_mask(ctx: Any, layer: Any, inputs: Any, mask: Any) -> Any:
    """TensorFlow twin of :func:`rnn_compute_mask` (the same masks)."""
    return rnn_compute_mask(layer, inputs, mask)


def _layer(class_name: str, summary: str) -> LayerDef:
    if class_name == "RNN":
        fields: dict[str, Field] = {
            **RNN_HEAD,
            "cell": f(LAYER, required=True, note="a serialized cell or `StackedRNNCells`"),
            **_TIME_MAJOR,
        }
        doc = "none; the cell's in the sub-layer group `cell`"
    else:
        cell_cls = _CELL_OF[class_name][0]
        fields = {**RNN_HEAD, **cell_fields(cell_cls, layer=True), **_TIME_MAJOR}
        doc = f"none; the `{cell_cls}`'s in the sub-layer group `cell`"
    return LayerDef(
        class_name=class_name,
        source=f"keras/src/layers/rnn/{_SOURCE[class_name]}",
        fields=fields,
        call=rnn_call,
        tf_call=tf_rnn_call,
        variables=_variables_of(class_name),
        sublayers=_sublayers_of(class_name),
        output_shape=_output_shape_of(class_name),
        compute_mask=rnn_compute_mask,
        tf_compute_mask=tf_rnn_compute_mask,
        config_outputs=lambda config: rnn_outputs(class_name, config),
        summary=summary,
        variables_doc=doc,
    )


_SOURCE = {
    "SimpleRNN": "simple_rnn.py",
    "LSTM": "lstm.py",
    "GRU": "gru.py",
    "RNN": "rnn.py",
}

assert {v[0] for v in _CELL_OF.values()} == CELL_CLASSES

DEFINITIONS = (
    _layer("SimpleRNN", "fully connected RNN over the time axis"),
    _layer("LSTM", "long short-term memory over the time axis"),
    _layer("GRU", "gated recurrent unit over the time axis (`reset_after` both ways)"),
    _layer("RNN", "any cell (or `StackedRNNCells`) over the time axis"),
)
