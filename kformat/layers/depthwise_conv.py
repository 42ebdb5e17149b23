"""``DepthwiseConv1D``/``DepthwiseConv2D``
(``keras/src/layers/convolutional/base_depthwise_conv.py``).

Each input channel ``c`` is convolved with its own ``depth_multiplier`` filters;
output channel ``c * depth_multiplier + m``. Variables: ``kernel (*kernel_size,
channels, depth_multiplier)`` (named ``kernel``, set up by the ``depthwise_*``
keys) and ``bias (channels * depth_multiplier,)`` when ``use_bias``. Keras 3.15
allows strides and dilation > 1 together here. tf_keras writes ``groups`` too
(its depthwise layers subclass ``Conv``); Keras 3 rejects that key.
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
    to_channels_last,
    tuple_field,
)
from kformat.layers._def import Field, InputShape, LayerDef, Shape, VariableSpec, f, single

__all__ = [
    "DEFINITIONS",
    "DEPTHWISE_CONV1D",
    "DEPTHWISE_CONV2D",
    "depthwise_out_dims",
    "depthwise_shape",
]


def _fields(rank: int) -> dict[str, Field]:
    """The keys ``BaseDepthwiseConv.get_config`` writes, in its order."""
    return {
        "depth_multiplier": f(c.POS_INT, 1),
        "kernel_size": tuple_field(rank, None, required=True),
        "strides": tuple_field(rank, 1),
        "padding": padding_field(causal=False),
        "data_format": data_format_field(),
        "dilation_rate": tuple_field(rank, 1),
        "activation": f(c.ACTIVATION, kind="activation"),
        "use_bias": f(c.BOOL, True),
        **weight_fields("depthwise", "bias", initializers={"depthwise": "glorot_uniform"}),
        "groups": f(c.POS_INT, tf_keras=True, note="tf_keras writes `1`"),
    }


def depthwise_out_dims(config: Mapping[str, Any], shape: Shape, rank: int) -> Shape:
    """Spatial output dims of the depthwise step (``ValueError`` when not positive)."""
    g = geometry(config, rank)
    dims, _ = g.split(shape)
    out = tuple(
        cm.conv_out_len(n, k, s, d, g.padding)
        for n, k, s, d in zip(dims, g.kernel, g.strides, g.dilation, strict=True)
    )
    if any(o is not None and o <= 0 for o in out):
        raise ValueError(f"computed output size would be zero or negative: {list(out)}")
    return out


def depthwise_shape(
    config: Mapping[str, Any], input_shape: InputShape, rank: int
) -> tuple[int, ...]:
    """``(*kernel_size, channels, depth_multiplier)`` for a build shape."""
    shape = single(input_shape)
    g = geometry(config, rank)
    _, channels = g.split(shape)
    if channels is None:
        raise ValueError("the input's channel dimension must be known")
    depthwise_out_dims(config, shape, rank)  # Keras' build checks the output size
    return (*g.kernel, channels, config.get("depth_multiplier", 1))


def _output_shape(rank: int) -> Any:
    def shape_fn(config: Mapping[str, Any], shape: Shape) -> Shape:
        g = geometry(config, rank)
        _, channels = g.split(shape)
        mult = config.get("depth_multiplier", 1)
        if not c.positive(mult):
            raise ValueError("depth_multiplier must be >= 1")
        out_channels = None if channels is None else channels * mult
        return g.join(shape[0], depthwise_out_dims(config, shape, rank), out_channels)

    return safe_shape(shape_fn)


def _variables(rank: int) -> Any:
    def variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
        kernel = depthwise_shape(config, input_shape, rank)
        specs = [VariableSpec("kernel", kernel, keys="depthwise")]
        if config.get("use_bias", True):
            specs.append(VariableSpec("bias", (kernel[-2] * kernel[-1],)))
        return tuple(specs)

    return variables


def call(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass: a multiply-accumulate over the kernel taps."""
    rank = len(layer.kernel_size)
    x = to_channels_last(layer, inputs, rank)
    y = cm.depthwise(
        x, layer.weight("kernel"), tuple(layer.strides), layer.padding, tuple(layer.dilation_rate)
    )
    return finish(layer, y)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    x, (kernel,), result = ct.tf_start(ctx, layer, inputs, ctx.weight(layer, "kernel"))
    return ct.tf_finish(ctx, layer, ct.tf_depthwise(ctx, layer, x, kernel), result)


def _definition(rank: int) -> LayerDef:
    return LayerDef(
        class_name=f"DepthwiseConv{rank}D",
        source=f"keras/src/layers/convolutional/depthwise_conv{rank}d.py",
        fields=_fields(rank),
        call=call,
        tf_call=tf_call,
        variables=_variables(rank),
        output_shape=_output_shape(rank),
        summary=f"{rank}-D depthwise convolution (one filter set per input channel)",
        variables_doc="`kernel (*kernel_size, channels, depth_multiplier)`, "
        "`bias (channels * depth_multiplier,)` if `use_bias`",
    )


DEPTHWISE_CONV1D = _definition(1)
DEPTHWISE_CONV2D = _definition(2)

DEFINITIONS = (DEPTHWISE_CONV1D, DEPTHWISE_CONV2D)
