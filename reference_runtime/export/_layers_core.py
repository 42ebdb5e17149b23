"""Core and activation layers in TensorFlow: InputLayer, EinsumDense, Embedding,
Dropout, Identity, Activation, ReLU, LeakyReLU, PReLU, Softmax, Lambda.

Each function mirrors ``call`` of the runtime layer of the same name
(``reference_runtime/layers/<name>.py``), reading the built layer's attributes
and weights; weights come through :class:`TraceContext` as ``tf.Variable``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from kformat.errors import UnsupportedFeatureError
from reference_runtime.export import _activations as act
from reference_runtime.export._context import TFLayer, TraceContext, is_tensor
from reference_runtime.export._helpers import binary, cast, result_dtype

__all__ = ["CORE_LAYERS", "matmul_like_numpy"]


def _input_layer(ctx: TraceContext, layer: Any, *args: Any, **kwargs: Any) -> Any:
    return args[0] if args else None


def _identity(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    return inputs


def _dropout(ctx: TraceContext, layer: Any, inputs: Any, training: Any = False) -> Any:
    if training is True and layer.rate > 0:
        raise UnsupportedFeatureError(
            f"layer {layer.name!r}: the export only runs inference (training=False)"
        )
    return inputs


def matmul_like_numpy(equation: str | None, x: Any, kernel: Any) -> Any:
    """``np.matmul`` (``equation=None``) or ``np.einsum``: bfloat16 computed in float32,
    the result in the NumPy result dtype of the operands."""
    out_dtype = result_dtype(x, kernel)
    compute = tf.float32 if tf.bfloat16 in (x.dtype, kernel.dtype) else out_dtype
    a, b = cast(x, compute), cast(kernel, compute)
    y = tf.matmul(a, b) if equation is None else tf.einsum(equation, a, b)
    return cast(y, out_dtype)


def _einsum_dense(ctx: TraceContext, layer: Any, inputs: Any, training: Any = None) -> Any:
    y = matmul_like_numpy(layer.equation, inputs, ctx.read(layer.kernel, layer))
    if layer.bias is not None:
        y = binary(tf.add, y, ctx.read(layer.bias, layer))
    return act.tf_activation(layer.activation, layer.name)(y)


def _embedding(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    idx = inputs
    if idx.dtype not in (tf.int32, tf.int64):
        idx = tf.cast(idx, tf.int32)
    return cast(tf.gather(ctx.stored(layer.embeddings), idx, axis=0), layer.compute_dtype)


def _embedding_mask(ctx: TraceContext, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    if not layer.mask_zero:
        return None
    return tf.not_equal(inputs, tf.zeros([], dtype=inputs.dtype))


def _activation(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    return act.tf_activation(layer.activation, layer.name)(inputs)


def _relu(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    return act.relu(
        inputs,
        negative_slope=layer.negative_slope,
        max_value=layer.max_value,
        threshold=layer.threshold,
    )


def _leaky_relu(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    return act.leaky_relu(inputs, negative_slope=layer.negative_slope)


def _prelu(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    x = inputs
    zero = tf.zeros([], x.dtype)
    alpha = ctx.read(layer.alpha, layer)
    return binary(tf.add, tf.maximum(x, zero), binary(tf.multiply, -alpha, tf.maximum(-x, zero)))


def large_negative_number(dtype: Any) -> Any:
    """``Softmax``'s ``_large_negative_number``: -3e4 for float16, else -1e9."""
    return tf.constant(-3e4 if dtype == tf.float16 else -1e9, dtype=dtype)


def _softmax(ctx: TraceContext, layer: Any, inputs: Any, mask: Any = None) -> Any:
    x = inputs
    m = None
    if mask is not None:
        m = tf.convert_to_tensor(mask)
        neg = large_negative_number(x.dtype)
        if layer._keras2 and x.dtype == tf.float16:
            neg = tf.constant(np.finfo(np.float16).min, tf.float16)
        if layer._additive_masking:
            # (1 - mask) * large_negative, added (Keras 2, Keras 3.0-3.9).
            x = x + (tf.constant(1.0, x.dtype) - cast(m, x.dtype)) * neg
        else:
            if m.dtype != tf.bool:
                m = m > tf.constant(0.5, m.dtype)
            x = tf.where(m, x, neg)
    axis = layer.axis
    if isinstance(axis, tuple) and len(axis) > 1:
        mx = tf.reduce_max(x, axis=list(axis), keepdims=True)
        lse = mx + tf.math.log(tf.reduce_sum(tf.exp(x - mx), axis=list(axis), keepdims=True))
        out = tf.exp(x - lse)
    else:
        out = act.softmax(x, axis=axis[0] if isinstance(axis, tuple) else axis)
    if m is not None and layer._zero_masked:
        out = tf.where(m, out, tf.zeros([], out.dtype))
    return out


def _lambda(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    try:
        fn = act.tf_activation(layer.function, layer.name)
    except UnsupportedFeatureError:
        raise UnsupportedFeatureError(
            f"Lambda layer {layer.name!r} runs the Python function "
            f"{getattr(layer.function, '__name__', layer.function)!r}, which has no TensorFlow "
            "translation (only built-in activations do); register one with "
            "reference_runtime.export.register_tf_layer"
        ) from None
    if not is_tensor(inputs):
        raise UnsupportedFeatureError(f"Lambda layer {layer.name!r} on a structure of inputs")
    return fn(inputs, **layer.arguments)


#: class_name -> translation, for this module's layers.
CORE_LAYERS: dict[str, TFLayer] = {
    "InputLayer": TFLayer(_input_layer),
    "EinsumDense": TFLayer(_einsum_dense),
    "Embedding": TFLayer(_embedding, _embedding_mask),
    "Dropout": TFLayer(_dropout),
    "Identity": TFLayer(_identity),
    "Activation": TFLayer(_activation),
    "ReLU": TFLayer(_relu),
    "LeakyReLU": TFLayer(_leaky_relu),
    "PReLU": TFLayer(_prelu),
    "Softmax": TFLayer(_softmax),
    "Lambda": TFLayer(_lambda),
}
