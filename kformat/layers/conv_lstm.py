"""``ConvLSTM1D``/``ConvLSTM2D``/``ConvLSTM3D`` (``keras/src/layers/rnn/conv_lstm.py``
and ``conv_lstm{1,2,3}d.py``).

An ``RNN`` (``keras/src/layers/rnn/rnn.py``) over a ``ConvLSTMCell`` whose input
and recurrent transformations are convolutions (the math: ``_conv_lstm_math``).
Inputs are ``(batch, time, *spatial, channels)`` (``channels_first``:
``(batch, time, channels, *spatial)``); outputs the last ``h``, or every step's
with ``return_sequences``, then ``h`` and ``c`` with ``return_state``.

The layer owns no variables itself: they belong to its ``cell`` attribute, a
sub-layer saved in its own group ``<layer>/cell`` (spec §6.7) by every writer
(Keras 3, tf.keras 2.x, tf_keras): ``kernel (*kernel_size, channels, 4 * filters)``,
``recurrent_kernel (*kernel_size, filters, 4 * filters)``, ``bias (4 * filters,)``
when ``use_bias``. ``ConvLSTMCell`` is not an exported class, so its variables
are given with the sub-layer rather than by a definition of their own.

``get_config`` is the RNN's keys (``cell`` removed) then the cell's; tf.keras 2.x
writes ``time_major`` and neither ``zero_output_for_mask`` nor ``seed``. The
recurrent convolution has stride 1, ``same`` padding and no dilation
(``ConvLSTMCell.recurrent_conv``); the mask (``(batch, time)``) follows
``backend.rnn``; the output mask is the input's with ``return_sequences``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat.layers import _checks as c
from kformat.layers import _conv_lstm_math as math
from kformat.layers import _conv_math as cm
from kformat.layers._conv_common import data_format_field, geometry, padding_field, tuple_field
from kformat.layers._def import (
    Field,
    InputShape,
    LayerDef,
    Shape,
    SublayerSpec,
    VariableSpec,
    f,
    single,
)

__all__ = ["CONV_LSTM1D", "CONV_LSTM2D", "CONV_LSTM3D", "DEFINITIONS", "output_shapes"]


def _clamp(v: Any) -> Any:
    # ConvLSTMCell: ``self.dropout = min(1.0, max(0.0, dropout))``
    return min(1.0, max(0.0, v))


def _fields(rank: int) -> dict[str, Field]:
    weight = ("kernel", "recurrent", "bias")
    return {
        # RNN.get_config
        "return_sequences": f(c.BOOL, False),
        "return_state": f(c.BOOL, False),
        "go_backwards": f(c.BOOL, False),
        "stateful": f(c.BOOL, False, note="the runtime refuses to call a stateful layer"),
        "unroll": f(c.BOOL, False),
        "time_major": f(c.BOOL, False, tf_keras=True),
        "zero_output_for_mask": f(c.BOOL, False),
        # ConvLSTM.get_config
        "filters": f(c.POS_INT, required=True),
        "kernel_size": tuple_field(rank, None, required=True),
        "strides": tuple_field(rank, 1),
        "padding": padding_field(causal=False),
        "data_format": data_format_field(),
        "dilation_rate": tuple_field(rank, 1),
        "activation": f(c.ACTIVATION, "tanh", kind="activation"),
        "recurrent_activation": f(c.ACTIVATION, "sigmoid", kind="activation"),
        "use_bias": f(c.BOOL, True),
        "kernel_initializer": f(c.INITIALIZER, "glorot_uniform", kind="initializer"),
        "recurrent_initializer": f(c.INITIALIZER, "orthogonal", kind="initializer"),
        "bias_initializer": f(c.INITIALIZER, "zeros", kind="initializer"),
        "unit_forget_bias": f(c.BOOL, True),
        **{f"{w}_regularizer": f(c.REGULARIZER, kind="regularizer") for w in weight},
        "activity_regularizer": f(c.REGULARIZER, kind="regularizer"),
        **{f"{w}_constraint": f(c.CONSTRAINT, kind="constraint") for w in weight},
        "dropout": f(c.num(), 0.0, convert=_clamp, note="clamped to [0, 1]"),
        "recurrent_dropout": f(c.num(), 0.0, convert=_clamp, note="clamped to [0, 1]"),
        "seed": f(c.opt(c.INT), note="Keras 3"),
    }


def _step_shape(config: Mapping[str, Any], shape: Shape, rank: int) -> Shape:
    """Output shape of one step, ``(batch, *out, filters)`` in the config's format."""
    g = geometry(config, rank)
    if len(shape) != rank + 3:
        raise ValueError(f"expected an input of rank {rank + 3}, got shape {list(shape)}")
    if max(g.strides) > 1 and max(g.dilation) > 1:
        raise ValueError("strides > 1 is not compatible with dilation_rate > 1")
    dims, _ = g.split((shape[0], *shape[2:]))
    filters: Any = config.get("filters")
    if not c.is_int(filters) or filters < 1:
        raise ValueError("filters must be an integer >= 1")
    out = tuple(
        cm.conv_out_len(n, k, s, d, g.padding)
        for n, k, s, d in zip(dims, g.kernel, g.strides, g.dilation, strict=True)
    )
    if any(o is not None and o <= 0 for o in out):
        raise ValueError(f"computed output size would be zero or negative: {list(out)}")
    return g.join(shape[0], out, filters)


