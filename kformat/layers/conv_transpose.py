"""``Conv1DTranspose``/``Conv2DTranspose``/``Conv3DTranspose``
(``keras/src/layers/convolutional/base_conv_transpose.py``).

The gradient of a convolution: each input pixel scatters ``kernel[tap] @ x``
to ``pixel * strides + tap * dilation``, then Keras' padding rule crops the
result (``output_padding`` adds rows after it). Variables:
``kernel (*kernel_size, filters, channels)`` — filters before input channels —
and ``bias (filters,)`` when ``use_bias``.

``output_padding`` is saved by ``get_config`` only since Keras 3.15; older
Keras 3 files lose a non-null value (their layer reloads with ``null``).
tf_keras adds ``groups`` (its transposed layers subclass ``Conv``), which
Keras 3 rejects; tf_keras' ``Conv3DTranspose`` omits ``dilation_rate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat.layers import _checks as c
from kformat.layers import _conv_math as cm
from kformat.layers import _conv_tf as ct
from kformat.layers._common import weight_fields
from kformat.layers._conv_common import (
    data_format_field,
    finish,
    geometry,
    padding_field,
    safe_shape,
    spatial,
    to_channels_last,
    tuple_field,
)
from kformat.layers._conv_math import as_tuple
from kformat.layers._def import Field, InputShape, LayerDef, Shape, VariableSpec, f

__all__ = ["CONV1D_TRANSPOSE", "CONV2D_TRANSPOSE", "CONV3D_TRANSPOSE", "DEFINITIONS"]


def _fields(rank: int) -> dict[str, Field]:
    """The keys ``BaseConvTranspose.get_config`` writes, in its order."""

    def convert(v: Any) -> Any:
        if v is None:
            return None
        return [v] * rank if isinstance(v, int) else list(v)

    return {
        "filters": f(c.POS_INT, required=True),
        "kernel_size": tuple_field(rank, None, required=True),
        "strides": tuple_field(rank, 1),
        "padding": padding_field(causal=False),
        "output_padding": f(
            c.opt(c.int_tuple(rank, 0)),
            None,
            convert=convert,
            note="each < the stride; saved since Keras 3.15",
        ),
        "data_format": data_format_field(),
        "dilation_rate": tuple_field(rank, 1),
        "activation": f(c.ACTIVATION, kind="activation"),
        "use_bias": f(c.BOOL, True),
        **weight_fields("kernel", "bias", initializers={"kernel": "glorot_uniform"}),
        "groups": f(c.POS_INT, tf_keras=True, note="tf_keras writes `1`"),
    }


def _output_padding(config: Mapping[str, Any], rank: int) -> tuple[int, ...] | None:
    value = config.get("output_padding")
    if value is None:
        return None
    found = as_tuple(value, rank)
    if found is None or min(found) < 0:
        raise ValueError(f"output_padding must be {rank} ints >= 0, got {value!r}")
    return found


def _out_dims(config: Mapping[str, Any], dims: Shape, rank: int) -> tuple[int | None, ...]:
    g = geometry(config, rank)
    ops = _output_padding(config, rank) or (None,) * rank
    return tuple(
        cm.transpose_out_len(n, k, s, d, g.padding, op)
        for n, k, s, d, op in zip(dims, g.kernel, g.strides, g.dilation, ops, strict=True)
    )


def _output_shape(rank: int) -> Any:
    def shape_fn(config: Mapping[str, Any], shape: Shape) -> Shape:
        g = geometry(config, rank)
        dims, _ = g.split(shape)
        filters = config["filters"]
        if not c.positive(filters) or g.padding not in ("valid", "same"):
            raise ValueError("filters must be >= 1 and padding valid or same")
        return g.join(shape[0], _out_dims(config, dims, rank), filters)

    return safe_shape(shape_fn)


def _variables(rank: int) -> Any:
    def variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
        g, _, channels = spatial(config, input_shape, rank)
        filters = config["filters"]
        if max(g.strides) > 1 and max(g.dilation) > 1:
            raise ValueError(
                f"strides > 1 not supported with dilation_rate > 1 (strides={list(g.strides)}, "
                f"dilation_rate={list(g.dilation)})"
            )
        ops = _output_padding(config, rank)
        if ops is not None and any(op >= s for op, s in zip(ops, g.strides, strict=True)):
            raise ValueError(
                f"output_padding must be less than strides, got output_padding={list(ops)} "
                f"and strides={list(g.strides)}"
            )
        if channels is None:
            raise ValueError("the input's channel dimension must be known")
        specs = [VariableSpec("kernel", (*g.kernel, filters, channels))]
        if config.get("use_bias", True):
            specs.append(VariableSpec("bias", (filters,)))
        return tuple(specs)

    return variables


def call(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass: one GEMM, then col2im over the kernel taps."""
    rank = len(layer.kernel_size)
    x = to_channels_last(layer, inputs, rank)
    ops = None if layer.output_padding is None else tuple(layer.output_padding)
    y = cm.conv_transpose(
        x,
        layer.weight("kernel"),
        tuple(layer.strides),
        layer.padding,
        ops,
        tuple(layer.dilation_rate),
    )
    return finish(layer, y)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    x, (kernel,), result = ct.tf_start(ctx, layer, inputs, ctx.weight(layer, "kernel"))
    return ct.tf_finish(ctx, layer, ct.tf_conv_transpose(ctx, layer, x, kernel), result)


def _definition(rank: int) -> LayerDef:
    return LayerDef(
        class_name=f"Conv{rank}DTranspose",
        source=f"keras/src/layers/convolutional/conv{rank}d_transpose.py",
        fields=_fields(rank),
        call=call,
        tf_call=tf_call,
        variables=_variables(rank),
        output_shape=_output_shape(rank),
        aliases=(f"Convolution{rank}DTranspose",),
        summary=f"{rank}-D transposed convolution",
        variables_doc="`kernel (*kernel_size, filters, channels)`, `bias (filters,)` if `use_bias`",
    )


CONV1D_TRANSPOSE = _definition(1)
CONV2D_TRANSPOSE = _definition(2)
CONV3D_TRANSPOSE = _definition(3)

DEFINITIONS = (CONV1D_TRANSPOSE, CONV2D_TRANSPOSE, CONV3D_TRANSPOSE)
