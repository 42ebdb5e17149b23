"""``SeparableConv1D``/``SeparableConv2D``
(``keras/src/layers/convolutional/base_separable_conv.py``).

A depthwise convolution (strides, padding, dilation) followed by a 1x1
convolution to ``filters`` channels, then bias and activation. Variables:
``depthwise_kernel (*kernel_size, channels, depth_multiplier)``,
``pointwise_kernel (1, ..., channels * depth_multiplier, filters)``,
``bias (filters,)`` when ``use_bias``. tf_keras (and tf.keras 2.x) also write
``Conv``'s ``groups`` and ``kernel_initializer``/``_regularizer``/``_constraint``
(its ``SeparableConv`` merges ``Conv.get_config()``); Keras 3 rejects them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

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
from kformat.layers._def import Field, InputShape, LayerDef, Shape, VariableSpec, f
from kformat.layers.depthwise_conv import depthwise_out_dims, depthwise_shape

__all__ = ["DEFINITIONS", "SEPARABLE_CONV1D", "SEPARABLE_CONV2D"]


def _fields(rank: int) -> dict[str, Field]:
    """The keys ``BaseSeparableConv.get_config`` writes, in its order."""
    return {
        "depth_multiplier": f(c.POS_INT, 1),
        "filters": f(c.POS_INT, required=True),
        "kernel_size": tuple_field(rank, None, required=True),
        "strides": tuple_field(rank, 1),
        "padding": padding_field(causal=False),
        "data_format": data_format_field(),
        "dilation_rate": tuple_field(rank, 1),
        "activation": f(c.ACTIVATION, kind="activation"),
        "use_bias": f(c.BOOL, True),
        **weight_fields(
            "depthwise",
            "pointwise",
            "bias",
            initializers={"depthwise": "glorot_uniform", "pointwise": "glorot_uniform"},
        ),
        # tf_keras' SeparableConv subclasses Conv and merges Conv.get_config() in
        "groups": f(c.POS_INT, tf_keras=True, note="tf_keras writes `1`"),
        "kernel_initializer": f(c.INITIALIZER, tf_keras=True, note="tf_keras; unused"),
        "kernel_regularizer": f(c.REGULARIZER, tf_keras=True, note="tf_keras; unused"),
        "kernel_constraint": f(c.CONSTRAINT, tf_keras=True, note="tf_keras; unused"),
    }


def _output_shape(rank: int) -> Any:
    def shape_fn(config: Mapping[str, Any], shape: Shape) -> Shape:
        filters = config["filters"]
        if not c.positive(filters):
            raise ValueError("filters must be >= 1")
        g = geometry(config, rank)
        return g.join(shape[0], depthwise_out_dims(config, shape, rank), filters)

    return safe_shape(shape_fn)


def _variables(rank: int) -> Any:
    def variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
        kernel = depthwise_shape(config, input_shape, rank)
        filters = config["filters"]
        pointwise = (*(1,) * rank, kernel[-2] * kernel[-1], filters)
        specs = [
            VariableSpec("depthwise_kernel", kernel, keys="depthwise"),
            VariableSpec("pointwise_kernel", pointwise, keys="pointwise"),
        ]
        if config.get("use_bias", True):
            specs.append(VariableSpec("bias", (filters,)))
        return tuple(specs)

    return variables


def call(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass: depthwise multiply-accumulate, then one GEMM."""
    rank = len(layer.kernel_size)
    x = to_channels_last(layer, inputs, rank)
    depthwise = layer.weight("depthwise_kernel")
    pointwise = layer.weight("pointwise_kernel")
    h = cm.depthwise(x, depthwise, tuple(layer.strides), layer.padding, tuple(layer.dilation_rate))
    dtype, result = cm.compute_dtype(h, pointwise)
    w = np.asarray(pointwise, dtype).reshape(-1, pointwise.shape[-1])
    y = np.matmul(np.asarray(h, dtype).reshape(-1, w.shape[0]), w)
    y = y.reshape(*h.shape[:-1], w.shape[1]).astype(result, copy=False)
    return finish(layer, y)


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    x, (depthwise, pointwise), result = ct.tf_start(
        ctx,
        layer,
        inputs,
        ctx.weight(layer, "depthwise_kernel"),
        ctx.weight(layer, "pointwise_kernel"),
    )
    h = ct.tf_depthwise(ctx, layer, x, depthwise)
    y = tf.nn.convolution(h, pointwise, strides=1, padding="VALID")
    return ct.tf_finish(ctx, layer, y, result)


def _definition(rank: int) -> LayerDef:
    return LayerDef(
        class_name=f"SeparableConv{rank}D",
        source=f"keras/src/layers/convolutional/separable_conv{rank}d.py",
        fields=_fields(rank),
        call=call,
        tf_call=tf_call,
        variables=_variables(rank),
        output_shape=_output_shape(rank),
        aliases=(f"SeparableConvolution{rank}D",),
        summary=f"{rank}-D depthwise-separable convolution (depthwise, then 1x1)",
        variables_doc="`depthwise_kernel (*kernel_size, channels, depth_multiplier)`, "
        "`pointwise_kernel (1, …, channels * depth_multiplier, filters)`, "
        "`bias (filters,)` if `use_bias`",
    )


SEPARABLE_CONV1D = _definition(1)
SEPARABLE_CONV2D = _definition(2)

DEFINITIONS = (SEPARABLE_CONV1D, SEPARABLE_CONV2D)