def output_shapes(config: Mapping[str, Any], shape: Shape, rank: int) -> list[Shape]:
    """Every output's shape (``ConvLSTM.compute_output_shape``): the output, then
    ``h`` and ``c`` with ``return_state``."""
    step = _step_shape(config, shape, rank)
    out = (step[0], shape[1], *step[1:]) if config.get("return_sequences") else step
    return [out, step, step] if config.get("return_state") else [out]


def _output_shape(rank: int) -> Any:
    def shape_fn(config: Mapping[str, Any], shape: Shape) -> Shape | None:
        try:
            shapes = output_shapes(config, shape, rank)
        except (ValueError, TypeError, KeyError, IndexError, ZeroDivisionError):
            return None
        return shapes[0] if len(shapes) == 1 else None  # several outputs: not followed

    return shape_fn


def cell_variables(config: Mapping[str, Any], shape: Shape, rank: int) -> tuple[VariableSpec, ...]:
    """The cell's ``vars`` (``ConvLSTMCell.build``), from the layer's build shape."""
    _step_shape(config, shape, rank)  # the same refusals as building
    g = geometry(config, rank)
    _, channels = g.split((shape[0], *shape[2:]))
    if channels is None:
        raise ValueError("the input's channel dimension must be known")
    filters = config["filters"]
    specs = [
        VariableSpec("kernel", (*g.kernel, channels, 4 * filters)),
        VariableSpec("recurrent_kernel", (*g.kernel, filters, 4 * filters)),
    ]
    if config.get("use_bias", True):
        specs.append(VariableSpec("bias", (4 * filters,)))
    return tuple(specs)


def _sublayers(rank: int) -> Any:
    def sublayers(config: Mapping[str, Any], input_shape: InputShape) -> tuple[SublayerSpec, ...]:
        step: Shape | None = None
        variables: tuple[VariableSpec, ...] | None = None
        if isinstance(input_shape, Mapping):  # called with initial_state: a shapes_dict
            input_shape = input_shape.get("sequences_shape")
        if input_shape is not None:
            shape = single(input_shape)
            step = (shape[0], *shape[2:])
            variables = cell_variables(config, shape, rank)
        return (
            SublayerSpec("cell", None, "ConvLSTMCell", "conv_lstm_cell", {}, step, True, variables),
        )

    return sublayers


def _compute_mask(layer: Any, inputs: Any, mask: Any) -> Any:
    # ConvLSTM.compute_mask: the sequence mask with return_sequences; none for the states
    if isinstance(mask, (list, tuple)):
        mask = mask[0] if mask else None
    out = mask if layer.return_sequences else None
    return [out, None, None] if layer.return_state else out


def call(
    layer: Any, sequences: Any, initial_state: Any = None, mask: Any = None, training: Any = False
) -> Any:
    """NumPy forward pass (``_conv_lstm_math.run``); the variables are the cell's."""
    return math.run(layer, layer.cell, sequences, mask, initial_state, training)


def tf_call(
    ctx: Any,
    layer: Any,
    sequences: Any,
    initial_state: Any = None,
    mask: Any = None,
    training: Any = False,
) -> Any:
    """TensorFlow twin of :func:`call`."""
    return math.tf_run(ctx, layer, layer.cell, sequences, mask, initial_state, training)


def _call_outputs(config: Mapping[str, Any]) -> int:
    return 3 if config.get("return_state") is True else 1


def _definition(rank: int) -> LayerDef:
    return LayerDef(
        class_name=f"ConvLSTM{rank}D",
        source=f"keras/src/layers/rnn/conv_lstm{rank}d.py",
        fields=_fields(rank),
        call=call,
        tf_call=tf_call,
        output_shape=_output_shape(rank),
        sublayers=_sublayers(rank),
        compute_mask=_compute_mask,
        config_outputs=_call_outputs,
        config_base=("name", "trainable", "dtype"),
        summary=f"{rank}-D convolutional LSTM over `(batch, time, ...)`; "
        "`return_state` adds `h` and `c`",
        variables_doc="none of its own; sub-layer `cell`: `kernel (*kernel_size, channels, "
        "4 * filters)`, `recurrent_kernel (*kernel_size, filters, 4 * filters)`, "
        "`bias (4 * filters,)` if `use_bias` (gates `i, f, c, o`)",
    )


CONV_LSTM1D = _definition(1)
CONV_LSTM2D = _definition(2)
CONV_LSTM3D = _definition(3)

DEFINITIONS = (CONV_LSTM1D, CONV_LSTM2D, CONV_LSTM3D)
